/**
 * A writer's own committed events can be applied before the log up to them
 * is read (other writers' appends below them may still be open). The fold
 * skips them when it reaches them, so every stream ends as a fold in
 * position order leaves it, and the streams as they stood at the position
 * (what a snapshot holds) never include them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataSourceEvent } from '../../src/domain/events.js';
import type { SourceStream } from '../../src/domain/stream.js';
import {
  applyAhead,
  applyEvents,
  createWriteModel,
  streamOf,
  streamsAtPosition,
  type WriteModel,
} from '../../src/state/write-model.js';
import { draft, envelope, registered } from '../support/given-when-then.js';

const ignore = () => {};

/** Streams whose events interleave in `order` (stream indexes), positions 1, 2, 3 … */
function interleaved(order: readonly number[]): DataSourceEvent[] {
  const versions = new Map<number, number>();
  return order.map((stream, i) => {
    const after = versions.get(stream) ?? 0;
    versions.set(stream, after + 1);
    const drafts = [
      after === 0 ? registered({ name: `Source ${stream}` }) : draft.connectionRecorded,
    ];
    const [event] = envelope(drafts, { after, sourceId: `src-${stream}` });
    return { ...(event as DataSourceEvent), position: i + 1 };
  });
}

/** The streams a fold of the log up to `position`, in position order, holds. */
function foldedUpTo(log: readonly DataSourceEvent[], position: number) {
  const model = createWriteModel();
  applyEvents(model, log.slice(0, position), ignore);
  return Object.fromEntries(model.streams);
}

const plain = (streams: ReadonlyMap<string, SourceStream>) => Object.fromEntries(streams);

// src-0 registered at 1, src-1 at 2, src-0 on at 3 and 4, src-1 on at 5.
const log = interleaved([0, 1, 0, 0, 1]);
const at = (position: number) => log[position - 1] as DataSourceEvent;

function readUpTo(model: WriteModel, position: number) {
  applyEvents(model, log.slice(model.position, position), ignore);
}

describe('applyAhead', () => {
  it('shows the events at once and leaves the position where the log was read to', () => {
    const model = createWriteModel();
    readUpTo(model, 1);

    expect(applyAhead(model, [at(3), at(4)], ignore)).toBe(true);

    expect(model.position).toBe(1);
    expect(streamOf(model, 'src-0').version).toBe(3);
    expect(streamOf(model, 'src-0').source?.connectionCount).toBe(2);
  });

  it('is skipped by the fold, which ends as a fold in position order does', () => {
    const model = createWriteModel();
    readUpTo(model, 1);
    applyAhead(model, [at(3), at(4)], ignore);

    readUpTo(model, 5);

    expect(model.position).toBe(5);
    expect(plain(model.streams)).toEqual(foldedUpTo(log, 5));
    expect(model.ahead.size).toBe(0);
    expect(model.behind.size).toBe(0);
  });

  it('tells the projections of the stream it moved on', () => {
    const model = createWriteModel();
    readUpTo(model, 1);
    const versions: [number | undefined, number | undefined][] = [];

    applyAhead(model, [at(3)], (before, after) => versions.push([before?.version, after?.version]));

    expect(versions).toEqual([[1, 2]]);
  });

  it('refuses events that do not continue their stream as it is held, and changes nothing', () => {
    const model = createWriteModel();
    readUpTo(model, 1);
    const before = plain(model.streams);

    expect(applyAhead(model, [at(4)], ignore)).toBe(false);

    expect(plain(model.streams)).toEqual(before);
    expect(model.ahead.size).toBe(0);
  });

  it('refuses events of more than one stream', () => {
    const model = createWriteModel();
    readUpTo(model, 2);

    expect(applyAhead(model, [at(3), at(5)], ignore)).toBe(false);
    expect(streamOf(model, 'src-0').version).toBe(1);
  });

  it('refuses events the fold has reached already', () => {
    const model = createWriteModel();
    readUpTo(model, 3);

    expect(applyAhead(model, [at(3)], ignore)).toBe(false);
    expect(streamOf(model, 'src-0').version).toBe(2);
  });

  it('refuses no events', () => {
    expect(applyAhead(createWriteModel(), [], ignore)).toBe(false);
  });
});

describe('streamsAtPosition', () => {
  it('holds a stream moved on ahead as it stood at the position', () => {
    const model = createWriteModel();
    readUpTo(model, 2);
    applyAhead(model, [at(3), at(4)], ignore);

    expect(plain(streamsAtPosition(model))).toEqual(foldedUpTo(log, 2));
  });

  it('holds a stream moved on ahead twice with the first events once the fold passed them', () => {
    const model = createWriteModel();
    readUpTo(model, 2);
    applyAhead(model, [at(3)], ignore);
    applyAhead(model, [at(4)], ignore);

    readUpTo(model, 3);

    expect(plain(streamsAtPosition(model))).toEqual(foldedUpTo(log, 3));
  });

  it('leaves out a stream created ahead', () => {
    const model = createWriteModel();
    readUpTo(model, 1);
    applyAhead(model, [at(2)], ignore);

    expect([...streamsAtPosition(model).keys()]).toEqual(['src-0']);
  });

  it('is the streams themselves when nothing was applied ahead', () => {
    const model = createWriteModel();
    readUpTo(model, 5);

    expect(streamsAtPosition(model)).toBe(model.streams);
  });
});

describe('a fold with events applied ahead of it', () => {
  /** One step: read the next few events of the log, or apply a stream's next events ahead. */
  const step = fc.oneof(
    fc.record({ read: fc.nat(4) }),
    fc.record({ stream: fc.nat(2), count: fc.integer({ min: 1, max: 2 }) }),
  );

  it('always holds at its position what a fold in position order holds, and ends the same', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(2), { minLength: 1, maxLength: 30 }),
        fc.array(step, { maxLength: 40 }),
        (order, steps) => {
          const events = interleaved(order);
          const model = createWriteModel();
          for (const next of steps) {
            if ('read' in next) {
              applyEvents(model, events.slice(model.position, model.position + next.read), ignore);
            } else {
              const id = `src-${next.stream}`;
              const held = streamOf(model, id).version;
              const own = events
                .filter((e) => e.sourceId === id && e.streamVersion > held)
                .slice(0, next.count);
              applyAhead(model, own, ignore);
            }
            expect(plain(streamsAtPosition(model))).toEqual(foldedUpTo(events, model.position));
            for (const [position] of model.ahead) expect(position).toBeGreaterThan(model.position);
          }
          applyEvents(model, events.slice(model.position), ignore);
          expect(plain(model.streams)).toEqual(foldedUpTo(events, events.length));
          expect(model.ahead.size).toBe(0);
          expect(model.behind.size).toBe(0);
        },
      ),
    );
  });
});
