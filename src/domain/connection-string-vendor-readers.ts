/**
 * Readers of the connection-string forms of one vendor each: Oracle's
 * `user/password@target`, Java properties with Kafka's JAAS config, and
 * StackExchange.Redis's endpoint list. Like the general readers, each
 * declines a string it cannot read surely.
 */
import {
  type IsSecretKey,
  LISTED_SETTING,
  type Reading,
  SPACED_SETTING,
  type Span,
} from './connection-string-readers.js';

const ORACLE_PREFIX = /^jdbc:oracle:[a-z0-9]+:/i;
const EZCONNECT = /^(?:\/\/)?[A-Za-z0-9._-]+(?::\d+)?(?:[/:][\w.$-]+)?(?:[/:][\w.$-]+)?$/;
const TNS_DESCRIPTOR = /^\([\w\s.=(),:/-]*\)$/;

/**
 * Oracle's `user/password@target` (SQL*Plus, EZConnect, JDBC thin), the
 * target a host (`//host:port/service`, `host:port:sid`) or a TNS
 * descriptor. The password runs to the last `@`, so it may hold `@` and `/`.
 */
export function readOracle(text: string): Reading {
  const prefix = ORACLE_PREFIX.exec(text)?.[0].length ?? 0;
  const at = text.lastIndexOf('@');
  if (at < 0) return null;
  const target = text.slice(at + 1);
  if (!EZCONNECT.test(target) && !TNS_DESCRIPTOR.test(target)) return null;
  const credentials = text.slice(prefix, at);
  if (credentials === '' && prefix > 0) return [];
  const slash = credentials.indexOf('/');
  if (slash <= 0 || !/^[\w$#.]+$/.test(credentials.slice(0, slash))) return null;
  return [[prefix + slash + 1, at]];
}

const JAAS_HEAD = /^\s*[\w.$]+\s+(?:required|requisite|sufficient|optional)\b/y;
const JAAS_OPTION = /\s+([\w.]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s";]+)/y;

/** A JAAS line (Kafka's `sasl.jaas.config`): `Module required user="u" password="p";`. */
function readJaas(value: string, offset: number, isSecretKey: IsSecretKey): Reading {
  JAAS_HEAD.lastIndex = 0;
  if (!JAAS_HEAD.exec(value)) return null;
  const spans: Span[] = [];
  let i = JAAS_HEAD.lastIndex;
  for (;;) {
    JAAS_OPTION.lastIndex = i;
    const match = JAAS_OPTION.exec(value);
    if (!match) break;
    const raw = match[2] as string;
    const quoted = raw.startsWith('"') ? 1 : 0;
    const end = JAAS_OPTION.lastIndex;
    if (isSecretKey(match[1] as string)) {
      spans.push([offset + end - raw.length + quoted, offset + end - quoted]);
    }
    i = end;
  }
  return /^\s*;?\s*$/.test(value.slice(i)) ? spans : null;
}

/**
 * Java-style properties, one `key=value` a line (Kafka clients, librdkafka):
 * a secret's value is hidden, a JAAS config down to its secret options.
 * Comment lines are hidden whole: nobody can say what they hold.
 */
export function readProperties(text: string, isSecretKey: IsSecretKey): Reading {
  const spans: Span[] = [];
  const line = /[^\r\n]*/y;
  let found = false;
  let i = 0;
  while (i <= text.length) {
    line.lastIndex = i;
    const content = (line.exec(text) as RegExpExecArray)[0];
    const next = i + content.length;
    const setting = /^(\s*)([A-Za-z_][\w.-]*)(\s*=\s*)(.*?)\s*$/.exec(content);
    if (/^\s*[#!]/.test(content)) spans.push([i, next]);
    else if (setting) {
      const [, lead, key, eq, value] = setting as unknown as string[];
      const v = i + (lead as string).length + (key as string).length + (eq as string).length;
      const end = v + (value as string).length;
      if ((key as string).toLowerCase().endsWith('jaas.config')) {
        spans.push(...(readJaas(value as string, v, isSecretKey) ?? [[v, end]]));
      } else if (isSecretKey(key as string)) {
        if (end > v) spans.push([v, end]);
      } else if (SPACED_SETTING.test(` ${value}`) || LISTED_SETTING.test(value as string)) {
        return null;
      }
      found = true;
    } else if (!/^\s*$/.test(content)) return null;
    i = next + (text.startsWith('\r\n', next) ? 2 : 1);
  }
  return found ? spans : null;
}

/**
 * StackExchange.Redis: `host:6379,host2:6380,password=p,ssl=True`, the
 * endpoints first. An endpoint after a setting is refused: it may be the
 * rest of a password that held a comma.
 */
export function readEndpointList(text: string, isSecretKey: IsSecretKey): Reading {
  const spans: Span[] = [];
  let endpoints = 0;
  let settings = false;
  let i = 0;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (settings || !/^\s*[A-Za-z0-9._-]+:\d+\s*$/.test(part)) return null;
      endpoints++;
    } else {
      if (!/^\s*[A-Za-z][\w]*\s*$/.test(part.slice(0, eq))) return null;
      settings = true;
      if (isSecretKey(part.slice(0, eq).trim())) {
        if (eq + 1 === part.length) return null;
        spans.push([i + eq + 1, i + part.length]);
      }
    }
    i += part.length + 1;
  }
  // Endpoints alone (`admin:1234`) may as well be a user and a password.
  return endpoints > 0 && settings ? spans : null;
}
