/**
 * Readers of the general connection-string forms: URLs, setting lists
 * (ADO.NET, ODBC, JDBC) and libpq's keyword/value. Each reads a whole string
 * and says where its secret values are, or returns null when the string is
 * not in its form beyond doubt: a reader never guesses, since a wrong guess
 * shows part of a secret.
 */

/** Where a secret value sits in the string: [start, end). */
export type Span = readonly [start: number, end: number];
/** The secret values a reader found (possibly none), or null: not this form, or not surely. */
export type Reading = Span[] | null;
/** Whether a setting's value is a secret, from its name. */
export type IsSecretKey = (key: string) => boolean;

/** A setting name as it appears before a `=`, in any of the forms below. */
const SETTING_NAME = /^[A-Za-z_][\w .-]*$/;
/** `… word=` after a space: a libpq-style string, which no other reader may swallow as one value. */
export const SPACED_SETTING = /\s[A-Za-z_][\w.-]*\s*=/;
/** `;word=`, `&word=`, `,word=`: a setting list, which a value may not swallow either. */
export const LISTED_SETTING = /[;&,]\s*[A-Za-z_][\w .-]*=/;

const HOST = /^(?:\[[0-9A-Za-z:.%]+\]|[A-Za-z0-9._~%-]*)(?::\d*)?$/;
/** Schemes where a user name alone (`https://ghp_…@github.com`) is conventionally a token. */
const TOKEN_USER_SCHEMES = /^(?:https?|wss?)$/i;

/**
 * URL forms: `scheme://user:password@host:port/path?query`, one host or a
 * list (MongoDB), `jdbc:` prefixes, and `;key=value` settings after the
 * authority (JDBC SQL Server). The userinfo runs to the authority's last
 * `@`, so a password may hold `@`; a password holding `/`, `?` or `#`
 * unencoded leaves an `@` after the authority, and then the string is not
 * read at all. Settings after a `;` (JDBC SQL Server) are read as a
 * setting list, whose quoted and braced values may hold anything.
 */
export function readUrl(text: string, isSecretKey: IsSecretKey): Reading {
  const head = /^((?:[A-Za-z][A-Za-z0-9+.-]*:)+)\/\//.exec(text);
  if (!head) return null;
  const start = head[0].length;
  const scheme = (head[1] as string).split(':').at(-2) ?? '';
  // Only SQL Server's JDBC URL puts settings after a `;`; elsewhere a `;`
  // is part of the userinfo, where it may be a password's.
  const delimiters = /sqlserver/i.test(head[1] as string) ? '/?#;' : '/?#';
  let end = start;
  while (end < text.length && !delimiters.includes(text[end] as string)) end++;
  const rest = text.slice(end);
  const authority = text.slice(start, end);
  const at = authority.lastIndexOf('@');
  const hosts = authority.slice(at + 1);
  if (!hosts.split(',').every((host) => HOST.test(host))) return null;
  const spans: Span[] = [];
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) spans.push([start + colon + 1, start + at]);
    else if (TOKEN_USER_SCHEMES.test(scheme)) spans.push([start, start + at]);
  }
  if (rest.startsWith(';')) {
    const settings = readSettingList(text, end, isSecretKey);
    return settings && [...spans, ...settings];
  }
  if (rest.includes('@') || rest.includes('#')) return null;
  const question = rest.indexOf('?');
  const path = question < 0 ? rest : rest.slice(0, question);
  if (path.includes('=') || path.includes(';')) return null;
  if (question < 0) return spans;
  const query = readQuery(text, end + question + 1, isSecretKey);
  return query && [...spans, ...query];
}

/** `a=1&password=2`: each value whose (decoded) name is a secret's. */
function readQuery(text: string, from: number, isSecretKey: IsSecretKey): Reading {
  const spans: Span[] = [];
  let i = from;
  while (i <= text.length) {
    let end = text.indexOf('&', i);
    if (end < 0) end = text.length;
    const pair = text.slice(i, end);
    const eq = pair.indexOf('=');
    // A bare word, or a secret with no value, is what a raw `&` in a
    // password leaves behind: not read surely.
    if (eq < 0 && pair !== '') return null;
    if (eq >= 0) {
      let key: string;
      try {
        key = decodeURIComponent(pair.slice(0, eq).replaceAll('+', ' '));
      } catch {
        return null;
      }
      if (isSecretKey(key)) {
        if (eq + 1 === pair.length) return null;
        spans.push([i + eq + 1, end]);
      }
    }
    i = end + 1;
  }
  return spans;
}

/** Where a `{…}` value (ODBC, `}}` for a brace inside) ends, past its `}`; -1 if it does not. */
function bracedEnd(text: string, from: number): number {
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] !== '}') continue;
    if (text[i + 1] === '}') i++;
    else return i + 1;
  }
  return -1;
}

/** Where a quoted value (ADO.NET, the quote doubled inside) ends, past its quote; -1 if it does not. */
function quotedEnd(text: string, from: number): number {
  const quote = text[from];
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] !== quote) continue;
    if (text[i + 1] === quote) i++;
    else return i + 1;
  }
  return -1;
}

/**
 * `Key=Value;Key=Value`: ADO.NET, ODBC (`{…}` values), MySQL Connector/NET,
 * Azure storage and Service Bus, JDBC settings. A value runs to the next `;`
 * unless quoted or braced.
 */
export function readSettingList(text: string, from: number, isSecretKey: IsSecretKey): Reading {
  const spans: Span[] = [];
  let found = false;
  let i = from;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ';' || /\s/.test(c)) {
      i++;
      continue;
    }
    const eq = text.indexOf('=', i);
    const semi = text.indexOf(';', i);
    if (eq < 0 || (semi >= 0 && semi < eq)) return null;
    const key = text.slice(i, eq).trim();
    // A JAAS config holds its own settings: the properties reader reads it.
    if (!SETTING_NAME.test(key) || /jaas\.config$/i.test(key)) return null;
    let v = eq + 1;
    while (v < text.length && text[v] === ' ') v++;
    let end: number;
    const first = text[v];
    if (first === '{') end = bracedEnd(text, v);
    else if (first === '"' || first === "'") end = quotedEnd(text, v);
    else {
      end = text.indexOf(';', v);
      if (end < 0) end = text.length;
      const value = text.slice(v, end);
      if (!isSecretKey(key) && (SPACED_SETTING.test(value) || LISTED_SETTING.test(value))) {
        return null;
      }
    }
    if (end < 0) return null;
    let after = end;
    while (after < text.length && text[after] === ' ') after++;
    if (after < text.length && text[after] !== ';') return null;
    if (isSecretKey(key)) {
      // An empty secret is what a password starting with a raw `;` leaves.
      if (end === v) return null;
      spans.push([v, end]);
    }
    found = true;
    i = after;
  }
  return found ? spans : null;
}

/**
 * libpq's `host=h password='p w' dbname=d`: settings apart by spaces, values
 * bare or in single quotes with backslash escapes. A bare value holding `=`
 * is refused: it is another form's string read the wrong way.
 */
export function readKeywordValue(text: string, isSecretKey: IsSecretKey): Reading {
  const setting = /\s*([A-Za-z_][\w.]*)\s*=\s*/y;
  const spans: Span[] = [];
  let i = 0;
  let found = false;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    setting.lastIndex = i;
    const match = setting.exec(text);
    if (!match) return null;
    const key = match[1] as string;
    const v = setting.lastIndex;
    let end = v;
    if (text[v] === "'") {
      end = v + 1;
      while (end < text.length && text[end] !== "'") end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) return null;
      end++;
    } else {
      while (end < text.length && !/\s/.test(text[end] as string))
        end += text[end] === '\\' ? 2 : 1;
      end = Math.min(end, text.length);
      if (text.slice(v, end).includes('=')) return null;
    }
    if (end < text.length && !/\s/.test(text[end] as string)) return null;
    if (isSecretKey(key) && end > v) spans.push([v, end]);
    found = true;
    i = end;
  }
  return found ? spans : null;
}
