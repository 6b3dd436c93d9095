import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataSourceError,
  DataSourceRegistry,
  ErrorCode,
  type VerifyProgress,
  verifyLog,
} from '../../src/index.js';
import { openStore, type StoreSpec, sealLog } from '../fixtures/store-spec.js';
import { describeOnDurableStores } from '../support/durable-stores.js';
import { type EventTableRow, eventTable } from '../support/event-tables.js';
import { useTempDir } from '../support/temp-dir.js';
import { KEY, seed } from './logs.js';

/** A log seeded through a registry (secrets sealed under KEY), and its rows. */
async function seededLog(spec: StoreSpec): Promise<EventTableRow[]> {
  const registry = await DataSourceRegistry.open({ store: openStore(spec), encryptionKey: KEY });
  await seed(registry);
  await registry.close();
  await sealLog(spec);
  return eventTable(spec).rows();
}

async function verify(spec: StoreSpec, onProgress?: (progress: VerifyProgress) => void) {
  const store = openStore(spec);
  try {
    return await verifyLog({ store, ...(onProgress ? { onProgress } : {}) });
  } finally {
    await store.close();
  }
}

const row = (rows: EventTableRow[], index: number): EventTableRow => {
  const found = rows[index];
  if (found === undefined) throw new Error(`no row ${index}`);
  return found;
};

const withData = (target: EventTableRow, change: (data: Record<string, unknown>) => void) => {
  const data = JSON.parse(target.data) as Record<string, unknown>;
  change(data);
  return { ...target, data: JSON.stringify(data) };
};

describeOnDurableStores('verifyLog', (newLog) => {
  it('finds an untouched log whole, and gives the last position and hash to anchor', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const last = row(rows, rows.length - 1);

    const result = await verify(spec);

    expect(result).toEqual({
      ok: true,
      checked: rows.length,
      position: last.position,
      hash: last.hash,
      unsealed: 0,
    });
  });

  it('points at an event whose data was edited in the table', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const target = row(rows, 5);
    await eventTable(spec).put(withData(target, (data) => Object.assign(data, { edited: true })));

    const result = await verify(spec);

    expect(result.ok).toBe(false);
    expect(result.firstBadPosition).toBe(target.position);
    expect(result.reason).toContain('does not match its content');
    expect(result.checked).toBe(5);
  });

  it('points at the event after one deleted from the table', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    await eventTable(spec).remove(row(rows, 3).position);

    const result = await verify(spec);

    expect(result).toMatchObject({ ok: false, firstBadPosition: row(rows, 4).position });
  });

  it('points at the first of two events whose content was swapped', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const [a, b] = [row(rows, 6), row(rows, 9)];
    await eventTable(spec).put({ ...a, data: b.data }, { ...b, data: a.data });

    expect(await verify(spec)).toMatchObject({ ok: false, firstBadPosition: a.position });
  });

  it('points at the first of two events moved to each other’s position, hashes and all', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const [a, b] = [row(rows, 2), row(rows, 7)];
    await eventTable(spec).put({ ...b, position: a.position }, { ...a, position: b.position });

    expect(await verify(spec)).toMatchObject({ ok: false, firstBadPosition: a.position });
  });

  it('points at a row inserted after the head with a copied hash', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const last = row(rows, rows.length - 1);
    const copied = row(rows, 0);
    const inserted = {
      ...copied,
      position: last.position + 1,
      event_id: 'inserted',
      source_id: 'src-inserted',
    };
    await eventTable(spec).put(inserted);

    expect(await verify(spec)).toMatchObject({ ok: false, firstBadPosition: inserted.position });
  });

  it('points at a newer event given the sealed password of an older one', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const registered = rows.find((r) => r.type === 'DataSourceRegistered');
    const updated = rows.find((r) => r.type === 'DataSourceConfigUpdated');
    if (registered === undefined || updated === undefined) throw new Error('seed changed');
    const older = (JSON.parse(registered.data) as { config: { password: unknown } }).config
      .password;
    await eventTable(spec).put(
      withData(updated, (data) => Object.assign(data.config as object, { password: older })),
    );

    const result = await verify(spec);

    expect(result).toMatchObject({ ok: false, firstBadPosition: updated.position });
    // The replayed ciphertext still opens (same source, same field): only the chain tells.
    expect(result.reason).toContain('does not match');
  });

  it('points at the first event of a source moved to another tenant', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const moved = row(rows, 1).source_id;
    const of = rows.filter((r) => r.source_id === moved);
    await eventTable(spec).put(...of.map((r) => ({ ...r, tenant_id: 'globex' })));

    expect(await verify(spec)).toMatchObject({ ok: false, firstBadPosition: row(of, 0).position });
  });

  it('cannot tell a row appended around the store with a correctly computed hash: the anchor can', async () => {
    const spec = newLog();
    await seededLog(spec);
    const anchored = await verify(spec);
    const rows = await eventTable(spec).rows();
    const last = row(rows, rows.length - 1);
    await eventTable(spec).remove(last.position);

    const result = await verify(spec);

    // Cutting the tail leaves a chain that holds; it no longer reaches the anchored head.
    expect(result.ok).toBe(true);
    expect(result.position).toBeLessThan(anchored.position);
  });

  it('reports progress after each page, up to the head', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const seen: VerifyProgress[] = [];

    await verify(spec, (progress) => seen.push(progress));

    const head = row(rows, rows.length - 1).position;
    expect(seen.at(-1)).toEqual({ events: rows.length, position: head, head });
  });

  it('refuses to open a registry on a broken log, naming the position', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const target = row(rows, 4);
    await eventTable(spec).put(withData(target, (data) => Object.assign(data, { edited: 1 })));
    const store = openStore(spec);

    const opening = DataSourceRegistry.open({ store, encryptionKey: KEY });

    const error = await opening.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataSourceError);
    expect((error as DataSourceError).code).toBe(ErrorCode.CORRUPT_LOG);
    expect((error as DataSourceError).details).toMatchObject({ position: target.position });
    expect((error as DataSourceError).message).toContain(`position ${target.position}`);
  });

  it('names the same broken position each time a registry reads the log again', async () => {
    const spec = newLog();
    const rows = await seededLog(spec);
    const [good, bad] = [row(rows, 10), row(rows, 11)];
    for (const later of rows.slice(10)) await eventTable(spec).remove(later.position);
    const registry = await DataSourceRegistry.open({ store: openStore(spec), encryptionKey: KEY });
    try {
      // A good event, then a changed one: the first read checks the good one before it fails.
      await eventTable(spec).put(
        good,
        withData(bad, (data) => Object.assign(data, { edited: 1 })),
      );

      const first = await registry.refresh().catch((e: unknown) => e);
      const again = await registry.refresh().catch((e: unknown) => e);

      for (const error of [first, again]) {
        expect((error as DataSourceError).code).toBe(ErrorCode.CORRUPT_LOG);
        expect((error as DataSourceError).details).toMatchObject({ position: bad.position });
      }
      expect(registry.position).toBe(good.position - 1);
    } finally {
      await registry.close();
    }
  });
});

describe('a registry following its SQLite log', () => {
  const tempDir = useTempDir('chain-follow-');

  it('refuses a row another writer left with a broken hash after its own writes', async () => {
    const spec: StoreSpec = { kind: 'sqlite', filename: join(tempDir(), 'log.db') };
    const registry = await DataSourceRegistry.open({ store: openStore(spec), encryptionKey: KEY });
    try {
      await registry.register({ tenantId: 'acme', name: 'first', sourceType: 'api' });
      await registry.register({ tenantId: 'acme', name: 'second', sourceType: 'api' });
      const rows = await eventTable(spec).rows();
      const last = row(rows, rows.length - 1);
      const forged = {
        ...last,
        position: last.position + 1,
        event_id: 'forged',
        source_id: 'src-forged',
      };
      await eventTable(spec).put({ ...forged, data: last.data.replace('second', 'forged') });

      const error = await registry.refresh().catch((e: unknown) => e);

      expect((error as DataSourceError).code).toBe(ErrorCode.CORRUPT_LOG);
      expect((error as DataSourceError).details).toMatchObject({ position: forged.position });
      expect(registry.getByName('acme', 'forged')).toBeNull();
    } finally {
      await registry.close();
    }
  });
});
