import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { writeEnded, writeStarted } from './append-diagnostics.js';
import type { AppendOutcome, AppendRequest, StoredEvent } from './event-store.js';

/** How a store writes a batch: one transaction, one outcome per request, in order. */
export type BatchWriter = (requests: readonly AppendRequest[]) => Promise<AppendOutcome[]>;

export interface AppendQueueOptions {
  /** The store's kind, named in the diagnostics of each batch. */
  readonly store: string;
  /** Writes a batch; it rejects only when the whole batch failed. */
  readonly write: BatchWriter;
  /** The most commands one transaction takes. */
  readonly maxBatch: number;
  /**
   * How many batches may be written at once: with two, the next batch
   * gathers and is sent while the one before waits for its commit.
   */
  readonly concurrency: number;
  /**
   * Waits for the next turn of the event loop before writing an idle queue,
   * so commands arriving in the same turn share a transaction: for a
   * synchronous driver, where nothing else would ever wait in the queue.
   */
  readonly gather: boolean;
}

/** A store's batch writer answered fewer requests than it was given: a bug, said as one. */
const missingOutcome = () =>
  new DataSourceError('The store wrote a batch but gave no outcome for this append', {
    code: ErrorCode.STORE_ERROR,
  });

/**
 * Group commit: appends made while a batch is being written wait for it and
 * then go together, in one transaction. A lone append is written at once
 * (or after one turn of the event loop, with `gather`), so a sequential caller
 * pays nothing for it; a busy one pays one commit for many commands.
 */
export function createAppendQueue(options: AppendQueueOptions) {
  interface Waiting {
    readonly request: AppendRequest;
    readonly resolve: (events: StoredEvent[]) => void;
    readonly reject: (error: unknown) => void;
  }
  let waiting: Waiting[] = [];
  /** Batches being written, plus one gathering when `gather` deferred it. */
  let writing = 0;

  async function drain(): Promise<void> {
    try {
      while (waiting.length > 0) {
        const batch = waiting.slice(0, options.maxBatch);
        waiting = waiting.slice(batch.length);
        const requests = batch.map((w) => w.request);
        const started = writeStarted();
        try {
          const outcomes = await options.write(requests);
          if (started !== null) writeEnded(options.store, requests, started, { outcomes });
          batch.forEach((w, i) => {
            const outcome = outcomes[i];
            if (outcome?.ok) w.resolve(outcome.events);
            else w.reject(outcome ? outcome.error : missingOutcome());
          });
        } catch (error) {
          if (started !== null) writeEnded(options.store, requests, started, { error });
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      writing -= 1;
    }
  }

  return function append(request: AppendRequest): Promise<StoredEvent[]> {
    return new Promise((resolve, reject) => {
      waiting.push({ request, resolve, reject });
      if (writing >= options.concurrency) return;
      writing += 1;
      if (options.gather) setImmediate(() => void drain());
      else void drain();
    });
  };
}
