import { createHash } from 'node:crypto';
import { invalidValue } from '../../domain/errors.js';

/** Where one store's tables live, and the names derived from it. */
export interface SchemaNames {
  /** The schema name as given. */
  readonly schema: string;
  /** The schema as a quoted SQL identifier, ready to prefix table names. */
  readonly quoted: string;
  /** The LISTEN/NOTIFY channel of this schema's log. */
  readonly channel: string;
  /**
   * The advisory lock key pair under which an append takes its transaction id
   * and its positions together; held for those two steps only, never to commit.
   */
  readonly appendLock: readonly [number, number];
  /** The first key of a tenant's advisory lock in this schema; the second is a hash of the tenant id. */
  readonly tenantLockClass: number;
  /** The advisory lock key pair that serializes creating and migrating this schema. */
  readonly migrationLock: readonly [number, number];
  /** The advisory lock key pair one sealer of the hash chain holds for one page, never an append. */
  readonly sealLock: readonly [number, number];
}

// Advisory locks share one namespace per database, so the first key says whose lock it is.
const APPEND_LOCK_CLASS = 0x64737261; // "dsra"
const MIGRATION_LOCK_CLASS = 0x6473726d; // "dsrm"
const TENANT_LOCK_CLASS = 0x64737274; // "dsrt"
const SEAL_LOCK_CLASS = 0x64737273; // "dsrs"

// PostgreSQL silently truncates longer identifiers, so two long names could share tables.
const MAX_IDENTIFIER_BYTES = 63;

/** Quotes an identifier so any name, even one with quotes or dots, stays one identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Validates a schema name and derives the names the store uses with it. */
export function schemaNames(schema: string): SchemaNames {
  const bytes = Buffer.byteLength(schema, 'utf8');
  if (bytes === 0 || bytes > MAX_IDENTIFIER_BYTES || schema.includes('\u0000')) {
    throw invalidValue(
      `PostgreSQL schema name must be 1 to ${MAX_IDENTIFIER_BYTES} bytes without NUL, got "${schema}"`,
      'schema',
      `must be 1 to ${MAX_IDENTIFIER_BYTES} bytes without NUL`,
    );
  }
  // A hash keeps the channel a short, plain identifier whatever the schema is called.
  const digest = createHash('sha256').update(schema).digest();
  const schemaKey = digest.readInt32BE(0);
  return {
    schema,
    quoted: quoteIdentifier(schema),
    channel: `dsreg_events_${digest.toString('hex').slice(0, 16)}`,
    appendLock: [APPEND_LOCK_CLASS, schemaKey],
    migrationLock: [MIGRATION_LOCK_CLASS, schemaKey],
    sealLock: [SEAL_LOCK_CLASS, schemaKey],
    // Schemas share the tenant locks' key space: a collision only makes two tenants take turns.
    tenantLockClass: TENANT_LOCK_CLASS ^ schemaKey,
  };
}
