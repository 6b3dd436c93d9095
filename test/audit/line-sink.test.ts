/**
 * The file an export writes to: a failed export leaves no file behind, even
 * when it fails before the file has finished opening.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLineSink } from '../../src/audit/ndjson.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('line-sink-');

describe('a line sink on a file', () => {
  it('leaves no file behind when aborted before the file has opened', async () => {
    const dir = tempDir();
    // The file opens on the thread pool while abort() runs; which finishes
    // first varies, so try often enough that the late open shows up.
    for (let i = 0; i < 300; i++) {
      const output = join(dir, `export-${i}.ndjson`);
      await openLineSink(output).abort();
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(existsSync(output), `file ${i}`).toBe(false);
    }
  });

  it('leaves no file behind when aborted after writing', async () => {
    const output = join(tempDir(), 'export.ndjson');
    const sink = openLineSink(output);
    await sink.write('{"a":1}\n');
    await sink.abort();
    expect(existsSync(output)).toBe(false);
  });

  it('keeps the lines it was given once closed', async () => {
    const output = join(tempDir(), 'export.ndjson');
    const sink = openLineSink(output);
    await sink.write('{"a":1}\n');
    await sink.write('{"b":2}\n');
    await sink.close();
    expect(readFileSync(output, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  });
});

describe('a line sink on a file that cannot be created', () => {
  it('fails a write or its close with the reason, and the process goes on', async () => {
    const output = join(tempDir(), 'no-such-folder', 'export.ndjson');
    const sink = openLineSink(output);
    const writing = (async () => {
      await sink.write('{"a":1}\n');
      await sink.close();
    })();
    await expect(writing).rejects.toThrow(/ENOENT/);
    await sink.abort();
  });

  it('aborts without an error of its own', async () => {
    const output = join(tempDir(), 'no-such-folder', 'export.ndjson');
    await expect(openLineSink(output).abort()).resolves.toBeUndefined();
  });
});
