/**
 * A tenant's own stream (`$tenant:<tenantId>`) holds its `TenantPurged`
 * events and no source: evolve counts them, and nothing else may land there.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/domain/decide.js';
import { dataSourceDecider } from '../../src/domain/decider.js';
import { ErrorCode } from '../../src/domain/errors.js';
import type { EventDraft } from '../../src/domain/events.js';
import { tenantStreamId } from '../../src/domain/tenant-stream.js';
import {
  caught,
  draft,
  envelope,
  fold,
  registerCommand,
  registered,
  TENANT_ID,
} from '../support/given-when-then.js';

const purged = (deletedSources: number): EventDraft => ({
  type: 'TenantPurged',
  data: { deletedSources },
});
const onTenantStream = (drafts: EventDraft[]) =>
  envelope(drafts, { sourceId: tenantStreamId(TENANT_ID) });

describe('TenantPurged', () => {
  it('given no events, a purge makes a stream of version 1 with no source', () => {
    const state = fold(onTenantStream([purged(3)]));

    expect(state).toEqual({ version: 1, source: null });
  });

  it('given a purge, a second purge is counted as version 2, the stream still without a source', () => {
    const state = fold(onTenantStream([purged(2), purged(0)]));

    expect(state).toEqual({ version: 2, source: null });
  });

  it('given a registered source, a purge on its stream is refused as a corrupt log', () => {
    const error = caught(() => fold(envelope([registered(), purged(1)])));

    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
    expect(error.message).toContain('tenant purge on the stream of a source');
  });

  it('given a purge, a source event after it is refused as a corrupt log', () => {
    const error = caught(() => fold(onTenantStream([purged(0), draft.activated])));

    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
  });

  it('given a purge, decide refuses a registration on the tenant stream and never yields a purge', () => {
    const state = fold(onTenantStream([purged(0)]));

    expect(caught(() => decide(registerCommand(), state)).code).toBe(ErrorCode.DUPLICATE_ID);
    expect(caught(() => decide({ type: 'Activate' }, state)).code).toBe(
      ErrorCode.INVALID_TRANSITION,
    );
  });

  it('given the public decider, its evolve folds a purge of the tenant stream by counting it', () => {
    const state = dataSourceDecider.evolve(dataSourceDecider.initialState(), {
      type: 'TenantPurged',
      data: { deletedSources: 1 },
      metadata: {
        sourceId: tenantStreamId(TENANT_ID),
        tenantId: TENANT_ID,
        occurredAt: '2024-03-01T09:00:00.000Z',
      },
    });

    expect(state).toEqual({ version: 1, source: null });
  });
});
