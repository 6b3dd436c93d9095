import {
  readKeywordValue,
  readSettingList,
  readUrl,
  type Span,
} from './connection-string-readers.js';
import {
  readEndpointList,
  readOracle,
  readProperties,
} from './connection-string-vendor-readers.js';
import { SECRET_MASK } from './secrets.js';

/**
 * Setting names whose values are secrets, compared without case, spaces,
 * `_`, `-` or `.`: `Password`, `Pwd`, `sslpassword`, `api_key`, `AccountKey`,
 * `SharedAccessSignature`, `sig`, `client_secret`, `sasl.password`… Hiding a
 * setting that was no secret costs little; showing one that was costs a lot.
 */
const SECRET_NAME =
  /pass|pwd|secret|token|credential|signature|privatekey|accesskey|apikey|jaas|key$|^sig$|^auth$|authorization/;

/** True when a setting of this name holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_NAME.test(key.toLowerCase().replace(/[\s_.-]/g, ''));
}

/**
 * A secret-looking setting still followed by something other than the mask:
 * the last check on what a reader made of the string, since a reader that
 * misread it must not show a secret.
 */
const SHOWN_SECRET =
  /(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|account[_-]?key|access[_-]?key|private[_-]?key|credentials?|signature|(?<![a-z])sig)["']?\s*[=:]\s*(?!["'{]?\*\*\*)[^\s;&,)"'}]/i;

/** The text with each span, merged where they overlap, replaced by the mask. */
function hideSpans(text: string, spans: readonly Span[]): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of sorted) {
    if (end <= at) continue;
    out += text.slice(at, Math.max(start, at)) + SECRET_MASK;
    at = end;
  }
  return out + text.slice(at);
}

function maskJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskJsonValue);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      isSecretKey(key) ? SECRET_MASK : maskJsonValue(inner),
    ]),
  );
}

/** A JSON document (a service-account key), its secret members hidden; null if not JSON. */
function maskJson(text: string): string | null {
  if (!/^\s*[[{]/.test(text)) return null;
  try {
    return JSON.stringify(maskJsonValue(JSON.parse(text)));
  } catch {
    return null;
  }
}

/**
 * A connection string with its secrets shown as `"***"`: the password in a
 * URL's userinfo, secret settings in a query or a setting list (ADO.NET,
 * ODBC, JDBC, libpq, Azure storage, SAS tokens, Kafka's JAAS config,
 * StackExchange.Redis), Oracle's `user/password@`, secret members of a JSON
 * key. Every form that reads the whole string surely has its say, and a
 * value that any of them calls secret is hidden. A string that no form reads
 * surely, or in which a secret setting would still show, is hidden whole:
 * its host is worth less than its password.
 */
export function maskConnectionString(text: string): string {
  const json = maskJson(text);
  if (json !== null) return SHOWN_SECRET.test(json) ? SECRET_MASK : json;
  const readings = [
    readUrl(text, isSecretKey),
    readSettingList(text, 0, isSecretKey),
    readKeywordValue(text, isSecretKey),
    readOracle(text),
    readProperties(text, isSecretKey),
    readEndpointList(text, isSecretKey),
  ].filter((reading) => reading !== null);
  if (readings.length === 0) return SECRET_MASK;
  const masked = hideSpans(text, readings.flat());
  return SHOWN_SECRET.test(masked) ? SECRET_MASK : masked;
}
