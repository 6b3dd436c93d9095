import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskConnectionString } from '../../src/domain/connection-string-mask.js';
import { propertyRuns } from '../support/property-runs.js';

/** Any password of printable ASCII, spaces, quotes, braces and delimiters included. */
const password = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: 24,
});

/**
 * Each form written the way its drivers expect a password to be escaped,
 * with what it must read as once masked.
 */
const FORMS: { name: string; write: (password: string) => string; masked: string }[] = [
  {
    name: 'a URL with the password percent-encoded',
    write: (p) => `postgres://app:${encodeURIComponent(p)}@db.example.com:5432/app`,
    masked: 'postgres://app:***@db.example.com:5432/app',
  },
  {
    name: 'an ADO.NET string with the password quoted',
    write: (p) =>
      `Server=db.example.com;User ID=app;Password="${p.replaceAll('"', '""')}";Encrypt=True`,
    masked: 'Server=db.example.com;User ID=app;Password=***;Encrypt=True',
  },
  {
    name: 'an ODBC string with the password braced',
    write: (p) =>
      `Driver={PG};Server=db.example.com;Uid=app;Pwd={${p.replaceAll('}', '}}')}};SSL=1;`,
    masked: 'Driver={PG};Server=db.example.com;Uid=app;Pwd=***;SSL=1;',
  },
  {
    name: 'a libpq string with the password quoted',
    write: (p) =>
      `host=db.example.com user=app password='${p.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}' dbname=app`,
    masked: 'host=db.example.com user=app password=*** dbname=app',
  },
  {
    name: 'a Kafka JAAS config with the password quoted',
    write: (p) =>
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="${p.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}";`,
    masked:
      'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="***";',
  },
];

describe('masking a connection string, for any password', () => {
  it.each(FORMS)('reads $name surely and masks just the password', ({ write, masked }) => {
    fc.assert(
      fc.property(password, (p) => {
        expect(maskConnectionString(write(p))).toBe(masked);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  it('masks a URL with the password written raw either at the password or whole', () => {
    fc.assert(
      fc.property(password, (p) => {
        const shown = maskConnectionString(`postgres://app:${p}@db.example.com:5432/app`);
        expect(['postgres://app:***@db.example.com:5432/app', '***']).toContain(shown);
      }),
      { numRuns: propertyRuns(500) },
    );
  });

  it('masks a semicolon setting list with the password written raw without showing it', () => {
    fc.assert(
      fc.property(
        password.filter((p) => p.trim().length >= 3),
        (p) => {
          const shown = maskConnectionString(`Server=db.example.com;Uid=app;Pwd=${p};SSL=1`);
          expect(shown).not.toContain(p.trim());
        },
      ),
      { numRuns: propertyRuns(500) },
    );
  });
});
