import { describe, expect, it } from 'vitest';
import { DataSourceConfig } from '../../src/domain/config.js';
import { CONNECTION_STRINGS, type ConnectionStringCase } from './connection-string-cases.js';

const masked = (connectionString: string) =>
  DataSourceConfig.getConnectionUrl(DataSourceConfig.create({ connectionString }), {
    maskSecrets: true,
  });

/** Every run of three characters or more of the secret that the text shows. */
function shownParts(text: string, secret: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i + 3 <= secret.length; i++) {
    const part = secret.slice(i, i + 3);
    if (text.includes(part)) parts.push(part);
  }
  return parts;
}

const readable = CONNECTION_STRINGS.filter(
  (c): c is ConnectionStringCase & { host: string } => c.host !== undefined,
);
const unreadable = CONNECTION_STRINGS.filter((c) => c.host === undefined);

describe('getConnectionUrl with maskSecrets on a connection string', () => {
  it('is tried on at least 25 real-world forms', () => {
    expect(CONNECTION_STRINGS.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CONNECTION_STRINGS)('shows no three characters of the secrets of $name', (c) => {
    const text = masked(c.text) ?? '';
    expect(c.secrets.flatMap((secret) => shownParts(text, secret))).toEqual([]);
  });

  it.each(readable)('keeps the host of $name in sight', (c) => {
    const text = masked(c.text) ?? '';
    expect(text).toContain(c.host);
    expect(text).toContain('***');
  });

  it.each(unreadable)('masks $name as a whole, as it cannot be read surely', (c) => {
    expect(masked(c.text)).toBe('***');
  });

  it('keeps the settings that are not secret as they were', () => {
    expect(
      masked('Server=tcp:db.example.com,1433;Database=sales;Uid=app;Pwd={a;b};Encrypt=yes;'),
    ).toBe('Server=tcp:db.example.com,1433;Database=sales;Uid=app;Pwd=***;Encrypt=yes;');
  });

  it('masks a string in no known form as a whole', () => {
    expect(masked('just-a-secret-token-value')).toBe('***');
  });

  it('masks a user and password with nothing else as a whole', () => {
    expect(masked('admin:482913')).toBe('***');
  });

  it('masks a keyword string whose quote never closes as a whole', () => {
    expect(masked('Server=db.example.com;Password="Vx8;Database=sales')).toBe('***');
  });

  it('masks a URL whose secret setting could not be told apart as a whole', () => {
    expect(masked('postgres://db.example.com/app?user=ops@example.com&password=Kq8z')).toBe('***');
  });

  it('masks the secret members of a JSON key and keeps the rest', () => {
    const key = JSON.stringify({ type: 'service_account', private_key: 'MIIEv', client_id: '7' });
    expect(JSON.parse(masked(key) ?? '')).toEqual({
      type: 'service_account',
      private_key: '***',
      client_id: '7',
    });
  });

  it('leaves the connection string as it is without maskSecrets', () => {
    for (const c of CONNECTION_STRINGS) {
      const config = DataSourceConfig.create({ connectionString: c.text });
      expect(DataSourceConfig.getConnectionUrl(config)).toBe(c.text);
    }
  });
});
