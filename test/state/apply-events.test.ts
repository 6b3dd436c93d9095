/**
 * The write model applies committed events by position and skips what it
 * has applied already, so catching up twice, or a command's own events
 * arriving after a catch-up read them, changes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerDataSource } from '../../src/domain/data-source.js';
import { applyEvents, createWriteModel, streamOf } from '../../src/state/write-model.js';
import { draft, envelope, registered } from '../support/given-when-then.js';

const events = envelope([registered(), draft.connectionRecorded, draft.connectionRecorded]);
const ignore = () => {};

function modelOf(...batches: (typeof events)[]) {
  const model = createWriteModel();
  for (const batch of batches) applyEvents(model, batch, ignore);
  return model;
}

describe('applyEvents', () => {
  it('skips a single event at the position it has reached', () => {
    const model = modelOf(events, events.slice(-1));
    expect(model.position).toBe(3);
    expect(streamOf(model, 'src-1').source?.connectionCount).toBe(2);
  });

  it('skips the events of a batch up to the position it has reached', () => {
    const model = modelOf(events.slice(0, 2), events);
    expect(model.position).toBe(3);
    expect(streamOf(model, 'src-1').source?.connectionCount).toBe(2);
  });

  it('ends in the same state however the log is split into batches', () => {
    const whole = modelOf(events);
    const split = modelOf(events.slice(0, 1), events.slice(1, 2), events.slice(0, 3));
    expect(streamOf(split, 'src-1')).toEqual(streamOf(whole, 'src-1'));
  });

  it('tells of each stream it moved on once per apply, with its source before and after', () => {
    const model = createWriteModel();
    const changes: [CustomerDataSource | null, CustomerDataSource | null][] = [];
    const record = (before: CustomerDataSource | null, after: CustomerDataSource | null) =>
      changes.push([before, after]);
    applyEvents(model, events.slice(0, 2), record);
    applyEvents(model, events, record);
    expect(changes.map(([before, after]) => [before?.version, after?.version])).toEqual([
      [undefined, 2],
      [2, 3],
    ]);
  });

  it('keeps a deleted stream, at its version and without a source', () => {
    const deleted = envelope([
      registered(),
      { type: 'DataSourceDeleted', data: { reason: 'deleted' } },
    ]);
    const model = modelOf(deleted);
    expect(streamOf(model, 'src-1')).toEqual({ version: 2, source: null });
  });
});
