// Credential detectors: provider-prefixed keys, JWTs, AWS key ids, PEM private keys, URL credentials, and secrets named by the text around them.
import type { Finding, FindingKind } from './finding.js';

/** Runs a global regular expression and reports each match (or its first group) as a finding. */
function each(re: RegExp, text: string, out: Finding[], kind: FindingKind): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push({ kind, start: m.index, end: m.index + m[0].length });
}

// Every token pattern starts where a token can start (not inside a longer run of token characters),
// so a long run is tried once, at its start, and the bounded quantifiers cap each try.
const JWT = /eyJ[A-Za-z0-9_-]{5,8192}\.eyJ[A-Za-z0-9_-]{5,65536}\.[A-Za-z0-9_-]{0,8192}/y;
const isB64Url = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

/**
 * JWTs, also glued to a word by "-" (`ref-eyJ…`). Tried at each "eyJ" that does not sit inside a
 * word; when a try fails, the rest of that run of token characters cannot hold one either (its
 * first "." is the same for every start in it), so the search goes on after the run.
 */
export function jwts(text: string, out: Finding[]): void {
  let at = text.indexOf('eyJ');
  while (at >= 0) {
    const before = at > 0 ? text.charCodeAt(at - 1) : 32;
    let next = at + 3;
    if (!isB64Url(before) || before === 45) {
      JWT.lastIndex = at;
      const m = JWT.exec(text);
      if (m !== null) {
        out.push({ kind: 'jwt', start: at, end: at + m[0].length });
        next = at + m[0].length;
      } else {
        while (next < text.length && isB64Url(text.charCodeAt(next))) next++;
      }
    }
    at = text.indexOf('eyJ', next);
  }
}

const AWS = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z2-7]{16}(?![A-Za-z0-9])/g;
export const awsKeys = (text: string, out: Finding[]): void => each(AWS, text, out, 'awsAccessKey');

/**
 * Keys whose documented prefix says what they are, found without any context word: Stripe
 * (secret, restricted, webhook signing), GitHub (classic, OAuth, user, server, refresh, fine-grained),
 * GitLab, Google (API keys, OAuth access tokens, client secrets), Slack (bot, user, app, config,
 * refresh), OpenAI and Anthropic, npm, PyPI, SendGrid, Twilio, Shopify, DigitalOcean, HashiCorp
 * Vault, Hugging Face, Square, Mailgun, Databricks.
 */
export const PREFIXED = new RegExp(
  '(?:' +
    [
      String.raw`(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}`,
      String.raw`whsec_[A-Za-z0-9+/=]{24,128}`,
      String.raw`gh[pousr]_[A-Za-z0-9]{36,251}`,
      String.raw`github_pat_[A-Za-z0-9_]{50,255}`,
      String.raw`glpat-[A-Za-z0-9_-]{20,64}`,
      String.raw`AIza[0-9A-Za-z_-]{35}`,
      String.raw`ya29\.[0-9A-Za-z_-]{20,2048}`,
      String.raw`GOCSPX-[A-Za-z0-9_-]{24,40}`,
      String.raw`xox[abeoprs]-[A-Za-z0-9-]{10,250}`,
      String.raw`xapp-\d-[A-Za-z0-9-]{10,250}`,
      String.raw`sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_-]{20,256}`,
      String.raw`npm_[A-Za-z0-9]{36}`,
      String.raw`pypi-AgE[A-Za-z0-9_-]{50,256}`,
      String.raw`SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}`,
      String.raw`SK[0-9a-f]{32}`,
      String.raw`shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}`,
      String.raw`do[oprt]_v1_[a-f0-9]{64}`,
      String.raw`hv[sb]\.[A-Za-z0-9_-]{24,256}`,
      String.raw`hf_[A-Za-z0-9]{34}`,
      String.raw`sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}`,
      String.raw`key-[0-9a-f]{32}`,
      String.raw`dapi[0-9a-f]{32}`,
    ].join('|') +
    ')(?![A-Za-z0-9_-])',
  'g',
);
/** Incoming-webhook URLs carry their secret in the path. */
const WEBHOOK = /(?:hooks\.slack\.com\/(?:services|workflows|triggers)\/|discord(?:app)?\.com\/api\/webhooks\/)([A-Za-z0-9\/_-]{16,256})/g;

const isTokenCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

// Every character any prefixed key is written with: letters, digits, `_ - . + / =`.
const isKeyCode = (c: number): boolean => isTokenCode(c) || c === 46 || c === 43 || c === 47 || c === 61;

/**
 * Whether the text holds 15 key characters in a row: every prefixed key is at least that long
 * (`xoxb-` and ten more) and made of nothing else, so without such a run PREFIXED matches nowhere.
 */
export function holdsKeyRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isKeyCode(text.charCodeAt(i))) run = 0;
    else if (++run >= 15) return true;
  }
  return false;
}

/**
 * Provider-prefixed keys (PREFIXED) and incoming-webhook URLs in a text, as `apiKey` findings.
 * `keyRun` is what {@link holdsKeyRun} answers of the text (or `true`), when a pass over it already told.
 */
export function prefixedKeys(text: string, out: Finding[], keyRun = holdsKeyRun(text)): void {
  if (keyRun) prefixedOnly(text, out);
  if (!text.includes('hooks') && !text.includes('webhooks')) return;
  WEBHOOK.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WEBHOOK.exec(text)) !== null) {
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ kind: 'apiKey', start, end: m.index + m[0].length });
  }
}

function prefixedOnly(text: string, out: Finding[]): void {
  // No lookbehind in the pattern, so the engine can skip ahead by its first characters; a key glued to a longer token is dropped here.
  PREFIXED.lastIndex = 0;
  let k: RegExpExecArray | null;
  while ((k = PREFIXED.exec(text)) !== null) {
    // Glued by "-" (`ref-sk_live_…`) still counts; inside a longer word or token it does not.
    const before = k.index > 0 ? text.charCodeAt(k.index - 1) : 32;
    if (before !== 45 && isTokenCode(before)) {
      PREFIXED.lastIndex = k.index + 1;
      continue;
    }
    out.push({ kind: 'apiKey', start: k.index, end: k.index + k[0].length });
  }
}

/** Where a private key starts; the END line is looked for once per text, not once per header. */
const PEM_HEADER = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/y;
// Key material as it is logged: base64, line breaks (real or escaped as \n), header fields.
const isPemBody = (c: number): boolean =>
  (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61 || c === 10 || c === 13 || c === 92 || c === 44 || c === 45;

export function privateKeys(text: string, out: Finding[]): void {
  PEM_HEADER.lastIndex = 0;
  let nextEnd = -2;
  let m: RegExpExecArray | null;
  while ((m = PEM_HEADER.exec(text)) !== null) {
    const start = m.index;
    const bodyStart = start + m[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) {
      nextEnd = text.indexOf('-----END ', bodyStart);
      while (nextEnd >= 0) {
        PEM_END.lastIndex = nextEnd;
        if (PEM_END.test(text)) break;
        nextEnd = text.indexOf('-----END ', nextEnd + 9);
      }
    }
    let end: number;
    if (nextEnd >= 0) {
      PEM_END.lastIndex = nextEnd;
      PEM_END.test(text);
      end = PEM_END.lastIndex;
    } else {
      // No END line (a truncated log line): everything that still reads as key material goes.
      end = bodyStart;
      // Spaces only after a header field's colon (`Proc-Type: 4,ENCRYPTED`): a space before a word ends the key.
      while (end < text.length && (isPemBody(text.charCodeAt(end)) || (text.charCodeAt(end) === 32 && text.charCodeAt(end - 1) === 58))) end++;
      for (;;) {
        if (end > bodyStart && text.charCodeAt(end - 1) <= 32) end--;
        else if (end > bodyStart + 1 && text[end - 1] === 'n' && text[end - 2] === '\\') end -= 2;
        else break;
      }
    }
    out.push({ kind: 'privateKey', start, end });
    PEM_HEADER.lastIndex = Math.max(end, bodyStart);
  }
}

/** Where a URL's authority ends. */
const isAuthorityEnd = (c: number): boolean => c <= 32 || c === 47 || c === 63 || c === 35 || c === 34 || c === 39 || c === 60 || c === 62 || c === 92 || c === 96;
const isSchemeChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 46 || c === 45;

/**
 * `scheme://user:pass@host`: the span is `user:pass`, up to the last "@" of the authority, so a
 * password with a raw "@" in it is masked whole. Userinfo without a password (`git@`, a public
 * key in a DSN) is not a credential.
 */
export function urlCredentials(text: string, out: Finding[]): void {
  let sep = text.indexOf('://');
  while (sep >= 0) {
    const s = sep > 0 && isSchemeChar(text.charCodeAt(sep - 1)) ? sep : -1;
    let e = sep + 3;
    let lastAt = -1;
    let colon = -1;
    let port = true;
    for (; e < text.length && e - sep < 1024; e++) {
      const c = text.charCodeAt(e);
      // RFC 3986 ends the authority at "#", but pasted connection strings carry it raw in a password
      // (`amqp://admin:pa#ss@host`): after a colon that starts no port, "#" is read as part of the userinfo,
      // and only an "@" further on makes the span a credential.
      if (c === 35 ? lastAt >= 0 || colon < 0 || port : isAuthorityEnd(c)) break;
      if (c === 64) lastAt = e;
      else if (c === 58 && lastAt < 0 && colon < 0) colon = e;
      else if (colon >= 0 && lastAt < 0 && (c < 48 || c > 57)) port = false;
    }
    if (s >= 0 && lastAt > sep + 3 && colon >= 0 && colon < lastAt && lastAt - colon > 1) out.push({ kind: 'urlCredentials', start: sep + 3, end: lastAt });
    sep = text.indexOf('://', e > sep + 3 ? e : sep + 3);
  }
}
