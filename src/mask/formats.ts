// Mask formats per kind, following PCI DSS for cards and keeping only what a support screen needs.
import { isIPv6 } from 'node:net';
import type { Kind } from '../schema/tags.js';

/** What a mask function is told about the field it masks. */
export interface MaskContext {
  /**
   * Where the value is, in pino syntax. A format of the app's own (`formats`) is told the concrete
   * path — `items[0].email`, `contacts.work.email` — as the log redactor's censor is; the built-in
   * formats are told the schema path (`items[*].email`, `contacts.*.email`).
   */
  readonly path: string;
  /** The field's kind, when its tag names one. */
  readonly kind: Kind | undefined;
}

/** Turns a field's value into its masked form. It must not return the value it was given unchanged. */
export type MaskFn = (value: unknown, context: MaskContext) => unknown;

/** The placeholder for values that have no partial format. */
export const REDACTED = '[REDACTED]';

type CharTest = (code: number) => boolean;

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isAlnum: CharTest = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isLetter: CharTest = (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Whether a code unit is one `\s` matches (ECMAScript WhiteSpace and LineTerminator): the formats
 * below accept the separators the regular expressions they replace accepted, no more.
 */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const STARS = '*'.repeat(64);
function stars(n: number): string {
  return n <= STARS.length ? STARS.slice(0, n) : '*'.repeat(n);
}

/** Longer spans are written run by run; shorter ones as one array of code units (`fromCharCode` takes them as arguments). */
const CODES_AT_ONCE = 256;

/**
 * `text[from, to)` with every code unit passing `test` written `*`, the others as they are. Only
 * ASCII code units pass the tests used here, so a surrogate pair is never split. A tagged value is
 * short: its code units are written at once rather than appended one by one (masks run on every
 * tagged value of every log line); a long one is written as runs of stars and slices.
 */
function starRuns(text: string, from: number, to: number, test: CharTest): string {
  if (to - from <= CODES_AT_ONCE) {
    const codes = new Array<number>(to - from);
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      codes[i - from] = test(c) ? 42 : c;
    }
    return String.fromCharCode.apply(null, codes);
  }
  let out = '';
  let i = from;
  while (i < to) {
    const run = i;
    if (test(text.charCodeAt(i))) {
      while (i < to && test(text.charCodeAt(i))) i++;
      out += stars(i - run);
    } else {
      while (i < to && !test(text.charCodeAt(i))) i++;
      out += text.slice(run, i);
    }
  }
  return out;
}

/** Where the last `keep` ASCII digits of a text begin (its length when `keep` is 0). */
function lastDigitsAt(text: string, keep: number): number {
  let i = text.length;
  for (let seen = 0; seen < keep && i > 0; ) if (isDigit(text.charCodeAt(--i))) seen++;
  return i;
}

/**
 * Every ASCII digit starred but the last `keep`, when the text is digits and `allowed` characters
 * only with at least `min` digits; `[REDACTED]` otherwise (a value with anything else in it is not
 * the number the tag says, and showing it would show the rest).
 */
function starDigits(v: string, allowed: CharTest, min: number, keep: (digits: number) => number): string {
  let digits = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (!allowed(c)) return REDACTED;
  }
  if (digits < min) return REDACTED;
  const end = lastDigitsAt(v, keep(digits));
  return starRuns(v, 0, end, isDigit) + v.slice(end);
}

const cardSeparator: CharTest = (c) => c === 45 || isSpace(c);
// PCI DSS 3.4.1 allows the last four; numbers too short to be cards show nothing.
const cardKeep = (digits: number): number => (digits >= 12 ? 4 : 0);

function maskCard(v: string): string {
  return starDigits(v, cardSeparator, 1, cardKeep);
}

/** Whether `v[from, …)` is a domain: no white space, `@` or `%`, and a dot with a label before it and one (dotless) after it. */
function domainAt(v: string, from: number): boolean {
  let lastDot = -1;
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 64 || c === 37 || isSpace(c)) return false;
    if (c === 46) lastDot = i;
  }
  return lastDot > from && lastDot < v.length - 1;
}

/**
 * One address and nothing else (a URL-encoded `@` kept as it is): the first code point, `***`, and
 * the `@` and domain; anything around it would be shown with the domain, so anything else is
 * `[REDACTED]`. The local part is the shortest run without white space or `@` that an `@` or a
 * `%40` followed by a domain ends (what `^([^\s@]+?)(@|%40)([^\s@%]+\.[^\s@%.]+)$` reads).
 */
function maskEmail(v: string): string {
  for (let k = 1; k < v.length; k++) {
    const c = v.charCodeAt(k - 1);
    // The local part cannot run past white space or an `@`.
    if (c === 64 || isSpace(c)) return REDACTED;
    const at = v.charCodeAt(k) === 64 ? 1 : v.startsWith('%40', k) ? 3 : 0;
    if (at > 0 && domainAt(v, k + at)) return `${String.fromCodePoint(v.codePointAt(0)!)}***${v.slice(k)}`;
  }
  return REDACTED;
}

// `(`, `)`, `+`, `-`, `.` and white space: how phone numbers are written.
const phoneSeparator: CharTest = (c) => c === 40 || c === 41 || c === 43 || c === 45 || c === 46 || isSpace(c);
const phoneKeep = (): number => 2;

function maskPhone(v: string): string {
  return starDigits(v, phoneSeparator, 5, phoneKeep);
}

function maskSsn(v: string): string {
  let digits = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (!cardSeparator(c)) return REDACTED;
  }
  if (digits !== 9) return REDACTED;
  // The last four digits, wherever the separators are.
  let tail = '';
  for (let i = v.length - 1; tail.length < 4; i--) if (isDigit(v.charCodeAt(i))) tail = v[i]! + tail;
  return `***-**-${tail}`;
}

function maskIban(v: string): string {
  // The compact form (white space removed) must read country, check digits, 8–30 alphanumerics.
  let total = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (isSpace(c)) continue;
    if (!(total < 2 ? isLetter(c) : total < 4 ? isDigit(c) : isAlnum(c))) return REDACTED;
    total++;
  }
  if (total < 12 || total > 34) return REDACTED;
  // Keep the country code and the last four; the check digits and the bank code are masked too.
  let from = 0;
  for (let seen = 0; seen < 2; from++) if (isAlnum(v.charCodeAt(from))) seen++;
  let to = v.length;
  for (let seen = 0; seen < 4; ) if (isAlnum(v.charCodeAt(--to))) seen++;
  return v.slice(0, from) + starRuns(v, from, to, isAlnum) + v.slice(to);
}

/** The number of a dotted-quad group of one to three digits at `v[from, to)`, or -1. */
function octet(v: string, from: number, to: number): number {
  if (to - from < 1 || to - from > 3) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = v.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** An IPv4 address's first three groups (`203.0.113.0`), `[REDACTED]` for a group over 255, `undefined` when the text is not four dotted groups. */
function maskIpv4(v: string): string | undefined {
  const d1 = v.indexOf('.');
  const d2 = d1 < 0 ? -1 : v.indexOf('.', d1 + 1);
  const d3 = d2 < 0 ? -1 : v.indexOf('.', d2 + 1);
  if (d3 < 0) return undefined;
  const a = octet(v, 0, d1);
  const b = octet(v, d1 + 1, d2);
  const c = octet(v, d2 + 1, d3);
  const d = octet(v, d3 + 1, v.length);
  if (a < 0 || b < 0 || c < 0 || d < 0) return undefined;
  if (a > 255 || b > 255 || c > 255 || d > 255) return REDACTED;
  return `${a}.${b}.${c}.0`;
}

function maskIp(v: string): string {
  const v4 = maskIpv4(v);
  if (v4 !== undefined) return v4;
  // Only an address `node:net` reads as IPv6: an IPv4 address with its port (`203.0.113.7:443`) has
  // the same characters, and its first three groups would be the whole address.
  if (v.includes(':') && /^[0-9A-Fa-f:.]+$/.test(v) && v.length <= 45 && isIPv6(v)) {
    const [head = ''] = v.split('::');
    const groups = head === '' ? [] : head.split(':');
    if (v.startsWith('::')) return '::';
    return `${groups.slice(0, 3).join(':')}::`;
  }
  return REDACTED;
}

/** Where the first year 1800–2099 not touching another digit begins, or -1. */
function yearAt(v: string): number {
  for (let i = 0; i + 4 <= v.length; i++) {
    const c0 = v.charCodeAt(i);
    const c1 = v.charCodeAt(i + 1);
    if (!((c0 === 49 && (c1 === 56 || c1 === 57)) || (c0 === 50 && c1 === 48))) continue;
    if (!isDigit(v.charCodeAt(i + 2)) || !isDigit(v.charCodeAt(i + 3))) continue;
    if (i > 0 && isDigit(v.charCodeAt(i - 1))) continue;
    if (i + 4 < v.length && isDigit(v.charCodeAt(i + 4))) continue;
    return i;
  }
  return -1;
}

function maskBirthDate(v: string): string {
  const year = yearAt(v);
  if (year < 0) return REDACTED;
  return starRuns(v, 0, year, isDigit) + v.slice(year, year + 4) + starRuns(v, year + 4, v.length, isDigit);
}

const STRING_FORMATS: Partial<Record<Kind, (v: string) => string>> = {
  cardNumber: maskCard,
  email: maskEmail,
  phone: maskPhone,
  ssn: maskSsn,
  iban: maskIban,
  ipAddress: maskIp,
  birthDate: maskBirthDate,
};

/**
 * The default mask for a kind. Strings get the kind's partial format (a card keeps at most its
 * last four digits, an email its first character and domain, …) or `[REDACTED]`; every other
 * value becomes `[REDACTED]`, except `null` and `undefined`, which carry nothing and stay.
 */
export function defaultMask(kind: Kind | undefined): MaskFn {
  const format = kind === undefined ? undefined : STRING_FORMATS[kind];
  return function mask(value: unknown): unknown {
    if (value === null || value === undefined) return value;
    if (typeof value === 'string') return format === undefined ? REDACTED : format(value);
    if (value instanceof Date && format !== undefined && !Number.isNaN(value.getTime())) return format(value.toISOString());
    return REDACTED;
  };
}
