import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * Events appended since the last checkpoint before the checkpointing thread
 * is asked for one. One event writes about seven pages of WAL, so this is
 * close to SQLite's own default of 1,000 pages.
 */
export const CHECKPOINT_AFTER_EVENTS = 128;

/**
 * Events appended since the WAL last restarted past which the committing call
 * checkpoints what the other thread has not, once that thread is idle. The
 * WAL restarts only after a checkpoint that left no frame behind, which one
 * running beside a busy writer never does (commits keep adding frames while
 * it copies), so this call, between two commits, finishes the tail.
 */
export const CHECKPOINT_INLINE_EVENTS = 512;

/**
 * Events past which the committing call waits for the other thread's
 * checkpoint to end rather than let the WAL grow further.
 */
export const CHECKPOINT_WAIT_EVENTS = 2_048;

/** How long the committing call waits for the other thread before checkpointing beside it. */
const WAIT_MS = 2_000;

/** Keeps the WAL short, with its copying and syncing off the committing call where it can. */
export interface Checkpointer {
  /** Counts what a commit added to the WAL; checkpoints now or elsewhere when it is due. */
  committed(events: number): void;
  /**
   * Waits (blocking, briefly) for a checkpoint of the other thread to end,
   * so one run here can take the checkpoint lock: a TRUNCATE that must
   * not find it held.
   */
  settle(): void;
  /** Stops the other thread; closing the connection checkpoints what is left. */
  close(): Promise<void>;
}

/** The other thread's code: its own connection, a PASSIVE checkpoint per message. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const busy = new Int32Array(workerData.busy);
let db = null;
try {
  db = new Database(workerData.filename);
  db.pragma('synchronous = ' + workerData.synchronous);
} catch (error) {
  Atomics.store(busy, 0, 0);
  throw error;
}
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage(error instanceof Error ? error.message : String(error));
  } finally {
    Atomics.store(busy, 0, 0);
    Atomics.notify(busy, 0);
  }
});
`;

/**
 * SQLite's automatic checkpoint runs inside the commit that crosses its
 * threshold: that commit pays for copying the WAL into the database and for
 * the fsyncs, however little it wrote itself. With it turned off, a second
 * connection on a worker thread runs a PASSIVE checkpoint (it never waits
 * for readers or writers) every {@link CHECKPOINT_AFTER_EVENTS} events,
 * while this thread goes on committing; this connection checkpoints only
 * the tail left behind, so the WAL restarts. A commit is durable once it is
 * in the WAL, so where and when a checkpoint runs changes nothing about
 * what a crash can lose.
 */
export function createCheckpointer(
  db: Database.Database,
  onError: (error: unknown) => void,
): Checkpointer {
  // A private in-memory database has no WAL.
  if (db.memory) return { committed() {}, settle() {}, async close() {} };
  /** 1 while the other thread checkpoints, shared so this thread reads it without a turn of the event loop. */
  const busy = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker | null = null;
  /** Set when the other thread failed: every checkpoint is then run here. */
  let alone = false;
  let sinceRestart = 0;
  let sinceAsked = 0;

  function start(): Worker | null {
    if (worker !== null || alone) return worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          driver: createRequire(import.meta.url).resolve('better-sqlite3'),
          filename: db.name,
          synchronous: db.pragma('synchronous', { simple: true }),
          busy: busy.buffer,
        },
      });
    } catch (error) {
      // This runs after a commit: a thread that cannot start must not fail the append.
      alone = true;
      onError(error);
      return null;
    }
    // A checkpoint left undone when the process exits is done by the next open.
    worker.unref();
    worker.on('message', (message: string) => onError(new Error(message)));
    worker.on('error', (error) => {
      alone = true;
      worker = null;
      Atomics.store(busy, 0, 0);
      onError(error);
    });
    return worker;
  }

  function checkpointHere() {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      onError(error);
    }
  }

  const idle = () => Atomics.load(busy, 0) === 0;
  const settle = () => {
    if (!idle()) Atomics.wait(busy, 0, 1, WAIT_MS);
  };

  return {
    committed(events) {
      sinceRestart += events;
      sinceAsked += events;
      if (sinceRestart >= CHECKPOINT_INLINE_EVENTS && (idle() || alone)) {
        checkpointHere();
        sinceRestart = 0;
        sinceAsked = 0;
      } else if (sinceRestart >= CHECKPOINT_WAIT_EVENTS) {
        settle();
        checkpointHere();
        sinceRestart = 0;
        sinceAsked = 0;
      } else if (sinceAsked >= CHECKPOINT_AFTER_EVENTS && idle()) {
        const thread = start();
        if (thread === null) return;
        Atomics.store(busy, 0, 1);
        thread.postMessage('checkpoint');
        sinceAsked = 0;
      }
    },
    settle,
    async close() {
      const thread = worker;
      worker = null;
      alone = true;
      if (thread === null) return;
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      // Unref'd, the thread would not keep the process alive until it has exited.
      thread.ref();
      thread.postMessage('close');
      await exited;
    },
  };
}
