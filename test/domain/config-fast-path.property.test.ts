import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  completeConfig,
  dataSourceConfigInputSchema,
  parseConfig,
} from '../../src/domain/config.js';
import { plainConfigInput } from '../../src/domain/config-fast-path.js';
import { DataSourceError } from '../../src/domain/errors.js';
import { copiedInput } from '../../src/domain/input-copy.js';
import { propertyRuns } from '../support/property-runs.js';

/** The schema's way alone, as parseConfig took it before the fast path. */
const schema = copiedInput(z.compile(dataSourceConfigInputSchema));

const TEXT_FIELDS = [
  'connectionString',
  'host',
  'username',
  'password',
  'database',
  'authType',
  'apiKey',
  'sslCertPath',
] as const;
const NUMBER_FIELDS = ['port', 'poolSize', 'poolTimeout', 'maxRetries'] as const;
const FLAG_FIELDS = ['sslEnabled', 'sslVerify'] as const;
const JSON_FIELDS = ['oauthConfig', 'options'] as const;

/** Text near every edge the schema draws: empty, long, NUL, lone surrogates. */
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('\u0000', 'a\ud800', '\udc00', '😀', 'é'),
  fc.integer({ min: 1020, max: 1030 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 4090, max: 4100 }).map((n) => 'y'.repeat(n)),
  fc.integer({ min: 340, max: 345 }).map((n) => '€'.repeat(n)),
);

/** Numbers near every edge: 0, -0, 1, 65535, fractions, unsafe and non-finite ones. */
const number = fc.oneof(
  fc.integer({ min: -3, max: 70_000 }),
  fc.constantFrom(-0, 0, 1, 65535, 65536, 0.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, Infinity),
  fc.double(),
);

/** Any value a caller might put in a field. */
const anyValue = fc.oneof(
  text,
  number,
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 2 }),
);

const field = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, anyValue);

const valueFor = (key: string) => {
  if ((TEXT_FIELDS as readonly string[]).includes(key)) return field(text);
  if ((NUMBER_FIELDS as readonly string[]).includes(key)) return field(number);
  if ((FLAG_FIELDS as readonly string[]).includes(key)) return field(fc.boolean());
  return anyValue;
};

/**
 * Configs of any shape around the common one: a few fields (so that often
 * all of them are right) with values near the schema's edges, now and then
 * an extra key, in plain, prototype-less, proxied or getter-holding objects.
 */
const configInput = fc
  .uniqueArray(
    fc.constantFrom(...TEXT_FIELDS, ...NUMBER_FIELDS, ...FLAG_FIELDS, ...JSON_FIELDS, 'extra'),
    { maxLength: 3 },
  )
  .chain((keys) => fc.tuple(...keys.map((key) => valueFor(key).map((value) => [key, value]))))
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown>)
  .chain((record) =>
    fc.constantFrom(
      record,
      record,
      record,
      Object.assign(Object.create(null), record),
      new Proxy(record, {}),
      Object.defineProperty({ ...record }, 'host', { get: () => 'db', enumerable: true }),
      [record],
      'not a config',
    ),
  );

/** Configs of the common shape only: each field absent or of a value the schema takes. */
const commonConfig = fc.record(
  {
    ...Object.fromEntries(
      TEXT_FIELDS.map((key) => [key, fc.option(fc.string({ maxLength: 20 }), { nil: null })]),
    ),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
    poolSize: fc.integer({ min: 1, max: 100 }),
    poolTimeout: fc.integer({ min: 0, max: 100 }),
    maxRetries: fc.integer({ min: 0, max: 100 }),
    sslEnabled: fc.boolean(),
    sslVerify: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('the config fast path', () => {
  it('answers only for inputs the schema accepts, with what the schema gives', () => {
    fc.assert(
      fc.property(configInput, (input) => {
        const fast = plainConfigInput(input);
        if (fast === undefined) return;
        const slow = schema.safeParse(input);
        expect(slow.success).toBe(true);
        if (slow.success) expect(completeConfig(fast)).toStrictEqual(completeConfig(slow.data));
      }),
      { numRuns: propertyRuns(3000) },
    );
  });

  it('answers for every config of the common shape', () => {
    fc.assert(
      fc.property(commonConfig, (input) => {
        expect(plainConfigInput(input)).toBeDefined();
      }),
    );
  });

  it('leaves a config the schema refuses to the schema, which names the field', () => {
    fc.assert(
      fc.property(configInput, (input) => {
        if (schema.safeParse(input).success) return;
        expect(() => parseConfig(input)).toThrow(DataSourceError);
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('reads no getter of an input it leaves to the schema', () => {
    let reads = 0;
    const input = Object.defineProperty({ port: 5432 }, 'host', {
      get: () => {
        reads++;
        return 'db';
      },
      enumerable: true,
    });
    expect(plainConfigInput(input)).toBeUndefined();
    expect(reads).toBe(0);
    expect(parseConfig(input).host).toBe('db');
    expect(reads).toBe(1);
  });
});
