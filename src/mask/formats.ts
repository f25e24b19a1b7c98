// Mask formats per kind, following PCI DSS for cards and keeping only what a support screen needs.
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

/**
 * Replaces every ASCII character passing `test` with `*`, except the last `keep` of them. Only
 * ASCII code units are ever replaced, so a surrogate pair is never split.
 */
function starAllBut(text: string, test: CharTest, keep: number): string {
  let total = 0;
  for (let i = 0; i < text.length; i++) if (test(text.charCodeAt(i))) total++;
  let seen = 0;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (test(code)) {
      seen++;
      out += seen > total - keep ? text[i] : '*';
    } else {
      out += text[i];
    }
  }
  return out;
}

function maskCard(v: string): string {
  const digits = v.replace(/\D/g, '').length;
  if (digits === 0 || /[^\d\s-]/.test(v)) return REDACTED;
  // PCI DSS 3.4.1 allows the last four; numbers too short to be cards show nothing.
  return starAllBut(v, isDigit, digits >= 12 ? 4 : 0);
}

/** One address and nothing else (a URL-encoded `@` kept as it is); anything around it would be shown with the domain. */
const ONE_EMAIL = /^([^\s@]+?)(@|%40)([^\s@%]+\.[^\s@%.]+)$/u;

function maskEmail(v: string): string {
  const m = ONE_EMAIL.exec(v);
  if (m === null) return REDACTED;
  const first = String.fromCodePoint(m[1]!.codePointAt(0)!);
  return `${first}***${m[2]}${m[3]}`;
}

function maskPhone(v: string): string {
  const digits = v.replace(/\D/g, '').length;
  if (digits < 5 || /[^\d\s()+.-]/.test(v)) return REDACTED;
  return starAllBut(v, isDigit, 2);
}

function maskSsn(v: string): string {
  const digits = v.replace(/\D/g, '');
  if (digits.length !== 9 || /[^\d\s-]/.test(v)) return REDACTED;
  return `***-**-${digits.slice(5)}`;
}

function maskIban(v: string): string {
  const compact = v.replace(/\s/g, '');
  if (!/^[A-Za-z]{2}\d{2}[A-Za-z0-9]{8,30}$/.test(compact)) return REDACTED;
  // Keep the country code and the last four; the check digits and the bank code are masked too.
  let kept = 0;
  let out = '';
  const total = compact.length;
  for (const c of v) {
    if (!isAlnum(c.charCodeAt(0))) {
      out += c;
      continue;
    }
    out += kept < 2 || kept >= total - 4 ? c : '*';
    kept++;
  }
  return out;
}

function maskIp(v: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (v4 !== null) {
    const parts = v4.slice(1, 4).map(Number);
    if (parts.some((p) => p > 255) || Number(v4[4]) > 255) return REDACTED;
    return `${parts.join('.')}.0`;
  }
  if (v.includes(':') && /^[0-9A-Fa-f:.]+$/.test(v) && v.length <= 45) {
    const [head = ''] = v.split('::');
    const groups = head === '' ? [] : head.split(':');
    if (v.startsWith('::')) return '::';
    return `${groups.slice(0, 3).join(':')}::`;
  }
  return REDACTED;
}

function maskBirthDate(v: string): string {
  const year = /(?<!\d)(1[89]\d\d|20\d\d)(?!\d)/.exec(v);
  if (year === null) return REDACTED;
  return v.slice(0, year.index).replace(/\d/g, '*') + year[1] + v.slice(year.index + 4).replace(/\d/g, '*');
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
