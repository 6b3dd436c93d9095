import {
  type CommandContext,
  type DataSourceCommand,
  type RegisterInput,
  registerInputSchema,
  roleSchema,
  streamIdSchema,
  tagSchema,
  tenantIdSchema,
} from '../domain/commands.js';
import { completeConfig } from '../domain/config.js';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import { LIMITS } from '../domain/limits.js';
import { type ParsedContext, parseContext } from './command-events.js';

/**
 * The id a caller asked for, to name in an error; read without trusting the
 * input, which may be anything (a throwing getter, a proxy).
 */
function sourceIdOf(input: unknown): string | null {
  try {
    // Throws for null and undefined, and in a proxy's trap: no id to name then.
    // Stryker disable next-line OptionalChaining: a missing descriptor throws, and the catch below gives null as the chaining does
    const value: unknown = Object.getOwnPropertyDescriptor(input, 'sourceId')?.value;
    // Stryker disable next-line ConditionalExpression: DataSourceError keeps a source id only if it is a string, so a number here is dropped there too
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** A caller's register input as the command `decide` takes, and the id it registers under. */
export function parseRegister(
  input: RegisterInput,
  newId: () => string,
): { sourceId: string; command: Extract<DataSourceCommand, { type: 'Register' }> } {
  const parsed = parseInput(registerInputSchema, input, 'data source', {
    sourceId: sourceIdOf(input),
  });
  return {
    sourceId: parsed.sourceId ?? newId(),
    command: {
      type: 'Register',
      tenantId: parsed.tenantId,
      name: parsed.name,
      sourceType: parsed.sourceType,
      config: completeConfig(parsed.config ?? {}),
      description: parsed.description ?? null,
      tags: parsed.tags ?? [],
      metadata: parsed.metadata ?? {},
      accessRoles: parsed.accessRoles ?? [],
      ownerId: parsed.ownerId ?? null,
    },
  };
}

/** A tag or role command, its label checked and trimmed. */
export function parseLabelCommand(
  type: 'AddTag' | 'RemoveTag' | 'GrantAccess' | 'RevokeAccess',
  value: string,
  sourceId: string,
): DataSourceCommand {
  if (type === 'AddTag' || type === 'RemoveTag') {
    return { type, tag: parseInput(tagSchema, value, 'tag', { sourceId }) };
  }
  return { type, role: parseInput(roleSchema, value, 'role', { sourceId }) };
}

/**
 * True for an id the source id schema accepts at a glance: printable ASCII
 * without spaces, within the byte limit, as generated ids are. Anything else
 * goes through the schema, which gives the same answer and the reasons.
 */
export function isPlainId(id: unknown): boolean {
  if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.sourceIdBytes) return false;
  // Stryker disable next-line EqualityOperator: charCodeAt past the end is NaN, which neither check below refuses
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i);
    if (unit <= 0x20 || unit >= 0x7f) return false;
  }
  return true;
}

/**
 * A source id as every method on an existing stream takes it: at a glance
 * when plain, else through its schema. The registry's own streams (`$tenant:…`)
 * pass, so `history()` reads them; a command on one finds no live source.
 */
export function parseSourceId(id: unknown): string {
  return isPlainId(id) ? (id as string) : parseInput(streamIdSchema, id, 'source id');
}

/**
 * A command on a whole tenant (`clearTenant`, `purgeTenant`): its tenant id
 * and context, which may not name an `expectedVersion`, since that applies
 * to one source.
 */
export function parseTenantCommand(
  what: string,
  tenantId: unknown,
  ctx: CommandContext | undefined,
): { tenant: string; context: ParsedContext } {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant id');
  const context = parseContext(ctx);
  if (context.expectedVersion !== undefined) {
    throw new DataSourceError(`expectedVersion applies to one source, not to ${what}`, {
      code: ErrorCode.INVALID_INPUT,
      details: { issues: [{ path: 'expectedVersion', message: 'not allowed here' }] },
    });
  }
  return { tenant, context };
}
