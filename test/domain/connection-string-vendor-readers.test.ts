import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/domain/connection-string-readers.js';
import {
  readEndpointList,
  readOracle,
  readProperties,
} from '../../src/domain/connection-string-vendor-readers.js';

// Each vendor's reader on its own: the secrets a reading finds, as the text
// of each span, or null when the string is not surely in the vendor's form.

const SECRET_KEYS = new Set(['password', 'sasl.password', 'ssl.key.password']);
const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase());

const secretsOf = (text: string, reading: Reading) =>
  reading === null ? null : reading.map(([start, end]) => text.slice(start, end));

const oracle = (text: string) => secretsOf(text, readOracle(text));
const properties = (text: string) => secretsOf(text, readProperties(text, isSecretKey));
const endpoints = (text: string) => secretsOf(text, readEndpointList(text, isSecretKey));

describe("Oracle's user/password@target", () => {
  it.each([
    ['scott/tiger@//db.internal:1521/orders', ['tiger']],
    ['scott/ti@g/er@db.internal:1521:orcl', ['ti@g/er']],
    ['jdbc:oracle:thin:scott/tiger@db.internal:1521/orders', ['tiger']],
    ['jdbc:oracle:thin:@//db.internal:1521/orders', []],
    ['c##admin/pw@(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521)))', ['pw']],
    ['scott/@db.internal', ['']],
  ])('reads %s', (text, secrets) => {
    expect(oracle(text)).toEqual(secrets);
  });

  it.each([
    ['no `@`', 'scott/tiger'],
    ['a target that is neither a host nor a descriptor', 'scott/tiger@db internal'],
    ['no user before the `/`', '/tiger@db.internal'],
    ['no `/` at all', 'scott@db.internal'],
    ['a user that is not one', 'sc ott/tiger@db.internal'],
    ['credentials with nothing before the `@` and no prefix', '@db.internal'],
  ])('does not read %s', (_what, text) => {
    expect(oracle(text)).toBeNull();
  });
});

describe('Java properties with a JAAS config', () => {
  it.each([
    ['bootstrap.servers=kafka:9092\nsasl.password=pw', ['pw']],
    ['bootstrap.servers=kafka:9092\r\nsasl.password=pw\r\nacks=all', ['pw']],
    ['  sasl.password  =  p w  \nacks=all', ['p w']],
    ['# password=old\nacks=all', ['# password=old']],
    ['acks=all\n  ! note\n', ['  ! note']],
    ['sasl.password=\nacks=all', []],
    ['acks=all\n\n   \nretries=3', []],
    ['sasl.jaas.config=org.Plain required username="u" password="p;w";', ['p;w']],
    ['sasl.jaas.config=org.Plain required username=u password=pw ;', ['pw']],
    ['sasl.jaas.config=org.Plain required password=pw', ['pw']],
    ['sasl.jaas.config=not a jaas line', ['not a jaas line']],
  ])('reads %j', (text, secrets) => {
    expect(properties(text)).toEqual(secrets);
  });

  it('hides a whole JAAS config that has text after its options', () => {
    const text = 'sasl.jaas.config=org.Plain required password="p" trailing';
    expect(properties(text)).toEqual(['org.Plain required password="p" trailing']);
  });

  it.each([
    ['nothing but blank lines', '\n  \n'],
    ['a line that is not a setting', 'acks=all\njunk'],
    ['a value holding another form’s settings', 'servers=kafka user=x\nsasl.password=pw'],
    ['a value holding a listed setting', 'servers=kafka;user=x\nsasl.password=pw'],
  ])('does not read %s', (_what, text) => {
    expect(properties(text)).toBeNull();
  });
});

describe("StackExchange.Redis's endpoint list", () => {
  it.each([
    ['redis:6379,password=pw,ssl=True', ['pw']],
    ['r1:6379, r2:6380 ,password=p w,abortConnect=false', ['p w']],
    [' redis:6379,ssl=True', []],
    ['redis:6379, Password =pw', ['pw']],
  ])('reads %s', (text, secrets) => {
    expect(endpoints(text)).toEqual(secrets);
  });

  it.each([
    ['endpoints alone', 'admin:1234'],
    ['settings alone', 'password=pw,ssl=True'],
    ['an endpoint after a setting', 'redis:6379,password=p,w:1'],
    ['an endpoint without a port', 'redis,password=pw'],
    ['a setting name that is not one', 'redis:6379,pass word=pw'],
    ['a secret with no value', 'redis:6379,password='],
    ['an endpoint with text around it', 'redis:6379x,password=pw'],
    ['an endpoint with text before it', 'bad host:6379,password=pw'],
  ])('does not read %s', (_what, text) => {
    expect(endpoints(text)).toBeNull();
  });
});
