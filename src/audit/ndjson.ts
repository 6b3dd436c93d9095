import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';

/** One line of an NDJSON file, numbered from 1 as an editor shows it. */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

/** The lines of a file, one at a time: memory holds one line, not the file. */
export async function* readLines(path: string): AsyncGenerator<NumberedLine> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    yield { line, text };
  }
}

/** Where lines go: written with backpressure, and finished or given up. */
export interface LineSink {
  /** Resolves once the destination can take more: a slow file or socket slows the reader. */
  write(text: string): Promise<void>;
  /** Ends a file this sink opened; a stream the caller passed stays open. */
  close(): Promise<void>;
  /** After a failure: a file this sink opened is removed, so no partial export is left. */
  abort(): Promise<void>;
}

async function writeWithBackpressure(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/**
 * A sink on a file path (created, or replaced, readable by its owner only:
 * an export is as private as the log) or on a writable stream of the caller.
 */
export function openLineSink(output: string | Writable): LineSink {
  if (typeof output !== 'string') {
    return {
      write: (text) => writeWithBackpressure(output, text),
      close: async () => {},
      abort: async () => {},
    };
  }
  const file = createWriteStream(output, { mode: 0o600 });
  // An error of the file (its folder missing, no right to write) is kept for
  // the next call: with no listener it would end the process.
  let failure: unknown;
  file.on('error', (error) => {
    failure ??= error;
  });
  const closed = new Promise<void>((resolve) => file.once('close', () => resolve()));
  return {
    async write(text) {
      if (failure === undefined && !file.write(text)) {
        await Promise.race([once(file, 'drain'), closed]);
      }
      if (failure !== undefined) throw failure;
    },
    async close() {
      if (failure === undefined) {
        file.end();
        await finished(file);
      }
      if (failure !== undefined) throw failure;
    },
    async abort() {
      // The file opens on the thread pool: removing it before the stream has
      // closed could run ahead of the open, which would then create it again.
      file.destroy();
      await closed;
      await rm(output, { force: true });
    },
  };
}

/**
 * A file holding what `input` gives: the path itself, or a copy of a stream
 * in a private temporary folder, so the input can be read twice (checked
 * whole, then written) in constant memory. `dispose` removes the copy.
 */
export async function asFile(
  input: string | Readable,
): Promise<{ path: string; dispose(): Promise<void> }> {
  if (typeof input === 'string') return { path: input, dispose: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'datasource-registry-import-'));
  const path = join(dir, 'log.ndjson');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(input, createWriteStream(path, { mode: 0o600 }));
  } catch (error) {
    await dispose();
    throw error;
  }
  return { path, dispose };
}
