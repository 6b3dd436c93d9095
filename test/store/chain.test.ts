import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChainedContent,
  canonicalEnvelope,
  canonicalJson,
  chainEvents,
  createChainCheck,
  envelopeInOrder,
  eventHash,
  GENESIS_LINK,
} from '../../src/store/chain.js';
import { propertyRuns } from '../support/property-runs.js';

const contentArbitrary = fc.record({
  eventId: fc.uuid(),
  type: fc.constantFrom('DataSourceRegistered', 'TagAdded', 'DataSourceRenamed'),
  schemaVersion: fc.integer({ min: 1, max: 3 }),
  sourceId: fc.constantFrom('a', 'b', 'c'),
  tenantId: fc.constantFrom('acme', 'globex'),
  streamVersion: fc.integer({ min: 1, max: 100 }),
  occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  data: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })),
  metadata: fc.record({ actor: fc.string({ maxLength: 8 }) }),
});

/** A log of 2 to 20 events, positions increasing with gaps (as PostgreSQL may leave), chained. */
const logArbitrary = fc
  .array(fc.tuple(contentArbitrary, fc.integer({ min: 1, max: 3 })), {
    minLength: 2,
    maxLength: 20,
  })
  .map((entries) => {
    let position = 0;
    const events: ChainedContent[] = entries.map(([content, step]) => {
      position += step;
      return { ...content, position };
    });
    return chainEvents(GENESIS_LINK.hash, events);
  });

type Log = ReturnType<typeof chainEvents<ChainedContent>>;

/** One change to a single row, and the position where the chain must first break (null: it cannot tell). */
type Tamper = (log: Log) => { log: Log; expected: number | null };

const at = (log: Log, i: number) => log[i] as Log[number];

const tampers: fc.Arbitrary<Tamper>[] = [
  fc.nat().map((n) => (log: Log) => {
    const i = n % log.length;
    const changed = [...log];
    changed[i] = { ...at(log, i), data: { ...(at(log, i).data as object), tampered: true } };
    return { log: changed, expected: at(log, i).position };
  }),
  fc.nat().map((n) => (log: Log) => {
    const i = n % log.length;
    const changed = [...log];
    changed[i] = { ...at(log, i), tenantId: `${at(log, i).tenantId}-moved` };
    return { log: changed, expected: at(log, i).position };
  }),
  fc.nat().map((n) => (log: Log) => {
    const i = n % log.length;
    const changed = log.filter((_, j) => j !== i);
    // Cutting the tail leaves a chain that holds: only an anchored head tells.
    return { log: changed, expected: i === log.length - 1 ? null : at(log, i + 1).position };
  }),
  fc.nat().map((n) => (log: Log) => {
    const i = n % (log.length - 1);
    const [a, b] = [at(log, i), at(log, i + 1)];
    const changed = [...log];
    changed[i] = { ...b, position: a.position };
    changed[i + 1] = { ...a, position: b.position };
    return { log: changed, expected: a.position };
  }),
  fc.nat().map((n) => (log: Log) => {
    const i = n % log.length;
    const copied = at(log, i);
    const position = at(log, log.length - 1).position + 1;
    return { log: [...log, { ...copied, position }], expected: position };
  }),
];

describe('the hash chain', () => {
  it('finds any single-row change of a random log at the right position', () => {
    fc.assert(
      fc.property(logArbitrary, fc.oneof(...tampers), (log, tamper) => {
        const { log: changed, expected } = tamper(log);
        const broken = createChainCheck().accept(changed);
        expect(broken?.position ?? null).toBe(expected);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('serializes objects with their keys sorted, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('writes a string, number or other value that is not an object as JSON.stringify does', () => {
    const primitive = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({
        unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u2028', '\ud800', '\udc00'),
      }),
      fc.double(),
      fc.integer(),
      fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, undefined),
    );
    fc.assert(
      fc.property(primitive, (value) => {
        expect(canonicalJson(value)).toBe(JSON.stringify(value) ?? 'null');
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('writes an envelope as the canonical JSON of its fields in order, whatever is in them or missing', () => {
    const field = fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined });
    const envelope = fc.record(
      {
        eventId: field,
        type: field,
        schemaVersion: field,
        sourceId: field,
        tenantId: field,
        streamVersion: field,
        position: field,
        occurredAt: field,
        data: field,
        metadata: field,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(contentArbitrary, envelope), fc.nat(), (content, position) => {
        const event = { position, ...content } as ChainedContent;
        expect(canonicalEnvelope(event)).toBe(canonicalJson(envelopeInOrder(event)));
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it('hashes the previous hash, a newline and the canonical envelope with SHA-256', () => {
    fc.assert(
      fc.property(
        contentArbitrary,
        fc.nat(),
        fc.string({ unit: 'binary' }),
        (content, position, previous) => {
          const event = { ...content, position };
          const text = canonicalJson(envelopeInOrder(event));
          const expected = createHash('sha256').update(previous).update('\n').update(text);
          expect(eventHash(previous, event)).toBe(expected.digest('hex'));
        },
      ),
      { numRuns: propertyRuns(200) },
    );
  });

  it('counts events without a hash at the end as unsealed, not as a break', () => {
    const log = chainEvents(GENESIS_LINK.hash, [
      { ...sample(), position: 1 },
      { ...sample(), position: 2 },
    ]);
    const check = createChainCheck();

    const broken = check.accept([...log, { ...sample(), position: 4 }]);

    expect(broken).toBeNull();
    expect({ checked: check.checked, unsealed: check.unsealed, head: check.head.position }).toEqual(
      {
        checked: 2,
        unsealed: 1,
        head: 2,
      },
    );
  });

  it('breaks at a sealed event that follows an unsealed one', () => {
    const [first, second, third] = chainEvents(
      GENESIS_LINK.hash,
      [1, 2, 3].map((position) => ({ ...sample(), position })),
    );
    const { hash: _hash, ...unsealed } = second as Log[number];

    const broken = createChainCheck().accept([
      first as Log[number],
      unsealed,
      third as Log[number],
    ]);

    expect(broken?.position).toBe(3);
  });

  it('checks a run of the log from a position and hash known good, as a snapshot gives', () => {
    const log = chainEvents(
      GENESIS_LINK.hash,
      [1, 2, 3, 4].map((position) => ({ ...sample(), position })),
    );
    const start = { position: 2, hash: at(log, 1).hash };

    expect(createChainCheck(start).accept(log.slice(2))).toBeNull();
    expect(createChainCheck(GENESIS_LINK).accept(log.slice(2))?.position).toBe(3);
  });
});

function sample(): Omit<ChainedContent, 'position'> {
  return {
    eventId: 'e',
    type: 'TagAdded',
    schemaVersion: 1,
    sourceId: 's',
    tenantId: 't',
    streamVersion: 1,
    occurredAt: '2024-01-01T00:00:00.000Z',
    data: { tag: 'x' },
    metadata: {},
  };
}
