import { describe, expect, it } from 'vitest';
import { type BatchWriter, createAppendQueue } from '../../src/store/append-queue.js';
import type { AppendOutcome, AppendRequest } from '../../src/store/event-store.js';
import { streamAppend } from './conformance-fixtures.js';

/** A writer whose batches stay unwritten until the test settles them, in any order. */
function heldWriter() {
  const held: { requests: readonly AppendRequest[]; settle: (fail?: Error) => void }[] = [];
  const write: BatchWriter = (requests) =>
    new Promise<AppendOutcome[]>((resolve, reject) => {
      held.push({
        requests,
        settle: (fail) =>
          fail
            ? reject(fail)
            : resolve(
                requests.map((request) => ({
                  ok: true,
                  events: request.events.map((event) => ({ ...event, position: 1 })),
                })),
              ),
      });
    });
  return { write, held };
}

const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('the append queue', () => {
  it('hands a batch back only once every batch sent before it was handed back', async () => {
    const { write, held } = heldWriter();
    const append = createAppendQueue({
      store: 'test',
      write,
      maxBatch: 8,
      concurrency: 2,
      gather: false,
    });
    const order: string[] = [];
    const first = append(streamAppend('first', 0)).then(() => order.push('first'));
    const second = append(streamAppend('second', 0)).then(() => order.push('second'));
    expect(held).toHaveLength(2);

    held[1]?.settle();
    await turns();
    expect(order).toEqual([]);
    held[0]?.settle();
    await Promise.all([first, second]);

    expect(order).toEqual(['first', 'second']);
  });

  it('hands the next batch back after a batch that failed whole', async () => {
    const { write, held } = heldWriter();
    const append = createAppendQueue({
      store: 'test',
      write,
      maxBatch: 8,
      concurrency: 2,
      gather: false,
    });
    const first = append(streamAppend('first', 0));
    const second = append(streamAppend('second', 0));

    held[1]?.settle();
    held[0]?.settle(new Error('the connection was lost'));

    await expect(first).rejects.toThrow('the connection was lost');
    expect((await second).map((event) => event.sourceId)).toEqual(['second']);
  });

  it('sends what waited meanwhile as one batch once a writer is free', async () => {
    const { write, held } = heldWriter();
    const append = createAppendQueue({
      store: 'test',
      write,
      maxBatch: 8,
      concurrency: 1,
      gather: false,
    });
    const appends = ['a', 'b', 'c'].map((id) => append(streamAppend(id, 0)));

    held[0]?.settle();
    await turns();
    held[1]?.settle();
    await Promise.all(appends);

    expect(held.map((batch) => batch.requests.map((r) => r.events[0]?.sourceId))).toEqual([
      ['a'],
      ['b', 'c'],
    ]);
  });
});
