/**
 * The bytes of a snapshot, read back: the state it was written from, or a
 * CORRUPT_LOG refusal that says what is wrong with them, so the registry
 * replays the log instead.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataSourceConfig } from '../../src/domain/config.js';
import type { DataSourceEvent } from '../../src/domain/events.js';
import { evolve } from '../../src/domain/evolve.js';
import { EMPTY_STREAM, type SourceStream } from '../../src/domain/stream.js';
import { ErrorCode } from '../../src/index.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  type SnapshotState,
} from '../../src/registry/snapshot-codec.js';
import { createSnapshotMac } from '../../src/security/snapshot-mac.js';
import type { SnapshotSecretMode } from '../../src/security/snapshot-secrets.js';
import { envelope, registered } from '../support/given-when-then.js';

const FORMAT = 'test-format';
const PLAIN: SnapshotSecretMode = { kind: 'plain' };

function streamOf(sourceId: string, name: string, config?: DataSourceConfig): SourceStream {
  const data = config === undefined ? { name } : { name, config };
  const [event] = envelope([registered(data)], { sourceId }) as [DataSourceEvent];
  return evolve(EMPTY_STREAM, event);
}

const state: SnapshotState = {
  position: 3,
  streams: new Map<string, SourceStream>([
    ['src-1', streamOf('src-1', 'Orders')],
    ['src-2', { version: 2, source: null }],
    ['src-3', streamOf('src-3', 'Billing')],
  ]),
};

/** The snapshot of `state` as JSON, changed by `change`, as bytes again. */
async function altered(change: (json: Record<string, unknown>) => void): Promise<Uint8Array> {
  const { data } = await encodeSnapshot(state, FORMAT, PLAIN);
  const json = JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>;
  change(json);
  return Buffer.from(JSON.stringify(json), 'utf8');
}

/** The refusal of bytes, checked to be CORRUPT_LOG. */
async function refusal(
  data: Uint8Array,
  mode: SnapshotSecretMode = PLAIN,
  expected = { format: FORMAT, position: 3 },
) {
  const error = await decodeSnapshot(data, expected, mode).then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toMatchObject({ code: ErrorCode.CORRUPT_LOG });
  return error as Error;
}

const streams = (json: Record<string, unknown>) => json.streams as Record<string, unknown[]>;

describe('a snapshot', () => {
  it('reads back as the streams it was written from, deleted ones included', async () => {
    const { position, data } = await encodeSnapshot(state, FORMAT, PLAIN);
    const decoded = await decodeSnapshot(data, { format: FORMAT, position }, PLAIN);
    expect(decoded.position).toBe(3);
    expect([...decoded.streams.keys()]).toEqual(['src-1', 'src-2', 'src-3']);
    expect(decoded.streams.get('src-2')).toEqual({ version: 2, source: null });
    expect(decoded.streams.get('src-3')?.source?.name).toBe('Billing');
    expect(decoded.streams.get('src-1')?.source).toEqual(state.streams.get('src-1')?.source);
  });

  it('is refused when its bytes are not JSON, keeping the parse error as the cause', async () => {
    const error = await refusal(Buffer.from('{"format":', 'utf8'));
    expect(error.message).toBe('The snapshot cannot be used: its bytes are not JSON');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('is refused when it names another format or position than its record', async () => {
    const { data } = await encodeSnapshot(state, FORMAT, PLAIN);
    const error = await refusal(data, PLAIN, { format: FORMAT, position: 4 });
    expect(error.message).toBe(
      `The snapshot cannot be used: it says format ${FORMAT} at position 3, its record ${FORMAT} at 4`,
    );
    expect(error.cause).toBeUndefined();
  });

  it('is refused when a field is missing or of the wrong kind', async () => {
    const error = await refusal(await altered((json) => delete json.secrets));
    expect(error.message).toMatch(/^The snapshot cannot be used: it is malformed: /);
  });

  it('is refused when its streams are not ids, versions and deleted', async () => {
    for (const change of [
      (json: Record<string, unknown>) => (json.streams = []),
      (json: Record<string, unknown>) => (streams(json).extra = []),
    ]) {
      const error = await refusal(await altered(change));
      expect(error.message).toBe(
        'The snapshot cannot be used: it is malformed: its streams are not {ids, versions, deleted}',
      );
    }
  });

  it('names the stream column that is not one', async () => {
    for (const column of ['ids', 'versions', 'deleted']) {
      const error = await refusal(await altered((json) => (streams(json)[column] = 'x' as never)));
      expect(error.message).toBe(
        `The snapshot cannot be used: its column streams.${column} is not a column`,
      );
    }
  });

  it('is refused when its deleted streams are not indexes of streams, ascending', async () => {
    for (const deleted of [[1.5], [3], [-1], [2, 1], [1, 1]]) {
      const error = await refusal(await altered((json) => (streams(json).deleted = deleted)));
      expect(error.message).toBe(
        'The snapshot cannot be used: it is malformed: its deleted streams are not indexes, ascending',
      );
    }
  });

  it('is refused when a stream has no id or no version from 1', async () => {
    const cases: [string, (json: Record<string, unknown>) => void][] = [
      ['empty id', (json) => ((streams(json).ids as unknown[])[1] = '')],
      ['id not a string', (json) => ((streams(json).ids as unknown[])[1] = 7)],
      ['version 0', (json) => ((streams(json).versions as unknown[])[1] = 0)],
      ['version not an integer', (json) => ((streams(json).versions as unknown[])[1] = 1.5)],
    ];
    for (const [what, change] of cases) {
      const error = await refusal(await altered(change));
      expect(error.message, what).toBe(
        'The snapshot cannot be used: it is malformed: stream 1 is not an id and a version',
      );
    }
  });

  it('is refused when a stream appears twice', async () => {
    const error = await refusal(
      await altered((json) => ((streams(json).ids as unknown[])[2] = 'src-1')),
    );
    expect(error.message).toBe('The snapshot cannot be used: stream src-1 appears twice');
  });

  it('is never written from a stream that holds another source', async () => {
    const crossed: SnapshotState = {
      position: 1,
      streams: new Map([['src-9', streamOf('src-1', 'Orders')]]),
    };
    await expect(encodeSnapshot(crossed, FORMAT, PLAIN)).rejects.toThrow(
      'stream src-9 at version 1 holds another source or version',
    );
  });
});

describe('a snapshot with a tag', () => {
  const mac = createSnapshotMac([randomBytes(32)]);
  const TAGGED: SnapshotSecretMode = { kind: 'sealed', sealer: null, mac };
  // No secrets: without a sealer, a snapshot may hold none.
  const noSecrets = DataSourceConfig.create({ host: 'db.internal' });
  const state: SnapshotState = {
    position: 3,
    streams: new Map<string, SourceStream>([
      ['src-1', streamOf('src-1', 'Orders', noSecrets)],
      ['src-2', { version: 2, source: null }],
    ]),
  };
  const untagged = async () => (await encodeSnapshot(state, FORMAT, PLAIN)).data;
  const TAG_REFUSAL =
    'The snapshot cannot be used: its tag does not check out: it was altered, or written without a key or under a key this instance does not hold';

  it('ends with the tag of every byte before it, and reads back with it', async () => {
    const { data } = await encodeSnapshot(state, FORMAT, TAGGED);
    const decoded = await decodeSnapshot(data, { format: FORMAT, position: 3 }, TAGGED);
    expect(decoded.streams.get('src-1')?.source?.name).toBe('Orders');
    const text = Buffer.from(data).toString('utf8');
    expect(text).toMatch(/,"mac":"[^"]+"}$/);
    expect(
      text.startsWith(
        Buffer.from(await untagged())
          .toString('utf8')
          .slice(0, -1),
      ),
    ).toBe(true);
  });

  it('is refused without a tag, with one altered, or with bytes altered before it', async () => {
    const { data } = await encodeSnapshot(state, FORMAT, TAGGED);
    const text = Buffer.from(data).toString('utf8');
    const tagAt = text.lastIndexOf(',"mac":');
    const variants = [
      Buffer.from(await untagged()),
      Buffer.from(`${text.slice(0, -3)}x"}`, 'utf8'),
      Buffer.from(text.replace('Orders', 'Ordres'), 'utf8'),
      Buffer.from(`${text.slice(0, tagAt)},"mac":12}`, 'utf8'),
      Buffer.from(`${text.slice(0, -1)} `, 'utf8'),
    ];
    for (const variant of variants) {
      const error = await refusal(variant, TAGGED);
      expect(error.message).toBe(TAG_REFUSAL);
    }
  });
});
