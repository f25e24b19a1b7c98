// Free-text detectors: shapes found by simple, bounded regular expressions, then confirmed by checksums and context.
import { isIPv4, isIPv6 } from 'node:net';
import { FieldguardError } from '../errors.js';
import type { Kind } from '../schema/tags.js';
import { defaultMask, REDACTED } from '../mask/formats.js';
import { ibanValid, luhn, ssnValid } from './checks.js';

/** What a detector can find. The last five are credentials and mask as the schema kind `credential`. */
export const FINDING_KINDS = [
  'email',
  'phone',
  'cardNumber',
  'ssn',
  'iban',
  'ipAddress',
  'jwt',
  'awsAccessKey',
  'apiKey',
  'privateKey',
  'urlCredentials',
] as const;

/** A kind of finding. */
export type FindingKind = (typeof FINDING_KINDS)[number];

/** One finding: its kind and the span `[start, end)` of the sensitive text. Never the text itself. */
export interface Finding {
  readonly kind: FindingKind;
  readonly start: number;
  readonly end: number;
}

/** Options of {@link detect} and {@link redactText}. */
export interface DetectOptions {
  /** Kinds to look for. Default: all. */
  readonly kinds?: readonly FindingKind[];
}

/** The schema kind whose mask format a finding takes. */
export function schemaKind(kind: FindingKind): Kind {
  switch (kind) {
    case 'email':
    case 'phone':
    case 'cardNumber':
    case 'ssn':
    case 'iban':
    case 'ipAddress':
      return kind;
    default:
      return 'credential';
  }
}

/** Per-call scratch shared by the detectors: the digit runs are found once for cards, SSNs and phones. */
interface Scan {
  runs: Array<readonly [start: number, end: number, digits: number]> | undefined;
}

type Detector = (text: string, out: Finding[], scan: Scan) => void;

/** Runs a global regular expression and hands each match to `accept`. */
function each(re: RegExp, text: string, accept: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    accept(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}

// Email: found from each "@", expanded by hand both ways, so no pattern can backtrack.
const isAlnumCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
// Local part: letters, digits and . _ % + - '
const isLocal = (c: number): boolean => isAlnumCode(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39;
// Domain: letters, digits, . and -
const isDomain = (c: number): boolean => isAlnumCode(c) || c === 46 || c === 45;
const DOMAIN_SHAPE = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$/;
const email: Detector = (text, out) => {
  emailsAround(text, out, '@');
  // URL-encoded addresses (query strings, logged URLs): jane%40example.com.
  if (text.includes('%40')) emailsAround(text, out, '%40');
  // Encoded twice (a return URL inside a link): jane%2540example.com.
  if (text.includes('%2540')) emailsAround(text, out, '%2540');
};

function emailsAround(text: string, out: Finding[], sign: string): void {
  const width = sign.length;
  let at = text.indexOf(sign);
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < 64 && isLocal(text.charCodeAt(s - 1))) s--;
    let e = at + width;
    while (e < text.length && e - at < 254 && isDomain(text.charCodeAt(e))) e++;
    while (e > at + width && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
    while (s < at && (text[s] === '.' || text[s] === "'")) s++;
    if (s < at && e > at + width + 2) {
      const domain = text.slice(at + width, e);
      if (DOMAIN_SHAPE.test(domain)) out.push({ kind: 'email', start: s, end: e });
    }
    at = text.indexOf(sign, e > at ? e : at + 1);
  }
}

/**
 * Runs of digits with the separators numbers are written with. Card, SSN and phone patterns are
 * tried only where such a run is long enough, starting at the run, so most text is never tried.
 */
const DIGIT_RUN = /[+(]?\d[\d ().\/-]*\d\)?/g;

function runsOf(text: string, scan: Scan): ReadonlyArray<readonly [number, number, number]> {
  if (scan.runs !== undefined) return scan.runs;
  const runs: Array<readonly [number, number, number]> = [];
  DIGIT_RUN.lastIndex = 0;
  let run: RegExpExecArray | null;
  while ((run = DIGIT_RUN.exec(text)) !== null) {
    const start = run.index;
    const end = start + run[0].length;
    let digits = 0;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
    }
    if (digits >= 8) runs.push([start, end, digits]);
  }
  return (scan.runs = runs);
}

function eachRun(text: string, scan: Scan, minDigits: number, re: RegExp, accept: (m: RegExpExecArray) => void): void {
  for (const [start, end, digits] of runsOf(text, scan)) {
    if (digits < minDigits) continue;
    // The pattern runs over the run and a few characters either side, which its guards look at.
    const from = Math.max(0, start - 3);
    const window = text.slice(from, Math.min(text.length, end + 3));
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(window)) !== null) {
      if (m[0].length === 0) re.lastIndex++;
      const at = from + m.index;
      if (at < start || at + m[0].length > end) continue;
      m.index = at;
      accept(m);
    }
  }
}

// Digit runs with spaces or dashes: cards (Luhn), SSNs (SSA rules).
const CARD = /(?<![\d.,/:+-])\d(?:[ -]?\d){12,18}(?![\d/:]|[.,-]\d)/g;
const cardNumber: Detector = (text, out, scan) =>
  eachRun(text, scan, 13, CARD, (m) => {
    const digits = m[0].replace(/\D/g, '');
    const seps = m[0].match(/[ -]/g);
    // Separators, when present, are one kind and group the digits in blocks of 4 (or 4-6-5 for Amex).
    if (seps !== null && (new Set(seps).size > 1 || !/^(\d{4}[ -]){2,4}\d{1,4}$|^\d{4}[ -]\d{6}[ -]\d{4,5}$/.test(m[0]))) return;
    if (luhn(digits)) {
      out.push({ kind: 'cardNumber', start: m.index, end: m.index + m[0].length });
      return;
    }
    // A grouped card with more digits after it in the same run (its CVV, `4111 1111 1111 1111 123`): the card is the first four groups.
    const four = seps !== null ? /^\d{4}([ -])\d{4}\1\d{4}\1\d{4}/.exec(m[0]) : null;
    if (four !== null && luhn(four[0].replace(/\D/g, ''))) out.push({ kind: 'cardNumber', start: m.index, end: m.index + four[0].length });
  });

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const ssn: Detector = (text, out, scan) =>
  eachRun(text, scan, 9, SSN, (m) => {
    if (ssnValid(m[1]!, m[3]!, m[4]!)) out.push({ kind: 'ssn', start: m.index, end: m.index + m[0].length });
  });

// In any case: a lower-case IBAN is still one (the mod-97 check decides).
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/gi;
const iban: Detector = (text, out) =>
  each(IBAN, text, (m) => {
    let candidate = m[0];
    // Grouped IBANs end where the groups of four end; try the longest valid prefix of groups.
    while (candidate.length >= 15) {
      const compact = candidate.replace(/ /g, '').toUpperCase();
      if (ibanValid(compact)) {
        out.push({ kind: 'iban', start: m.index, end: m.index + candidate.length });
        return;
      }
      const cut = candidate.lastIndexOf(' ');
      if (cut < 0) return;
      candidate = candidate.slice(0, cut);
    }
  });

// Addresses: expanded by hand around each "." (IPv4) or ":" (IPv6), then checked by node:net.
const isV4Char = (c: number): boolean => (c >= 48 && c <= 57) || c === 46;
const isV6Char = (c: number): boolean => (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
const isWord = (c: number): boolean => isAlnumCode(c) || c === 95;
const ipAddress: Detector = (text, out) => {
  let dot = text.indexOf('.');
  while (dot >= 0) {
    let s = dot;
    while (s > 0 && isV4Char(text.charCodeAt(s - 1))) s--;
    let e = dot + 1;
    while (e < text.length && isV4Char(text.charCodeAt(e))) e++;
    const candidate = text.slice(s, e);
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    const after = e < text.length ? text.charCodeAt(e) : 32;
    if (!isWord(before) && !isWord(after) && isIPv4(candidate)) {
      const prefix = text.slice(Math.max(0, s - 9), s).toLowerCase();
      // "v1.2.3.4" and "version 1.2.3.4" are versions, not addresses.
      if (!/(?:^|[^a-z])v$|version\s*$/.test(prefix)) out.push({ kind: 'ipAddress', start: s, end: e });
    }
    dot = text.indexOf('.', e + 1);
  }
  let colon = text.indexOf(':');
  while (colon >= 0) {
    let s = colon;
    while (s > 0 && isV6Char(text.charCodeAt(s - 1))) s--;
    let e = colon + 1;
    while (e < text.length && isV6Char(text.charCodeAt(e))) e++;
    while (e > colon + 1 && text[e - 1] === '.') e--;
    const candidate = text.slice(s, e);
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    const after = e < text.length ? text.charCodeAt(e) : 32;
    if (candidate !== '::' && !isWord(before) && !isWord(after) && (candidate.includes('::') || candidate.split(':').length === 8) && isIPv6(candidate)) {
      out.push({ kind: 'ipAddress', start: s, end: e });
    }
    colon = text.indexOf(':', e + 1);
  }
};

// Phones: E.164 with optional separators, and national formats that need their separators.
const PHONE_E164 = /(?<![\w+])\+[1-9](?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\d])/g;
const PHONE_NATIONAL = new RegExp(
  [
    String.raw`\(\d{3}\) ?\d{3}[ .-]\d{4}`, // US (415) 555-0132
    String.raw`\d{3}[.-]\d{3}[.-]\d{4}`, // US 415-555-0132, 415.555.0132
    String.raw`0\d{2,4} \d{3,4} ?\d{3,4}`, // UK 020 7946 0958, 07700 900123; DE 030 1234 5678
    String.raw`0\d{2,5}[/-]\d{4,8}`, // DE 030/12345678, 089-1234567
    String.raw`0[1-9](?:[ .]\d{2}){4}`, // FR 06 12 34 56 78
    String.raw`[6-9]\d{4} \d{5}`, // IN 98765 43210
  ].map((p) => `(?:${p})`).join('|'),
  'g',
);
// Not inside a longer run of digit groups (a card-like reference), nor glued to words, paths or versions.
const PHONE_GUARD = /(?<![\w.:/+-])(?<!\d )(?:PLACEHOLDER)(?![\w.:/-]|-\d| \d)/.source;
const PHONE_NATIONAL_BOUNDED = new RegExp(PHONE_GUARD.replace('PLACEHOLDER', PHONE_NATIONAL.source), 'g');
const phone: Detector = (text, out, scan) => {
  each(PHONE_E164, text, (m) => {
    const digits = m[0].replace(/\D/g, '').length;
    if (digits >= 8 && digits <= 15) out.push({ kind: 'phone', start: m.index, end: m.index + m[0].length });
  });
  eachRun(text, scan, 9, PHONE_NATIONAL_BOUNDED, (m) => {
    const digits = m[0].replace(/\D/g, '').length;
    if (digits >= 9 && digits <= 12) out.push({ kind: 'phone', start: m.index, end: m.index + m[0].length });
  });
};

const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g;
const jwt: Detector = (text, out) => each(JWT, text, (m) => out.push({ kind: 'jwt', start: m.index, end: m.index + m[0].length }));

const AWS = /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g;
const awsAccessKey: Detector = (text, out) => each(AWS, text, (m) => out.push({ kind: 'awsAccessKey', start: m.index, end: m.index + m[0].length }));

// Credentials in header-like context: the finding is the secret, not the word before it.
const BEARER = /\b(?:bearer|basic|token)\s+([A-Za-z0-9._~+/=-]{8,4096})/gi;
const KEYED = /(?:api[_-]?key|apikey|x-api-key|access[_-]?token|refresh[_-]?token|client[_-]?secret|secret|password|passwd|pwd|auth[_-]?token)["']?\s*[:=]\s*["']?([^\s"'&,;<>]{4,4096})/gi;
// Keys whose provider prefix says what they are, found without any context word.
const PREFIXED = /\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}|whsec_[A-Za-z0-9]{16,247}|gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255}|AIza[0-9A-Za-z_-]{35}|xox[abprs]-[A-Za-z0-9-]{10,250})/g;
const apiKey: Detector = (text, out) => {
  each(PREFIXED, text, (m) => out.push({ kind: 'apiKey', start: m.index, end: m.index + m[0].length }));
  each(BEARER, text, (m) => {
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ kind: 'apiKey', start, end: start + m[1]!.length });
  });
  each(KEYED, text, (m) => {
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ kind: 'apiKey', start, end: start + m[1]!.length });
  });
};

const PEM = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----(?:[\s\S]{0,16384}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----|[A-Za-z0-9+/=\s]{0,16384})/g;
const privateKey: Detector = (text, out) => each(PEM, text, (m) => out.push({ kind: 'privateKey', start: m.index, end: m.index + m[0].length }));

// Credentials in URLs: from each "://", the scheme before it and "user:pass@" after it.
const USERINFO = /([^\s:/?#@]{1,128}:[^\s/?#@]{1,256})@/y;
const urlCredentials: Detector = (text, out) => {
  let sep = text.indexOf('://');
  while (sep >= 0) {
    let s = sep;
    while (s > 0 && sep - s < 21 && /[A-Za-z0-9+.-]/.test(text[s - 1]!)) s--;
    if (s < sep && /[A-Za-z]/.test(text[s]!)) {
      USERINFO.lastIndex = sep + 3;
      const m = USERINFO.exec(text);
      if (m !== null) out.push({ kind: 'urlCredentials', start: sep + 3, end: sep + 3 + m[1]!.length });
    }
    sep = text.indexOf('://', sep + 3);
  }
};

/** Counts taken in one pass over the text, so each detector can tell at once whether the text can hold its kind. */
interface Features {
  readonly digits: number;
  readonly at: boolean;
  readonly colons: number;
  readonly dots: number;
}

function features(t: string): Features {
  let digits = 0;
  let at = false;
  let colons = 0;
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 64) at = true;
    else if (c === 58) colons++;
    else if (c === 46) dots++;
  }
  return { digits, at, colons, dots };
}

/** Each detector with the cheap test that says whether the text can hold its kind at all. */
const DETECTORS: ReadonlyArray<readonly [FindingKind, Detector, (text: string, f: Features) => boolean]> = [
  ['privateKey', privateKey, (t) => t.includes('PRIVATE KEY-----')],
  ['urlCredentials', urlCredentials, (t, f) => f.colons > 0 && t.includes('://')],
  ['jwt', jwt, (t) => t.includes('eyJ')],
  ['awsAccessKey', awsAccessKey, (t) => t.length >= 20 && /A[KSGIRNP][IPSDON]A/.test(t)],
  ['apiKey', apiKey, (t) => /bearer|basic|token|key|secret|pass|pwd|sk_|rk_|whsec_|gh[pousr]_|github_pat_|AIza|xox/i.test(t)],
  ['email', email, (t, f) => f.at || t.includes('%40') || t.includes('%2540')],
  ['iban', iban, (t, f) => f.digits >= 2 && t.length >= 15 && /[A-Z]{2}\d{2}/i.test(t)],
  ['cardNumber', cardNumber, (_t, f) => f.digits >= 13],
  ['ssn', ssn, (_t, f) => f.digits >= 9],
  ['phone', phone, (_t, f) => f.digits >= 8],
  ['ipAddress', ipAddress, (_t, f) => (f.dots >= 3 && f.digits >= 4) || f.colons >= 2],
];

const ALL = new Set<FindingKind>(FINDING_KINDS);

/**
 * Finds personal data and credentials in free text: `{ kind, start, end }` spans, never the text.
 * Checksums and context decide, not bare shape: a Luhn-invalid 16-digit number, an SSN with area
 * 666, an IBAN with a bad checksum, a UUID, a version or a timestamp is not a finding. Every
 * pattern is bounded, so time grows linearly with the text.
 *
 * @example
 * ```ts
 * detect('mail jane@example.com, card 4111 1111 1111 1111');
 * // [{ kind: 'email', start: 5, end: 21 }, { kind: 'cardNumber', start: 28, end: 47 }]
 * ```
 */
export function detect(text: string, options: DetectOptions = {}): Finding[] {
  if (typeof text !== 'string') throw new FieldguardError('ERR_INVALID_OPTIONS', 'detect() takes a string');
  const wanted = options.kinds === undefined ? ALL : new Set(options.kinds);
  const found: Finding[] = [];
  const scan: Scan = { runs: undefined };
  const f = features(text);
  for (const [kind, run, possible] of DETECTORS) if (wanted.has(kind) && possible(text, f)) run(text, found, scan);
  if (found.length <= 1) return found;
  // Overlaps: credentials found in context win over shapes inside them (an email-like "pass@host"
  // inside URL credentials), then the longer span; the result is in text order.
  found.sort((a, b) => PRIORITY[b.kind] - PRIORITY[a.kind] || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Finding[] = [];
  for (const f of found) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
  return kept.sort((a, b) => a.start - b.start);
}

const PRIORITY: Readonly<Record<FindingKind, number>> = {
  privateKey: 5,
  urlCredentials: 4,
  jwt: 4,
  awsAccessKey: 4,
  apiKey: 3,
  email: 1,
  iban: 1,
  cardNumber: 1,
  ssn: 1,
  phone: 0,
  ipAddress: 0,
};

/** Options of {@link redactText}. */
export interface RedactTextOptions extends DetectOptions {
  /** `'mask'` (default: the kind's mask format, credentials `[REDACTED]`), `'redact'` (`[REDACTED]`), or a function. */
  readonly censor?: 'mask' | 'redact' | ((text: string, kind: FindingKind) => string);
}

const MASKS = new Map<FindingKind, (v: string) => unknown>();
function maskOf(kind: FindingKind): (v: string) => unknown {
  let fn = MASKS.get(kind);
  if (fn === undefined) {
    const k = schemaKind(kind);
    const m = defaultMask(k);
    MASKS.set(kind, (fn = (v) => m(v, { path: '', kind: k })));
  }
  return fn;
}

/**
 * Returns `text` with exactly the detected spans replaced; everything else is unchanged.
 *
 * @example
 * ```ts
 * redactText('card 4111 1111 1111 1111'); // 'card **** **** **** 1111'
 * ```
 */
export function redactText(text: string, options: RedactTextOptions = {}): string {
  const findings = detect(text, options);
  if (findings.length === 0) return text;
  const censor = options.censor ?? 'mask';
  let out = '';
  let at = 0;
  for (const f of findings) {
    const span = text.slice(f.start, f.end);
    const replaced = censor === 'redact' ? REDACTED : censor === 'mask' ? String(maskOf(f.kind)(span)) : censor(span, f.kind);
    out += text.slice(at, f.start) + replaced;
    at = f.end;
  }
  return out + text.slice(at);
}

