import { describe, expect, it } from 'vitest';
import { DataSourceConfig, type DataSourceConfigInput } from '../../src/domain/config.js';

const url = (input: DataSourceConfigInput, options?: { maskSecrets?: boolean; scheme?: string }) =>
  DataSourceConfig.getConnectionUrl(DataSourceConfig.create(input), options);

const plain = {
  host: 'db.internal',
  port: 5432,
  username: 'app',
  password: 'pw',
  database: 'orders',
};

describe('a URL built from the fields', () => {
  it('is user:password@host:port/database, as the Python module built it', () => {
    expect(url(plain)).toBe('app:pw@db.internal:5432/orders');
  });

  it('has no auth part without a username or password', () => {
    expect(url({ ...plain, username: null, password: null })).toBe('db.internal:5432/orders');
  });

  it('has only the user before the @ without a password', () => {
    expect(url({ ...plain, password: null })).toBe('app@db.internal:5432/orders');
  });

  it('has no port part without a port', () => {
    expect(url({ ...plain, port: null })).toBe('app:pw@db.internal/orders');
  });

  it('has no database part without a database', () => {
    expect(url({ ...plain, database: null })).toBe('app:pw@db.internal:5432');
  });

  it('is just the host when only the host is set', () => {
    expect(url({ host: 'db.internal' })).toBe('db.internal');
  });

  it('percent-encodes the user and the password', () => {
    expect(url({ ...plain, username: 'ops@corp', password: 'p@ss:w/rd' })).toBe(
      'ops%40corp:p%40ss%3Aw%2Frd@db.internal:5432/orders',
    );
  });

  it('puts an IPv6 host in brackets', () => {
    expect(url({ ...plain, host: '::1' })).toBe('app:pw@[::1]:5432/orders');
  });

  it('keeps an IPv6 host that is already in brackets as it is', () => {
    expect(url({ host: '[fe80::1]', port: 5432 })).toBe('[fe80::1]:5432');
  });

  it('puts the scheme in front when one is given', () => {
    expect(url(plain, { scheme: 'postgresql' })).toBe(
      'postgresql://app:pw@db.internal:5432/orders',
    );
  });

  it('shows the password as *** with maskSecrets', () => {
    expect(url(plain, { maskSecrets: true })).toBe('app:***@db.internal:5432/orders');
  });

  it('is null without a host or a connection string', () => {
    expect(url({ port: 5432, username: 'app', database: 'orders' })).toBeNull();
  });

  it('is null with an empty host', () => {
    expect(url({ host: '' })).toBeNull();
  });
});

describe('a connection string', () => {
  const connectionString = 'postgresql://app:hunter2@db.internal:5432/orders?sslmode=require';

  it('is returned as it is, ahead of the fields', () => {
    expect(url({ ...plain, connectionString })).toBe(connectionString);
  });

  it('has its password masked with maskSecrets', () => {
    expect(url({ connectionString }, { maskSecrets: true })).toBe(
      'postgresql://app:***@db.internal:5432/orders?sslmode=require',
    );
  });

  it('without a password is shown unchanged with maskSecrets', () => {
    const noPassword = 'postgresql://app@db.internal:5432/orders';
    expect(url({ connectionString: noPassword }, { maskSecrets: true })).toBe(noPassword);
  });

  it('has the whole password masked even when it holds an unencoded @', () => {
    expect(url({ connectionString: 'mysql://app:p@ss@db/orders' }, { maskSecrets: true })).toBe(
      'mysql://app:***@db/orders',
    );
  });

  it('has the password of a compound scheme masked', () => {
    expect(url({ connectionString: 'jdbc:mysql://app:pw@db/orders' }, { maskSecrets: true })).toBe(
      'jdbc:mysql://app:***@db/orders',
    );
  });

  it('has a password given as a query parameter masked', () => {
    const jdbc = 'jdbc:postgresql://db/orders?user=app&password=hunter2&ssl=true';
    expect(url({ connectionString: jdbc }, { maskSecrets: true })).toBe(
      'jdbc:postgresql://db/orders?user=app&password=***&ssl=true',
    );
  });

  it('in keyword/value form has its password masked', () => {
    expect(
      url(
        { connectionString: 'host=db port=5432 password=hunter2 dbname=orders' },
        { maskSecrets: true },
      ),
    ).toBe('host=db port=5432 password=*** dbname=orders');
  });

  it('in semicolon form has its password masked', () => {
    expect(
      url({ connectionString: 'Server=db;Database=orders;Pwd=hunter2;' }, { maskSecrets: true }),
    ).toBe('Server=db;Database=orders;Pwd=***;');
  });
});
