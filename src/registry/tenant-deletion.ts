import { decide } from '../domain/decide.js';
import type { EventDraft } from '../domain/events.js';
import type { SourceStream } from '../domain/stream.js';
import { tenantStreamId } from '../domain/tenant-stream.js';
import { streamOf, type WriteModel } from '../state/write-model.js';
import { type EnvelopeInput, envelope, expectedVersions } from './command-events.js';
import { nameChange } from './name-claims.js';
import type { AppendPlan } from './write-plan.js';

/** Why a tenant-wide command deletes sources: cleared, or purged with its data key. */
export type TenantDeletion = 'tenant_cleared' | 'tenant_purged';

/**
 * The one append of a tenant-wide deletion, as the write model stands: a
 * `DataSourceDeleted` per live source of the tenant, each at its stream's
 * version with its name released; for a purge, then a `TenantPurged` on the
 * tenant's own stream at that stream's version, always, so even a tenant
 * with no source left has its purge on record, and the tenant's data keys
 * destroyed by the same append. The tenant guard makes the
 * store refuse it when a source joined the tenant after `state.position`.
 *
 * @param ids - the tenant's live source ids in the projections.
 * @param at - the envelope of a stream's events: where, when, by whom.
 * @returns the plan and how many sources it deletes.
 */
export function tenantDeletionPlan(
  state: WriteModel,
  tenantId: string,
  ids: Iterable<string>,
  reason: TenantDeletion,
  at: (stream: SourceStream, streamId: string) => EnvelopeInput,
): { plan: AppendPlan; deleted: number } {
  const plan: AppendPlan = {
    events: [],
    expectedVersions: expectedVersions(),
    claims: [],
    releases: [],
    tenantUnchanged: { tenantId, position: state.position },
  };
  for (const sourceId of ids) {
    const stream = streamOf(state, sourceId);
    if (stream.source === null) continue;
    const drafts = decide({ type: 'Delete', reason }, stream);
    plan.events.push(...envelope(drafts, at(stream, sourceId)));
    plan.expectedVersions[sourceId] = stream.version;
    plan.releases.push(...nameChange(sourceId, tenantId, stream.source, drafts).releases);
  }
  const deleted = plan.events.length;
  if (reason === 'tenant_purged') {
    const streamId = tenantStreamId(tenantId);
    const stream = streamOf(state, streamId);
    const purged: EventDraft = { type: 'TenantPurged', data: { deletedSources: deleted } };
    plan.events.push(...envelope([purged], at(stream, streamId)));
    plan.expectedVersions[streamId] = stream.version;
    plan.destroysDataKeysOf = tenantId;
  }
  return { plan, deleted };
}
