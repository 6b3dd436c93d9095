import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import {
  SECRET_IN_BUNDLE,
  type SnapshotBinding,
  snapshotSecretsReader,
  snapshotSecretsWriter,
} from '../../src/security/snapshot-secret-bundles.js';
import {
  createSnapshotSealer,
  type SnapshotSecretMode,
  snapshotBundleAad,
} from '../../src/security/snapshot-secrets.js';
import { detailsOf } from '../support/error-details.js';
import { failsWith } from '../support/registry-fixtures.js';

// The secrets of a snapshot on their own: how the writer sets them aside per
// tenant and seals them, and how the reader puts them back, refusing every
// bundle that does not match the configs it is read with.

const sealer = createSnapshotSealer(createSecretCipher(randomBytes(32)));
const SEALED: SnapshotSecretMode = { kind: 'sealed', sealer, mac: null };
const NO_KEY: SnapshotSecretMode = { kind: 'sealed', sealer: null, mac: null };
const PLAIN: SnapshotSecretMode = { kind: 'plain' };
const withheld = (
  durable: boolean,
  destroyed: readonly string[] | null = null,
): SnapshotSecretMode => ({
  kind: 'withheld',
  durable,
  destroyedKeys: destroyed === null ? null : async () => new Set(destroyed),
});
type Config = Record<string, unknown>;
/** A config as a snapshot holds it, with its tenant and source. */
type Entry = [tenantId: string, sourceId: string, config: Config];
const AT: SnapshotBinding = { format: 's3-test', position: 7 };

const config = {
  host: 'db',
  password: 'pw-1',
  apiKey: null,
  connectionString: 'postgres://u:cs@db/x',
  oauthConfig: { clientSecret: 'cs-1', 'scope:all': 'sc-1', nested: { token: 't-1' } },
};

/** Writes `configs` (tenant, source, config) and seals them: the snapshot's configs and bundles. */
function write(mode: SnapshotSecretMode, configs: Entry[]) {
  const writer = snapshotSecretsWriter(mode, AT);
  const written = configs.map(([tenantId, sourceId, c]) => writer.config(c, tenantId, sourceId));
  return { written, tenants: writer.tenants(), sealed: writer.seal() };
}

/** Reads the written configs back, in the same order, and finishes. */
async function read(mode: SnapshotSecretMode, sealed: unknown, configs: Entry[], binding = AT) {
  const reader = await snapshotSecretsReader(mode, binding, sealed);
  const read = configs.map(([tenantId, sourceId, c]) =>
    reader.config({ ...c }, tenantId, sourceId),
  );
  reader.finish();
  return read;
}

describe('writing the secrets of a snapshot', () => {
  it('sets each non-null secret aside under a stand-in, per tenant, and seals one token a tenant', () => {
    const { written, tenants, sealed } = write(SEALED, [
      ['t1', 's1', config],
      ['t2', 's2', { host: 'other', password: 'pw-2' }],
      ['t3', 's3', { host: 'plain', password: null }],
    ]);

    expect(written[0]).toEqual({
      host: 'db',
      password: SECRET_IN_BUNDLE,
      apiKey: null,
      connectionString: SECRET_IN_BUNDLE,
      oauthConfig: {
        clientSecret: SECRET_IN_BUNDLE,
        'scope:all': SECRET_IN_BUNDLE,
        nested: SECRET_IN_BUNDLE,
      },
    });
    expect(written[2]).toEqual({ host: 'plain', password: null });
    expect([...tenants].sort()).toEqual(['t1', 't2']);
    expect(sealed.map(([tenantId]) => tenantId)).toEqual(['t1', 't2']);
    expect(JSON.stringify(sealed)).not.toMatch(/pw-1|pw-2|cs-1|sc-1|t-1|u:cs/);
  });

  it('leaves the caller’s config as it was', () => {
    const mine = structuredClone(config);
    write(SEALED, [['t1', 's1', mine]]);
    expect(mine).toEqual(config);
  });

  it('keeps secrets as they are for a store that is not durable, and seals nothing', () => {
    const { written, tenants, sealed } = write(PLAIN, [['t1', 's1', config]]);
    expect(written).toEqual([config]);
    expect(tenants.size).toBe(0);
    expect(sealed).toEqual([]);
  });

  it('refuses a secret without a key with SECRET_UNAVAILABLE, naming the source and the field', async () => {
    const error = await failsWith(
      () => write(NO_KEY, [['t1', 's1', { password: 'pw' }]]),
      ErrorCode.SECRET_UNAVAILABLE,
    );
    expect(error.sourceId).toBe('s1');
    expect(error.message).toContain('config.password of data source s1');
    expect(detailsOf(error).path).toBe('config.password');
  });

  it('writes a config without secrets without a key', () => {
    expect(write(NO_KEY, [['t1', 's1', { host: 'db', password: null }]]).sealed).toEqual([]);
  });

  it('refuses to write for a registry opened read-only with FORBIDDEN', async () => {
    await failsWith(() => write(withheld(true), [['t1', 's1', config]]), ErrorCode.FORBIDDEN);
  });
});

describe('reading the secrets of a snapshot', () => {
  const configs: Entry[] = [
    ['t1', 's1', config],
    ['t1', 's2', { password: 'pw-2', oauthConfig: {} }],
    ['t2', 's3', { apiKey: 'ak-3' }],
  ];

  it('puts every secret back where it was written', async () => {
    const { written, sealed } = write(SEALED, configs);
    const back = await read(
      SEALED,
      sealed,
      configs.map(([tenantId, sourceId], i) => [tenantId, sourceId, written[i] as Config]),
    );
    expect(back).toEqual(configs.map(([, , c]) => c));
    expect(
      Object.isFrozen((back[0] as { oauthConfig: { nested: object } }).oauthConfig.nested),
    ).toBe(true);
  });

  /** The configs as written, for reading back. */
  function writtenConfigs() {
    const { written, sealed } = write(SEALED, configs);
    const stored = configs.map(
      ([tenantId, sourceId], i) => [tenantId, sourceId, written[i] as Config] as Entry,
    );
    return { stored, sealed };
  }

  it('refuses a token moved to another snapshot position with SECRET_UNAVAILABLE', async () => {
    const { stored, sealed } = writtenConfigs();
    await failsWith(
      () => read(SEALED, sealed, stored, { ...AT, position: 8 }),
      ErrorCode.SECRET_UNAVAILABLE,
    );
  });

  it('refuses a token moved to another tenant with SECRET_UNAVAILABLE', async () => {
    const { stored, sealed } = writtenConfigs();
    const swapped = sealed.map(([tenantId], i) => [tenantId, sealed[1 - i]?.[1]]);
    await failsWith(() => read(SEALED, swapped, stored), ErrorCode.SECRET_UNAVAILABLE);
  });

  it('refuses a stand-in moved to another source with CORRUPT_LOG', async () => {
    const { stored, sealed } = writtenConfigs();
    const moved = stored.map(([tenantId, sourceId, c], i) => [
      tenantId,
      i === 0 ? 's2' : i === 1 ? 's1' : sourceId,
      c,
    ]) as Entry[];
    const error = await failsWith(() => read(SEALED, sealed, moved), ErrorCode.CORRUPT_LOG);
    expect(error.message).toMatch(/has no sealed value/);
  });

  it('refuses a bundle holding a secret no config takes with CORRUPT_LOG', async () => {
    const { stored, sealed } = writtenConfigs();
    const error = await failsWith(
      () => read(SEALED, sealed, stored.slice(0, 1).concat(stored.slice(2))),
      ErrorCode.CORRUPT_LOG,
    );
    expect(error.message).toContain('hold a secret no source has');
  });

  it('refuses a stand-in whose tenant has no bundle with CORRUPT_LOG', async () => {
    const { stored, sealed } = writtenConfigs();
    const error = await failsWith(
      () => read(SEALED, sealed.slice(0, 1), stored),
      ErrorCode.CORRUPT_LOG,
    );
    expect(error.sourceId).toBe('s3');
    expect(detailsOf(error).path).toBe('config.apiKey');
  });

  it('refuses a secret in plaintext where a stand-in belongs with CORRUPT_LOG', async () => {
    const error = await failsWith(
      () => read(SEALED, [], [['t1', 's1', { password: 'in the clear' }]]),
      ErrorCode.CORRUPT_LOG,
    );
    expect(error.message).toBe(
      'Snapshot: config.password of data source s1 is stored in plaintext, not encrypted',
    );
  });

  it('refuses a sealed secret without a key with SECRET_UNAVAILABLE', async () => {
    const error = await failsWith(
      () => read(NO_KEY, [], [['t1', 's1', { password: SECRET_IN_BUNDLE }]]),
      ErrorCode.SECRET_UNAVAILABLE,
    );
    expect(error.message).toContain('it is encrypted');
  });

  it('refuses a token that opens to something else than a bundle with CORRUPT_LOG', async () => {
    const token = sealer.seal(
      't1',
      snapshotBundleAad(AT.format, AT.position, 't1'),
      '["s1","password"]',
    );
    const error = await failsWith(() => read(SEALED, [['t1', token]], []), ErrorCode.CORRUPT_LOG);
    expect(error.message).toBe('Snapshot: the sealed secrets of tenant t1 are not a bundle');
  });

  it.each([
    ['not a list', { t1: 'token' }, 'are not a list'],
    ['an entry that is not a pair', [['t1']], 'are malformed'],
    ['an entry of three', [['t1', 'a', 'b']], 'are malformed'],
    ['an entry that is not a list', ['t1'], 'are malformed'],
    ['a tenant that is not a string', [[1, 'token']], 'are malformed'],
    ['a token that is not a string', [['t1', 2]], 'are malformed'],
    [
      'a tenant twice',
      [
        ['t1', 'a'],
        ['t1', 'b'],
      ],
      'are malformed',
    ],
  ])('refuses bundles that are %s with CORRUPT_LOG', async (_what, sealed, why) => {
    const error = await failsWith(() => read(SEALED, sealed, []), ErrorCode.CORRUPT_LOG);
    expect(error.message).toBe(`Snapshot: the sealed secrets ${why}`);
  });

  it('reads a snapshot that holds no bundles at all', async () => {
    expect(await read(SEALED, undefined, [['t1', 's1', { host: 'db' }]])).toEqual([{ host: 'db' }]);
  });

  it('keeps plaintext secrets of a store that is not durable, and refuses bundles there', async () => {
    expect(await read(PLAIN, [], [['t1', 's1', config]])).toEqual([config]);
    const error = await failsWith(() => read(PLAIN, [['t1', 'v1:x']], []), ErrorCode.CORRUPT_LOG);
    expect(error.message).toContain('are in a store that seals nothing');
  });
});

describe('reading the secrets of a snapshot read-only', () => {
  const stored: Entry[] = [
    ['t1', 's1', { password: SECRET_IN_BUNDLE, oauthConfig: { a: SECRET_IN_BUNDLE } }],
    ['t2', 's2', { password: SECRET_IN_BUNDLE }],
  ];
  const tokens = [
    ['t1', 'v2:dk-1:rest'],
    ['t2', 'v2:dk-2:rest'],
  ];

  it('reads each sealed secret as "***" without opening anything', async () => {
    expect(await read(withheld(true), tokens, stored)).toEqual([
      { password: '***', oauthConfig: { a: '***' } },
      { password: '***' },
    ]);
  });

  it('reads the secrets of a tenant whose data key was destroyed as "<purged>"', async () => {
    expect(await read(withheld(true, ['dk-2']), tokens, stored)).toEqual([
      { password: '***', oauthConfig: { a: '***' } },
      { password: '<purged>' },
    ]);
  });

  it('reads a token of no data key as withheld, whatever was destroyed', async () => {
    expect(await read(withheld(true, ['dk-1']), [['t2', 'v1:rest']], stored.slice(1))).toEqual([
      { password: '***' },
    ]);
  });

  it('masks plaintext secrets of a store that is not durable', async () => {
    expect(await read(withheld(false), [], [['t1', 's1', { password: 'pw' }]])).toEqual([
      { password: '***' },
    ]);
  });

  it('refuses plaintext secrets of a durable store with CORRUPT_LOG', async () => {
    await failsWith(
      () => read(withheld(true), [], [['t1', 's1', { password: 'pw' }]]),
      ErrorCode.CORRUPT_LOG,
    );
  });
});
