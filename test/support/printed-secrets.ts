import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import type { DataSourceConfigInput } from '../../src/index.js';

/** Secrets of every kind a config holds, each unlike anything else a test prints. */
export const SECRETS = {
  password: 'Pw-9f3kQz-plaintext',
  apiKey: 'Ak-7Lm2xV-plaintext',
  connectionString: 'postgresql://app:Cs-4rTq8w-plaintext@db.example.com:5432/orders',
  oauthSecret: 'Oa-6nVb1p-plaintext',
  oauthRefresh: 'Rf-2hYc5m-plaintext',
} as const;

/** The secrets as they would show in print: the connection string's password too. */
export const PLAINTEXTS = [
  SECRETS.password,
  SECRETS.apiKey,
  SECRETS.connectionString,
  'Cs-4rTq8w-plaintext',
  SECRETS.oauthSecret,
  SECRETS.oauthRefresh,
];

/** A config input with every kind of secret set. */
export const SECRET_CONFIG = {
  host: 'db.example.com',
  port: 5432,
  username: 'app',
  password: SECRETS.password,
  apiKey: SECRETS.apiKey,
  connectionString: SECRETS.connectionString,
  oauthConfig: { clientSecret: SECRETS.oauthSecret, refreshToken: SECRETS.oauthRefresh },
} satisfies DataSourceConfigInput;

/** What `console.log` writes for the values, through a real Console on a stream of our own. */
export function consoleLogged(...values: unknown[]): string {
  let written = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  new Console({ stdout: stream, colorMode: false }).log(...values);
  return written;
}

/** Every way a service prints a value: JSON, `util.inspect` at any depth, `console.log`. */
export function printedEveryWay(value: unknown): Record<string, string> {
  return {
    json: JSON.stringify(value),
    prettyJson: JSON.stringify(value, null, 2),
    inspect: inspect(value),
    inspectDeep: inspect(value, { depth: null, showHidden: true }),
    consoleLog: consoleLogged(value),
    consoleLogFormat: consoleLogged('source: %o / %j', value, value),
  };
}

/** The plaintext secrets each printing shows; empty when every one is masked. */
export function shownSecrets(value: unknown): Record<string, string[]> {
  const shown: Record<string, string[]> = {};
  for (const [way, text] of Object.entries(printedEveryWay(value))) {
    const found = PLAINTEXTS.filter((secret) => text.includes(secret));
    if (found.length > 0) shown[way] = found;
  }
  return shown;
}
