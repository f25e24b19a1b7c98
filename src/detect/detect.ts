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

type Detector = (text: string, out: Finding[]) => void;

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
const LOCAL = /[A-Za-z0-9._%+\-']/;
const DOMAIN = /[A-Za-z0-9.-]/;
const email: Detector = (text, out) => {
  let at = text.indexOf('@');
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < 64 && LOCAL.test(text[s - 1]!)) s--;
    let e = at + 1;
    while (e < text.length && e - at < 254 && DOMAIN.test(text[e]!)) e++;
    while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
    while (s < at && (text[s] === '.' || text[s] === "'")) s++;
    const domain = text.slice(at + 1, e);
    if (s < at && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}$/.test(domain) && !/^\d+(\.\d+)*$/.test(domain)) {
      out.push({ kind: 'email', start: s, end: e });
    }
    at = text.indexOf('@', e > at ? e : at + 1);
  }
};

// Digit runs with spaces or dashes: cards (Luhn), SSNs (SSA rules).
const CARD = /(?<![\d.,/:+-])\d(?:[ -]?\d){12,18}(?![\d/:]|[.,-]\d)/g;
const cardNumber: Detector = (text, out) =>
  each(CARD, text, (m) => {
    const digits = m[0].replace(/\D/g, '');
    const seps = m[0].match(/[ -]/g);
    // Separators, when present, are one kind and group the digits in blocks of 4 (or 4-6-5 for Amex).
    if (seps !== null && (new Set(seps).size > 1 || !/^(\d{4}[ -]){2,4}\d{1,4}$|^\d{4}[ -]\d{6}[ -]\d{4,5}$/.test(m[0]))) return;
    if (luhn(digits)) out.push({ kind: 'cardNumber', start: m.index, end: m.index + m[0].length });
  });

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const ssn: Detector = (text, out) =>
  each(SSN, text, (m) => {
    if (ssnValid(m[1]!, m[3]!, m[4]!)) out.push({ kind: 'ssn', start: m.index, end: m.index + m[0].length });
  });

const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const iban: Detector = (text, out) =>
  each(IBAN, text, (m) => {
    let candidate = m[0];
    // Grouped IBANs end where the groups of four end; try the longest valid prefix of groups.
    while (candidate.length >= 15) {
      const compact = candidate.replace(/ /g, '');
      if (ibanValid(compact)) {
        out.push({ kind: 'iban', start: m.index, end: m.index + candidate.length });
        return;
      }
      const cut = candidate.lastIndexOf(' ');
      if (cut < 0) return;
      candidate = candidate.slice(0, cut);
    }
  });

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;
const ipAddress: Detector = (text, out) => {
  each(IPV4, text, (m) => {
    const before = text.slice(Math.max(0, m.index - 9), m.index).toLowerCase();
    // "v1.2.3.4" and "version 1.2.3.4" are versions, not addresses.
    if (/(?:^|[^a-z])v$|version\s*$/.test(before)) return;
    if (isIPv4(m[0])) out.push({ kind: 'ipAddress', start: m.index, end: m.index + m[0].length });
  });
  each(IPV6, text, (m) => {
    if ((m[0].includes('::') || m[0].split(':').length === 8) && m[0] !== '::' && isIPv6(m[0])) {
      out.push({ kind: 'ipAddress', start: m.index, end: m.index + m[0].length });
    }
  });
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
const phone: Detector = (text, out) => {
  each(PHONE_E164, text, (m) => {
    const digits = m[0].replace(/\D/g, '').length;
    if (digits >= 8 && digits <= 15) out.push({ kind: 'phone', start: m.index, end: m.index + m[0].length });
  });
  each(PHONE_NATIONAL_BOUNDED, text, (m) => {
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
const apiKey: Detector = (text, out) => {
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

const URL_CREDS = /\b[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/([^\s:/?#@]{1,128}:[^\s/?#@]{1,256})@/g;
const urlCredentials: Detector = (text, out) =>
  each(URL_CREDS, text, (m) => {
    const start = m.index + m[0].length - 1 - m[1]!.length;
    out.push({ kind: 'urlCredentials', start, end: start + m[1]!.length });
  });

/** Each detector with the cheap test that says whether the text can hold its kind at all. */
const DETECTORS: ReadonlyArray<readonly [FindingKind, Detector, (text: string) => boolean]> = [
  ['privateKey', privateKey, (t) => t.includes('PRIVATE KEY-----')],
  ['urlCredentials', urlCredentials, (t) => t.includes('://')],
  ['jwt', jwt, (t) => t.includes('eyJ')],
  ['awsAccessKey', awsAccessKey, (t) => /A[KSGIRNP][IPSDON]A/.test(t)],
  ['apiKey', apiKey, (t) => /bearer|basic|token|key|secret|pass|pwd/i.test(t)],
  ['email', email, (t) => t.includes('@')],
  ['iban', iban, (t) => /[A-Z]{2}\d{2}/.test(t)],
  ['cardNumber', cardNumber, hasDigitRun],
  ['ssn', ssn, hasDigitRun],
  ['phone', phone, hasDigitRun],
  ['ipAddress', ipAddress, (t) => t.includes('.') || t.includes(':')],
];

function hasDigitRun(t: string): boolean {
  return /\d\d/.test(t);
}

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
  for (const [kind, run, possible] of DETECTORS) if (wanted.has(kind) && possible(text)) run(text, found);
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

