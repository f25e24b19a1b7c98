// Secrets named by the text around them: `password=…`, `"token":"…"`, `Authorization: …`, `Cookie: sid=…`, `Bearer …`, OAuth `?code=…`.
import type { Finding } from './finding.js';

/** Words that name a secret; each hit is then read by hand within a bounded window. */
const KEYWORD = /secret|passw(?:or)?d|passphrase|pwd|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|credential|session|sess[_-]?id|sid|cookie|code|bearer|basic|signing[_-]?key|auth/gi;

const isKeyChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;
/** Where an unquoted value ends. */
const isValueEnd = (c: number): boolean => c <= 32 || c === 34 || c === 39 || c === 38 || c === 44 || c === 59 || c === 60 || c === 62 || c === 41 || c === 93 || c === 125 || c === 92 || c === 96;

/** The last word of a key that names something about a secret, not the secret (`token_type`, `password_reset_url`, `max_tokens`). */
const NOT_A_SECRET = new Set([
  'type', 'types', 'count', 'counts', 'expires', 'expiry', 'expiration', 'expired', 'in', 'at', 'ttl', 'timeout', 'length', 'len', 'url', 'uri', 'urls',
  'endpoint', 'path', 'file', 'dir', 'name', 'names', 'kind', 'hint', 'policy', 'format', 'field', 'fields', 'header', 'mode', 'enabled', 'required',
  'min', 'max', 'limit', 'size', 'version', 'strength', 'rotation', 'rotated', 'reset', 'changed', 'status', 'state', 'valid', 'used', 'scope', 'scopes',
  'issuer', 'audience', 'lifetime', 'age', 'duration', 'store', 'storage', 'manager', 'provider', 'service', 'source', 'tokens', 'secrets', 'location',
  'ref', 'arn', 'label', 'id_type', 'method', 'style', 'rules', 'error', 'errors', 'attempts', 'retries', 'flow', 'grant', 'usage', 'prompt', 'index',
  'sessions', 'cookies', 'keys', 'codes', 'lang', 'language', 'region', 'zip', 'postal', 'country', 'area', 'currency', 'exit', 'status_code', 'http',
]);
/** Keys that name a password (which may be short) or a token, key or session (which are long). */
const LENIENT = /secret|passw|passphrase|pwd/;
const STRICT = /token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|session|sess[_-]?id|signing[_-]?key/;
/** Values that stand in for a secret without being one. */
const PLACEHOLDER = /^(?:null|none|nil|true|false|undefined|redacted|\[redacted\]|\*+|x{3,}|-+|\.+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%s|\?+|n\/a|empty|missing|invalid|incorrect|wrong|expired|required|changed|reset|updated|set|ok|success|failed|mismatch|provided|hidden|masked|supplied|present|absent|valid|revoked|refreshed|bearer|basic)$/i;
/** Authorization schemes: the credential is what follows them. */
const SCHEME = /^(?:bearer|basic|token|digest|apikey|api-key|key|negotiate|ntlm|hmac|aws4-hmac-sha256|sharedaccesssignature|dpop|mac|jwt|oauth|sso-key)$/i;
/** Cookie names that carry a session or a credential. */
const SESSION_COOKIE = /sess|sid|token|auth|jwt|remember|login|csrf|xsrf|secret|key|identity|access|refresh|user/i;

const wordsOf = (key: string): string[] =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_.-]+/)
    .filter((w) => w !== '');

/** A value read after a key: its span, and whether it was quoted. */
interface Value {
  start: number;
  end: number;
}

/** Reads `["']? \s* [:=] \s* ["']? value` after a key; `undefined` if no separator follows. */
function valueAfter(text: string, k1: number, header: boolean): Value | undefined {
  let i = k1;
  let quoteBefore = false;
  while (i < text.length && i - k1 < 3 && (text[i] === '"' || text[i] === "'" || text[i] === '\\')) (quoteBefore = true), i++;
  while (i < text.length && i - k1 < 6 && (text[i] === ' ' || text[i] === '\t')) i++;
  const sep = text[i];
  if (sep !== ':' && sep !== '=') return undefined;
  // "password: …" in a sentence reads as a key only in header or key=value form.
  if (sep === ':' && !quoteBefore && !header && text[i + 1] !== ' ' && text[i + 1] !== '"' && text[i + 1] !== "'") return undefined;
  i++;
  if (text[i] === '>') return undefined; // `=>`: code, not a key/value
  while (i < text.length && (text[i] === ' ' || text[i] === '\t') && i - k1 < 12) i++;
  let quote = '';
  if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === "'")) (quote = '\\' + text[i + 1]!), (i += 2);
  else if (text[i] === '"' || text[i] === "'") (quote = text[i]!), i++;
  const start = i;
  if (quote !== '') {
    // Bounded by hand: a search to the end of the text for every unclosed quote could add up.
    const limit = Math.min(text.length, i + 4096);
    const q = quote.charCodeAt(quote.length - 1);
    let end = i;
    while (end < limit && !(text.charCodeAt(end) === q && (quote.length === 1 || text.charCodeAt(end - 1) === 92))) end++;
    if (quote.length === 2 && end < limit) end--;
    return { start, end };
  }
  while (i < text.length && i - start < 4096 && !isValueEnd(text.charCodeAt(i))) i++;
  return { start, end: i };
}

function plausible(text: string, v: Value, min: number): boolean {
  const value = text.slice(v.start, v.end);
  if (value.length < min || PLACEHOLDER.test(value)) return false;
  const c = value.charCodeAt(0);
  // An object or array is not a value; `${VAR}`, `{{var}}`, `%(var)s` are templates.
  return c !== 123 && c !== 91 && !/^(?:\$\{|\{\{|%\(|\$[A-Z_]+$)/.test(value);
}

/** A token after an authorization scheme: not a plain word ("Bearer authentication failed"). */
function tokenLike(value: string): boolean {
  if (value.length < 8 || PLACEHOLDER.test(value)) return false;
  return /\d/.test(value) || /[A-Z]/.test(value) || /[._~+/=-]/.test(value) || value.length >= 24;
}

function schemeToken(text: string, from: number, out: Finding[], header = false): number {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t') && i - from < 4) i++;
  const start = i;
  while (i < text.length && i - start < 8192 && !isValueEnd(text.charCodeAt(i))) i++;
  // Digest / AWS4 parameters run to the end of the header (`Credential=…, Signature=…`).
  // In an Authorization header whatever follows the scheme is the credential; in a sentence it must look like a token.
  const value = text.slice(start, i);
  if (header ? value.length >= 6 && !PLACEHOLDER.test(value) : tokenLike(value)) out.push({ kind: 'apiKey', start, end: i });
  return i;
}

function cookies(text: string, v: Value, setCookie: boolean, out: Finding[]): number {
  // A cookie header runs to the end of the line (or the closing quote of a logged JSON string).
  let i = v.start;
  const limit = Math.min(text.length, v.start + 8192);
  while (i < limit) {
    while (i < limit && (text[i] === ' ' || text[i] === ';')) i++;
    const nameStart = i;
    while (i < limit && text[i] !== '=' && text[i] !== ';' && !isValueEnd(text.charCodeAt(i))) i++;
    const name = text.slice(nameStart, i);
    if (text[i] !== '=' || name === '') break;
    i++;
    const valueStart = i;
    while (i < limit && text[i] !== ';' && !isValueEnd(text.charCodeAt(i))) i++;
    const value = text.slice(valueStart, i);
    if (value.length >= 6 && !PLACEHOLDER.test(value) && (SESSION_COOKIE.test(name) || (value.length >= 16 && /\d/.test(value) && /[A-Za-z]/.test(value)))) {
      out.push({ kind: 'apiKey', start: valueStart, end: i });
    }
    if (setCookie) break; // the rest are attributes (Path, Expires, HttpOnly)
    if (text[i] !== ';') break;
  }
  return i;
}

/** Finds secrets by the key, header or scheme that names them. */
export function contextSecrets(text: string, out: Finding[]): void {
  KEYWORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = KEYWORD.exec(text)) !== null) {
    const ks = m.index;
    const ke = ks + m[0].length;
    const word = m[0].toLowerCase();
    if (word === 'bearer' || word === 'basic') {
      // A scheme word standing alone before a token, as in a logged header or a sentence.
      if ((ks === 0 || !isKeyChar(text.charCodeAt(ks - 1))) && (text[ke] === ' ' || text[ke] === '\t')) {
        const before = out.length;
        const end = schemeToken(text, ke, out);
        if (word === 'basic' && out.length > before && !basicDecodes(text.slice(out[out.length - 1]!.start, end))) out.pop();
        KEYWORD.lastIndex = Math.max(KEYWORD.lastIndex, end);
      }
      continue;
    }
    let k0 = ks;
    while (k0 > 0 && ks - k0 < 48 && isKeyChar(text.charCodeAt(k0 - 1))) k0--;
    // A key after an escaped line break in serialized text (`…HTTP/1.1\r\nAuthorization: …`) starts after the escape.
    if (k0 > 0 && text.charCodeAt(k0 - 1) === 92 && k0 < ks) k0++;
    let k1 = ke;
    while (k1 < text.length && k1 - ke < 48 && isKeyChar(text.charCodeAt(k1))) k1++;
    const key = text.slice(k0, k1);
    const words = wordsOf(key);
    const last = words[words.length - 1] ?? '';
    const lower = key.toLowerCase();
    const isCookie = lower === 'cookie' || lower === 'set-cookie';
    const isAuthorization = lower === 'authorization' || lower === 'proxy-authorization';
    const header = isCookie || isAuthorization || lower.startsWith('x-');
    KEYWORD.lastIndex = Math.max(KEYWORD.lastIndex, k1);
    const v = valueAfter(text, k1, header);
    if (v === undefined) continue;
    let end = v.end;
    if (isCookie) {
      end = cookies(text, v, lower === 'set-cookie', out);
    } else if (isAuthorization) {
      let i = v.start;
      while (i < text.length && i - v.start < 40 && /[A-Za-z0-9-]/.test(text[i]!)) i++;
      if (i < text.length && (text[i] === ' ' || text[i] === '\t') && SCHEME.test(text.slice(v.start, i))) end = schemeToken(text, i, out, true);
      else if (plausible(text, v, 8)) out.push({ kind: 'apiKey', start: v.start, end: v.end });
    } else if (LENIENT.test(lower) || STRICT.test(lower)) {
      if (!NOT_A_SECRET.has(last) && !(words.length > 1 && NOT_A_SECRET.has(words[words.length - 2]! + '_' + last))) {
        // Passwords may be short; tokens and keys are long or at least not plain words.
        const strict = !LENIENT.test(lower);
        if (plausible(text, v, strict ? 8 : 4) && (!strict || tokenLike(text.slice(v.start, v.end)) || v.end - v.start >= 12)) {
          out.push({ kind: 'apiKey', start: v.start, end: v.end });
        }
      }
    } else {
      // Short words name a secret only as a whole key: an OAuth code in a query, `sid=…`, `auth=…`.
      const short = lower.startsWith('x-') ? lower.slice(2) : lower;
      const query = short !== 'code' || (k0 > 0 && (text[k0 - 1] === '?' || text[k0 - 1] === '&'));
      if ((short === 'code' || short === 'auth' || short === 'sid') && query && plausible(text, v, short === 'code' ? 16 : 8)) {
        out.push({ kind: 'apiKey', start: v.start, end: v.end });
      }
    }
    KEYWORD.lastIndex = Math.max(KEYWORD.lastIndex, end);
  }
}

/** `Basic` credentials decode to `user:password`. */
function basicDecodes(token: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
  return Buffer.from(token, 'base64').toString('latin1').includes(':');
}
