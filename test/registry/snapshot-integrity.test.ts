/**
 * A snapshot is never trusted: one written by other code, one ahead of the
 * log, one whose tag, bytes, shapes or secrets do not check out is ignored,
 * said so on the diagnostics channel, and the whole log is replayed instead.
 */
import { expect, it } from 'vitest';
import { DataSourceType, type EventStore, type StoredSnapshot } from '../../src/index.js';
import { databaseInput } from '../support/registry-fixtures.js';
import { answersOf, hearSnapshots, openFullReplay } from '../support/snapshots.js';
import { describeEachDurableStore, TEST_ENCRYPTION_KEY } from '../support/store-matrix.js';

type Column = unknown[] | { values: unknown[]; at: number[] };
type Json = Record<string, unknown> & {
  streams: { ids: string[]; versions: number[]; deleted: number[] };
  sources: Record<string, Column>;
  configs: Record<string, Column>;
};

/**
 * A field's column of the stored sources, one value per source in stream
 * order, written back as a plain array if it was stored as distinct values
 * and their indexes, so a test can change one source's value.
 */
function columnOf(columns: Record<string, Column>, field: string): unknown[] {
  const column = columns[field];
  if (column === undefined) throw new Error(`the snapshot has no column ${field}`);
  const values = Array.isArray(column) ? column : column.at.map((at) => column.values[at]);
  columns[field] = values;
  return values;
}
const sourceColumn = (json: Json, field: string) => columnOf(json.sources, field);
const configColumn = (json: Json, field: string) => columnOf(json.configs, field);

async function storedOf(store: EventStore): Promise<StoredSnapshot> {
  const stored = await store.readSnapshot?.();
  if (!stored) throw new Error('no snapshot was stored');
  return stored;
}

const jsonOf = (stored: StoredSnapshot) => JSON.parse(Buffer.from(stored.data).toString()) as Json;

/** The snapshot stored again, its JSON changed by `change`, at the same position and format. */
async function rewrite(store: EventStore, change: (json: Json) => void): Promise<void> {
  const stored = await storedOf(store);
  const json = jsonOf(stored);
  change(json);
  await store.storeSnapshot?.({ ...stored, data: Buffer.from(JSON.stringify(json)) });
}

describeEachDurableStore('a snapshot that cannot be trusted', (harness) => {
  /** Two sources with secrets, a snapshot, one more event; the store to tamper with. */
  async function loggedWithSnapshot() {
    const created = await harness.createRegistry();
    const { registry } = created;
    const orders = await registry.register(databaseInput());
    const billing = await registry.register({
      ...databaseInput({ name: 'Billing', sourceType: DataSourceType.API }),
      config: { apiKey: 'billing-key', oauthConfig: { clientSecret: 'billing-oauth' } },
    });
    await registry.activate(orders.sourceId);
    await registry.snapshot();
    await registry.addTag(billing.sourceId, 'prod');
    const scope = {
      ids: [orders.sourceId, billing.sourceId],
      tenants: ['acme'],
      names: ['billing'],
    };
    return { ...created, scope, ids: [orders.sourceId, billing.sourceId] as const };
  }

  /** Opens the log again: the snapshot must be ignored for `reason` and the state be the full replay's. */
  async function expectIgnored(
    logged: Awaited<ReturnType<typeof loggedWithSnapshot>>,
    reason: string,
  ): Promise<void> {
    const heard = hearSnapshots();
    const reopened = await logged.reopen();
    expect(heard).toMatchObject([{ action: 'ignored', reason }]);
    const replayed = await openFullReplay(logged.openStore(), {
      encryptionKey: TEST_ENCRYPTION_KEY,
    });
    expect(answersOf(reopened, logged.scope)).toBe(answersOf(replayed, logged.scope));
  }

  it('ignores a snapshot written in another format', async () => {
    const logged = await loggedWithSnapshot();
    const stored = await storedOf(logged.store);
    await logged.store.storeSnapshot?.({ ...stored, format: 's1-written-by-older-code' });
    await expectIgnored(logged, 'format');
  });

  it('ignores a snapshot at a position beyond the head of the log', async () => {
    const logged = await loggedWithSnapshot();
    await logged.store.storeSnapshot?.({ ...(await storedOf(logged.store)), position: 99 });
    await expectIgnored(logged, 'ahead-of-log');
  });

  it('ignores a snapshot whose bytes are not JSON', async () => {
    const logged = await loggedWithSnapshot();
    const stored = await storedOf(logged.store);
    const data = Buffer.from(stored.data);
    data[Math.floor(data.length / 2)] = 0x00;
    data[0] = 0xff;
    await logged.store.storeSnapshot?.({ ...stored, data });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot cut short', async () => {
    const logged = await loggedWithSnapshot();
    const stored = await storedOf(logged.store);
    const data = Buffer.from(stored.data).subarray(0, stored.data.length - 10);
    await logged.store.storeSnapshot?.({ ...stored, data });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose source fails the schema', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      sourceColumn(json, 'status')[0] = 'exploded';
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose source lacks a value', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      sourceColumn(json, 'name').pop();
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose source lacks a field', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      delete json.sources.name;
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose source has a field no source has', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      json.sources.planted = sourceColumn(json, 'name');
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose stream appears twice', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      const [first] = json.streams.ids;
      if (first) json.streams.ids[1] = first;
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose inner position is not its record’s', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      json.position = 1;
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose sealed secret was moved to another source', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      const passwords = configColumn(json, 'password');
      // Billing has no password: its tenant's sealed secrets hold none for it.
      [passwords[0], passwords[1]] = [passwords[1], passwords[0]];
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose source lost a sealed secret', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      configColumn(json, 'apiKey')[1] = null;
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot whose tenant’s sealed secrets were swapped with another snapshot’s', async () => {
    const logged = await loggedWithSnapshot();
    const older = jsonOf(await storedOf(logged.store));
    await logged.registry.snapshot();
    await rewrite(logged.store, (json) => {
      json.secrets = older.secrets;
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot altered where no schema would notice, by its tag', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      configColumn(json, 'host')[0] = 'attacker.example';
    });
    await expectIgnored(logged, 'invalid');
  });

  it('ignores a snapshot stripped of its tag', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      delete json.mac;
    });
    await expectIgnored(logged, 'invalid');
  });

  it('checks every source against the schemas when read without the key', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      sourceColumn(json, 'status')[0] = 'exploded';
    });
    const readOnly = { readOnly: true, encryptionKey: undefined } as const;
    const heard = hearSnapshots();
    const reader = await logged.reopen(readOnly);
    expect(heard).toMatchObject([{ action: 'ignored', reason: 'invalid' }]);
    expect(heard[0]).toMatchObject({ message: expect.stringContaining('is not valid') });
    const replayed = await openFullReplay(logged.openStore(), readOnly);
    expect(answersOf(reader, logged.scope)).toBe(answersOf(replayed, logged.scope));
  });

  it('ignores a snapshot holding a secret in plaintext', async () => {
    const logged = await loggedWithSnapshot();
    await rewrite(logged.store, (json) => {
      configColumn(json, 'password')[0] = 'planted';
    });
    await expectIgnored(logged, 'invalid');
  });
});
