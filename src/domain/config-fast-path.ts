import { types } from 'node:util';
import type { z } from 'zod';
import type { dataSourceConfigInputSchema } from './config.js';
import { LIMITS } from './limits.js';
import { textProblem, utf8Length } from './text.js';

type ConfigInput = z.infer<typeof dataSourceConfigInputSchema>;

/** What a field of the common shape may hold: checked as the schema checks it, and no more. */
type FieldCheck = (value: unknown) => boolean;

const text =
  (maxBytes: number): FieldCheck =>
  (value) =>
    value === null ||
    // Stryker disable next-line ConditionalExpression: the fast path declining; the schema then gives the same answer
    value === undefined ||
    // Stryker disable next-line EqualityOperator: the fast path declining; the schema then gives the same answer
    (typeof value === 'string' && textProblem(value) === null && utf8Length(value) <= maxBytes);

const integer =
  (min: number, max: number, nullable: boolean): FieldCheck =>
  (value) =>
    // Stryker disable next-line ConditionalExpression: the fast path declining; the schema then gives the same answer
    value === undefined ||
    (nullable && value === null) ||
    // Stryker disable next-line ConditionalExpression,EqualityOperator: Number.isSafeInteger refuses what is not a number; at the maximum, the fast path declining, and the schema then gives the same answer
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max);

// Stryker disable next-line ConditionalExpression: the fast path declining; the schema then gives the same answer
const flag: FieldCheck = (value) => value === undefined || typeof value === 'boolean';

const configText = text(LIMITS.configTextBytes);

/**
 * Every field of a config input, each with what the input schema accepts
 * for it (a new field does not compile until it is listed). `oauthConfig`
 * and `options` hold JSON objects and take the schema's way, unless absent
 * or (`oauthConfig`) null.
 */
const CHECKS = {
  connectionString: text(LIMITS.connectionStringBytes),
  host: configText,
  port: integer(1, 65535, true),
  username: configText,
  password: configText,
  database: configText,
  authType: configText,
  apiKey: configText,
  // Stryker disable next-line ConditionalExpression,LogicalOperator: the fast path declining; the schema then gives the same answer
  oauthConfig: (value) => value === null || value === undefined,
  poolSize: integer(1, Number.MAX_SAFE_INTEGER, false),
  poolTimeout: integer(0, Number.MAX_SAFE_INTEGER, false),
  maxRetries: integer(0, Number.MAX_SAFE_INTEGER, false),
  sslEnabled: flag,
  sslVerify: flag,
  sslCertPath: configText,
  // Stryker disable next-line ConditionalExpression: the fast path declining; the schema then gives the same answer
  options: (value) => value === undefined,
} satisfies Record<keyof ConfigInput, FieldCheck>;

// A Map, so a key such as "__proto__" or "toString" finds nothing.
const FIELDS: ReadonlyMap<string, FieldCheck> = new Map(Object.entries(CHECKS));

/**
 * A config input of the common shape, parsed without zod: a plain object
 * (not an array, a class instance or a proxy) whose own keys are config fields holding strings, numbers,
 * booleans or null in data properties, each valid. It answers only for an
 * input the schema accepts, with what the schema's parse would give (-0 as
 * 0, as the input copy writes it); for anything else, undefined, having run
 * no getter or trap, so the schema's way sees the input untouched and gives
 * its reasons.
 */
export function plainConfigInput(input: unknown): ConfigInput | undefined {
  if (typeof input !== 'object' || input === null || types.isProxy(input)) return undefined;
  const proto: unknown = Object.getPrototypeOf(input);
  // Stryker disable next-line ConditionalExpression: the fast path declining; the schema then gives the same answer
  if (proto !== Object.prototype && proto !== null) return undefined;
  const parsed: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const check = FIELDS.get(key);
    if (check === undefined) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(input, key);
    // Stryker disable next-line ConditionalExpression: each own key of an object that is no proxy has a descriptor
    if (descriptor === undefined || !('value' in descriptor)) return undefined;
    const value: unknown = descriptor.value;
    if (!check(value)) return undefined;
    parsed[key] = value === 0 ? 0 : value;
  }
  return parsed as ConfigInput;
}
