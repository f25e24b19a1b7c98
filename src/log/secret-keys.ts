// Credential key names: one documented family of names, matched by words and word pairs whatever their spelling.
import { FieldguardError } from '../errors.js';

/**
 * Words that make a key a credential wherever they stand (`newPassword`, `x-auth-token`, `client_secret`).
 * Plurals are listed where they have no innocent meaning; `tokens` is left out on purpose: it is how
 * language-model APIs count (`max_tokens`, `prompt_tokens`), and `tokenizer` is a different word.
 */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password', 'passwords', 'passwd', 'passphrase', 'passcode', 'pwd',
  'secret', 'secrets',
  'token',
  'cookie', 'cookies',
  'credential', 'credentials',
  'authorization',
  'bearer', 'jwt',
  'csrf', 'xsrf',
  'otp', 'totp', 'hotp', 'otpauth',
  'pin',
  'cvv', 'cvc', 'cvv2', 'cvc2',
  'signature',
  'jsessionid', 'phpsessid', 'sessid',
  // Spellings without separators that are one word to the tokenizer.
  'apikey', 'apikeys', 'privatekey', 'secretkey', 'accesskey', 'signingkey', 'encryptionkey', 'masterkey', 'hmackey',
  'authkey', 'sessionkey', 'sessionid', 'setcookie', 'basicauth', 'proxyauth', 'httpauth', 'xauth', 'proxyauthorization',
]);

/**
 * Endings that make one unseparated word a credential (`accesstoken`, `dbpassword`, `xgoogapikey`):
 * none of them ends an innocent English word. `key`, `auth` and `pass` are not here: `monkey`,
 * `turkey`, `oauth` and `bypass` end with them.
 */
const SECRET_ENDINGS: readonly string[] = [
  'password', 'passwd', 'passphrase', 'passcode', 'pwd', 'secret', 'secrets', 'token', 'cookie', 'cookies', 'credential', 'credentials',
  'apikey', 'privatekey', 'secretkey', 'accesskey', 'signingkey', 'encryptionkey', 'masterkey', 'hmackey', 'sessionid',
];

/** Pairs of words that name a credential together though neither does alone (`api key`, `session id`). */
const SECRET_PAIRS: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>([
  ['api', new Set(['key', 'keys'])],
  ['private', new Set(['key'])],
  ['priv', new Set(['key'])],
  ['access', new Set(['key'])],
  ['signing', new Set(['key'])],
  ['encryption', new Set(['key'])],
  ['master', new Set(['key'])],
  ['hmac', new Set(['key'])],
  ['client', new Set(['key'])],
  ['app', new Set(['key'])],
  ['license', new Set(['key'])],
  ['auth', new Set(['key', 'header', 'code', 'value', 'string', 'data', 'info'])],
  ['session', new Set(['id', 'key'])],
  ['mfa', new Set(['code'])],
  ['2fa', new Set(['code'])],
  ['verification', new Set(['code'])],
  ['recovery', new Set(['code', 'codes'])],
  ['backup', new Set(['code', 'codes'])],
  ['security', new Set(['code'])],
  ['connection', new Set(['string'])],
]);

/**
 * Words that, when everything after a credential word is one of them, describe the credential rather
 * than hold it: `tokenType`, `token_count`, `passwordPolicyUrl`, `refresh_token_expires_in`, `apiKeyId`.
 */
const DESCRIPTORS: ReadonlySet<string> = new Set([
  'type', 'types', 'count', 'counts', 'length', 'len', 'size', 'name', 'names', 'kind', 'format', 'version',
  'algorithm', 'alg', 'method', 'policy', 'policies', 'strength', 'hint', 'url', 'urls', 'uri', 'endpoint',
  'path', 'file', 'location', 'expires', 'expiry', 'expiration', 'exp', 'ttl', 'lifetime', 'id', 'ids',
  'enabled', 'required', 'at', 'in', 'field', 'fields', 'ref', 'arn',
]);

/** Words whose value is the secret whatever follows: an `otpauth://` URI carries the TOTP seed (`otpauthUrl`). */
const ALWAYS_HOLDS: ReadonlySet<string> = new Set(['otpauth']);

/** Pagination cursors: opaque, but no credential (`pageToken`, `nextPageToken`). */
const NOT_SECRET_BEFORE_TOKEN: ReadonlySet<string> = new Set(['page']);

type CharClass = 'upper' | 'lower' | 'digit' | 'other';

function classOf(ch: string): CharClass {
  if (ch >= '0' && ch <= '9') return 'digit';
  const lower = ch.toLowerCase();
  const upper = ch.toUpperCase();
  if (lower !== ch) return 'upper';
  if (upper !== ch) return 'lower';
  // Letters without case (CJK, …) belong to the word they stand in; everything else separates.
  return /\p{L}|\p{N}/u.test(ch) ? 'lower' : 'other';
}

/**
 * Splits a key into lower-case words: at every character that is not a letter or digit (`-`, `_`, `.`,
 * spaces, …), at camelCase boundaries (`newPassword`, `APIKey` → `api key`) and where digits follow
 * letters (`password2`). Words of digits only are dropped. One pass, linear in the key's length.
 */
function keyWords(key: string): string[] {
  const words: string[] = [];
  let word = '';
  let prev: CharClass = 'other';
  const chars = [...key];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const cls = classOf(ch);
    if (cls === 'other') {
      if (word !== '') words.push(word);
      word = '';
      prev = cls;
      continue;
    }
    const next = i + 1 < chars.length ? classOf(chars[i + 1]!) : 'other';
    const boundary =
      word !== '' &&
      ((cls === 'upper' && (prev === 'lower' || prev === 'digit')) ||
        (cls === 'upper' && prev === 'upper' && next === 'lower') ||
        (cls === 'digit' && (prev === 'lower' || prev === 'upper')));
    if (boundary) {
      words.push(word);
      word = '';
    }
    word += ch.toLowerCase();
    prev = cls;
  }
  if (word !== '') words.push(word);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (/^\d+$/.test(w)) continue;
    // "OAuth" is one word, not "o auth".
    if (w === 'o' && words[i + 1]?.startsWith('auth')) {
      words[i + 1] = `o${words[i + 1]}`;
      continue;
    }
    out.push(w);
  }
  return out;
}

/** Whether everything after position `end` describes rather than holds (at least one word follows). */
function describedOnly(words: readonly string[], end: number): boolean {
  if (end >= words.length - 1) return false;
  for (let i = end + 1; i < words.length; i++) if (!DESCRIPTORS.has(words[i]!)) return false;
  return true;
}

function wordsAreSecret(words: readonly string[]): boolean {
  if (words.length === 0) return false;
  if (words.length === 1 && words[0] === 'sid') return true;
  if (words.length === 2 && words[0] === 'connect' && words[1] === 'sid') return true;
  const last = words.length - 1;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let end = -1;
    if (SECRET_WORDS.has(w) || SECRET_ENDINGS.some((e) => w.length > e.length && w.endsWith(e))) {
      if (w === 'token' && i > 0 && NOT_SECRET_BEFORE_TOKEN.has(words[i - 1]!)) continue;
      end = i;
    } else if (i < last && SECRET_PAIRS.get(w)?.has(words[i + 1]!) === true) {
      end = i + 1;
    } else if (i === last && (w === 'auth' || w === 'pass')) {
      // `basicAuth`, `x-auth`, `SMTP_PASS`; but `authType`, `authMethod`, `passCount` describe, not hold.
      end = i;
    }
    if (end >= 0 && (ALWAYS_HOLDS.has(w) || !describedOnly(words, end))) return true;
  }
  return false;
}

/** The words of a key joined, for comparing names given by the user: `X-Tenant-Key`, `x_tenant_key` and `xTenantKey` are one name. */
function compact(key: string): string {
  return keyWords(key).join('');
}

/**
 * Whether a key names a credential, whatever its spelling. The key is split into lower-case words
 * (at `-`, `_`, `.`, spaces and any other character that is not a letter or digit, at camelCase
 * boundaries and where digits follow letters), and it is a credential when
 *
 * - a word is one of: password, passwd, passphrase, passcode, pwd, secret, token, cookie, credential(s),
 *   authorization, bearer, jwt, csrf, xsrf, otp, totp, hotp, otpauth, pin, cvv, cvc, signature,
 *   jsessionid, phpsessid, sessid — or an unseparated word ends with password, pwd, secret, token,
 *   cookie, credential, apikey, privatekey, secretkey, accesskey, sessionid and the like
 *   (`accesstoken`, `dbpassword`);
 * - two neighbouring words form a pair: api key, private key, access key, signing key, encryption
 *   key, master key, hmac key, client key, app key, license key, session id, session key, auth key,
 *   auth header, auth code, mfa code, 2fa code, verification code, recovery code(s), backup code(s),
 *   security code, connection string;
 * - `auth` or `pass` is the last word (`auth`, `basicAuth`, `x-auth`, `SMTP_PASS`), or the key is
 *   `sid` or `connect.sid`;
 *
 * unless every word after the credential word describes it (type, count, length, size, name, kind,
 * format, version, algorithm, method, policy, strength, hint, url, uri, endpoint, path, file, expires,
 * expiry, ttl, lifetime, id, enabled, required, at, in, field, ref, arn): `tokenType`,
 * `refresh_token_expires_in`, `passwordPolicyUrl` and `apiKeyId` hold no secret (`otpauthUrl` does: the
 * URI carries the seed).
 *
 * Decided borderlines:
 * - Caught: `hasPassword`, `passwordResetRequired` (booleans, censored: harmless), `passwordHash`
 *   (crackable), `signature` and `x-amz-signature` (a presigned URL's signature is the capability),
 *   `credentials: 'include'`, `cookie` config objects, `pwd` (also a shell's working directory),
 *   `pin` and `pincode`, `boardingPass`, `secretName`, `x-amz-credential`.
 * - Not caught: `author`, `authority`, `authorType`, `authMethod`, `authenticated`, `oauth`
 *   (a namespace; its `clientSecret` is caught), `keyboard`, `monkey`, `turkey`, `key`, `publicKey`,
 *   `primaryKey`, `cacheKey`, `idempotencyKey`, `passenger`, `passport`, `bypass`, `passCount`,
 *   `secretary`, `tokens`, `max_tokens`, `tokenizer`, `tokens_count`, `tokenized`, `pageToken`,
 *   `nextPageToken`, `session`, `sessionCount`, `accountSid`, `accessKeyId` and `apiKeyId`
 *   (identifiers of a key; the detectors still find an AWS key id in the value), `code`.
 *
 * @example
 * ```ts
 * isSecretKeyName('x-auth-token'); // true
 * isSecretKeyName('newPassword');  // true
 * isSecretKeyName('authorType');   // false
 * isSecretKeyName('tokens_count'); // false
 * ```
 */
export function isSecretKeyName(key: string): boolean {
  return typeof key === 'string' && wordsAreSecret(keyWords(key));
}

/**
 * A matcher for {@link isSecretKeyName}'s family plus extra names. An extra name matches every
 * spelling with the same words (`'x-tenant-key'` matches `X-Tenant-Key`, `x_tenant_key`,
 * `xTenantKey` and `XTENANTKEY`… as long as the words agree: `xtenantkey` is one word and matches
 * too, since words are compared joined). Results are cached for up to 10,000 keys of at most 256 characters.
 *
 * @param extra More credential names. Default none. Each must hold a letter or digit.
 * @example
 * ```ts
 * const isSecret = secretKeyMatcher(['x-tenant-key']);
 * isSecret('X-Tenant-Key'); // true
 * isSecret('apiToken');     // true
 * isSecret('tenant');       // false
 * ```
 */
export function secretKeyMatcher(extra: readonly string[] = []): (key: string) => boolean {
  const extras = new Set<string>();
  for (const name of extra) {
    const c = typeof name === 'string' ? compact(name) : '';
    if (c === '') throw new FieldguardError('ERR_INVALID_OPTIONS', 'secretKeyMatcher(): each extra key name must be a string with a letter or digit');
    extras.add(c);
  }
  const cache = new Map<string, boolean>();
  return function isSecretKey(key: string): boolean {
    if (typeof key !== 'string') return false;
    let hit = cache.get(key);
    if (hit === undefined) {
      const words = keyWords(key);
      hit = wordsAreSecret(words) || (extras.size > 0 && extras.has(words.join('')));
      if (cache.size < 10_000 && key.length <= 256) cache.set(key, hit);
    }
    return hit;
  };
}
