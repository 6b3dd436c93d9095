import { describe, expect, it } from 'vitest';
import {
  type Reading,
  readKeywordValue,
  readSettingList,
  readUrl,
} from '../../src/domain/connection-string-readers.js';

// Each reader on its own, where masking would hide which of them read a
// string: the secrets a reading finds, as the text of each span, or null
// when the string is not surely in the reader's form.

const SECRET_KEYS = new Set(['password', 'pwd', 'client secret', 'accountkey', 'token']);
const isSecretKey = (key: string) => SECRET_KEYS.has(key.toLowerCase());

const secretsOf = (text: string, reading: Reading) =>
  reading === null ? null : reading.map(([start, end]) => text.slice(start, end));

const url = (text: string) => secretsOf(text, readUrl(text, isSecretKey));
const settings = (text: string) => secretsOf(text, readSettingList(text, 0, isSecretKey));
const keywords = (text: string) => secretsOf(text, readKeywordValue(text, isSecretKey));

describe('the URL reader', () => {
  it.each([
    ['postgres://app:pw@db:5432/orders', ['pw']],
    ['postgres://app:p@ss@db/orders', ['p@ss']],
    ['jdbc:postgresql://app:pw@db/orders', ['pw']],
    ['mongodb://app:pw@h1:27017,h2:27017/orders', ['pw']],
    ['postgres://db:5432/orders', []],
    ['postgres://app@db/orders', []],
    ['https://ghp_token@github.com/org/repo', ['ghp_token']],
    ['https://@example.com/x', ['']],
    ['postgres://app:pw@db?password=q', ['pw', 'q']],
    ['postgres://app:pw@db/orders?sslmode=require&password=q', ['pw', 'q']],
    ['postgres://db/orders?a=1&&password=q', ['q']],
    ['postgres://db/orders?client+secret=q', ['q']],
    ['postgres://db/orders?pass%77ord=q&b=2', ['q']],
    ['postgres://db/orders?', []],
    ['postgres://db/orders?=x', []],
    ['jdbc:sqlserver://app:pw@db:1433;password=q;database=orders', ['pw', 'q']],
    ['jdbc:sqlserver://db:1433;user=app;password=q', ['q']],
  ])('reads %s', (text, secrets) => {
    expect(url(text)).toEqual(secrets);
  });

  it.each([
    ['a string that merely contains a URL', 'see postgres://app:pw@db/orders'],
    ['a scheme that does not start the string', '1postgres://db/orders'],
    ['a host that is not one', 'postgres://app:pw@db host/orders'],
    ['one host of a list that is not one', 'mongodb://app:pw@h1:1,bad host:2/orders'],
    ['a path holding a setting', 'postgres://app:pw@db/a=b'],
    ['a path holding a `;`', 'postgres://app:pw@db/a;b'],
    ['a path ending in `=`', 'postgres://db/orders='],
    ['an `@` after the authority', 'postgres://app:p/w@db/orders'],
    ['a `#` after the authority', 'postgres://app:pw@db/orders#x'],
    ['a bare word in the query', 'postgres://db/orders?sslmode'],
    ['a query name that does not decode', 'postgres://db/orders?%zz=1'],
    ['a secret with no value', 'postgres://db/orders?password='],
    ['a secret with no value before the next pair', 'postgres://db/orders?password=&a=1'],
    ['SQL Server settings that do not read', 'jdbc:sqlserver://db;password'],
  ])('does not read %s', (_what, text) => {
    expect(url(text)).toBeNull();
  });
});

describe('the setting-list reader', () => {
  it.each([
    ['Server=db;User Id=app;Password=pw;', ['pw']],
    ['Server=db;Password =pw', ['pw']],
    ['Server=db; Password=pw', ['pw']],
    ['Password=  p w;Server=db', ['p w']],
    ["Password='a;b';Server=db", ["'a;b'"]],
    ['Password="a;b" ;Server=db', ['"a;b"']],
    ['Pwd={a;}}b};Server=db', ['{a;}}b}']],
    ["Password='it''s';Server=db", ["'it''s'"]],
    ['Server=db;Password=p user=x', ['p user=x']],
    ['jaas.configs=1;Password=p', ['p']],
    ['AccountName=a;AccountKey=k==;EndpointSuffix=core', ['k==']],
    ['Server=db', []],
  ])('reads %s', (text, secrets) => {
    expect(settings(text)).toEqual(secrets);
  });

  it.each([
    ['nothing but separators', ' ; ; '],
    ['a word without a value', 'Server=db;junk;Password=pw'],
    ['no setting at all', 'junk'],
    ['a name that is not one', 'Ser/ver=db;Password=pw'],
    ['a JAAS config, which holds settings of its own', 'sasl.jaas.config=x;Password=pw'],
    ['a value holding another form’s settings', 'Server=db user=x;Password=pw'],
    ['a value holding a listed setting', 'Server=db,user=x;Password=pw'],
    ['a quote that does not end', "Password='abc"],
    ['a brace that does not end', 'Pwd={abc'],
    ['text after a quoted value', "Password='a' x;Server=db"],
    ['a setting right after a quoted value', "Password='a' x=1;Server=db"],
    ['an empty secret', 'Password=;Server=db'],
  ])('does not read %s', (_what, text) => {
    expect(settings(text)).toBeNull();
  });

  it('starts where it is told to, as after a SQL Server URL’s authority', () => {
    const text = 'ignored;Password=pw';
    expect(secretsOf(text, readSettingList(text, 7, isSecretKey))).toEqual(['pw']);
  });
});

describe('the keyword/value reader', () => {
  it.each([
    ['host=db password=pw dbname=orders', ['pw']],
    ['host=db password=pw   ', ['pw']],
    ["host=db password='p w' port=5432", ["'p w'"]],
    ["password='a\\'b c' host=db", ["'a\\'b c'"]],
    ['password=a\\ b host=db', ['a\\ b']],
    ['  host = db   password = pw', ['pw']],
    ['host=db', []],
    ['host=db password=', []],
  ])('reads %s', (text, secrets) => {
    expect(keywords(text)).toEqual(secrets);
  });

  it.each([
    ['an empty string', ''],
    ['nothing but spaces', '   '],
    ['a quote that does not end', "host=db password='abc"],
    ['text right after a quoted value', "password='a'b host=db"],
    ['a setting right after a quoted value', "password='a'b=1 host=db"],
    ['a bare value holding `=`', 'host=a=b password=pw'],
    ['a word without a value', 'host=db junk'],
    ['a value that reads as the next setting', 'host=db password= dbname=orders'],
  ])('does not read %s', (_what, text) => {
    expect(keywords(text)).toBeNull();
  });
});
