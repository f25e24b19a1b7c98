// Free-text detectors: one pass per family over the text, each bounded, then overlaps resolved by one sort and one sweep.
import { FieldguardError } from '../errors.js';
import type { Kind } from '../schema/tags.js';
import { defaultMask, REDACTED } from '../mask/formats.js';
import { FINDING_KINDS, type Finding, type FindingKind } from './finding.js';
import { emails, ipAddresses } from './addresses.js';
import { numbers } from './numbers.js';
import { ibans } from './iban.js';
import { awsKeys, jwts, prefixedKeys, privateKeys, urlCredentials } from './secrets.js';
import { contextSecrets } from './context.js';

export { FINDING_KINDS, type Finding, type FindingKind };

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

/** What one pass over the characters tells: which families can have anything to find. */
interface Features {
  digits: number;
  at: boolean;
  colons: number;
  dots: number;
  /** `=`, `%`, `&`, `\\`: a key/value pair, an encoded `@`, an escape. */
  marks: boolean;
  /** A digit, space or dash outside ASCII was seen (`foldNumbers` changes the text), or the pass stopped early. */
  wide: boolean;
  /** 15 characters a provider key is written with in a row (`holdsKeyRun`), or the pass stopped early. */
  keyRun: boolean;
}

// What each ASCII character counts as in `features`: one look-up where a chain of comparisons was.
const DIGIT = 1;
const DOT = 2;
const COLON = 4;
const AT = 8;
const MARK = 16;
/** A character provider keys are written with: letters, digits, `_ - . + / =` (`isKeyCode` in secrets.ts). */
const KEY = 32;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const key = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46 || c === 43 || c === 47 || c === 61;
  ASCII_CLASS[c] =
    (c >= 48 && c <= 57 ? DIGIT : c === 46 ? DOT : c === 58 ? COLON : c === 64 ? AT : c === 61 || c === 37 || c === 38 || c === 92 ? MARK : 0) | (key ? KEY : 0);
}

/** One pass over the characters: the counts and flags the families' gates read (exported for its property test). */
export function features(t: string): Features {
  let digits = 0;
  let at = false;
  let colons = 0;
  let dots = 0;
  let marks = false;
  let wide = false;
  let run = 0;
  let keyRun = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c > 127) {
      // Only a digit, space or dash of another script makes the folded text differ (é, ü, 李 do not).
      if (!wide && numberChar(c) !== 1) wide = true;
      run = 0;
      continue;
    }
    const k = ASCII_CLASS[c]!;
    if ((k & KEY) === 0) run = 0;
    else if (++run >= 15) keyRun = true;
    if ((k & ~KEY) === 0) continue;
    if (k & DIGIT) digits++;
    else if (k & DOT) dots++;
    else if (k & COLON) colons++;
    else if (k & AT) at = true;
    else marks = true;
    // Once every gate is open, counting further changes nothing (what follows is unseen: it may be wide, or hold a key run).
    if (digits >= 13 && at && colons >= 2 && dots >= 3 && marks) {
      wide = true;
      keyRun = true;
      break;
    }
  }
  return { digits, at, colons, dots, marks, wide, keyRun };
}

type Wanted = ReadonlySet<FindingKind>;

const ND = /\p{Nd}/u;
const ZS = /\p{Zs}/u;
const PD = /\p{Pd}/u;

/**
 * What each code unit outside ASCII reads as in a number, learnt the first time it is seen: 0 not
 * yet seen, 1 nothing (left as it is), 2 a space, 3 a dash, 10–19 the digit 0–9. Surrogates are
 * never read (a digit beyond the BMP is two code units and stays as it is), so 64 KiB cover all.
 */
const NUMBER_CHAR = new Uint8Array(0x10000);

/** The ASCII digit of a decimal digit of any script: digits come in runs of ten, zero first (a Unicode guarantee). */
function digitValue(code: number): number {
  let low = code;
  while (low > 0 && ND.test(String.fromCharCode(low - 1))) low--;
  return (code - low) % 10;
}

function numberChar(code: number): number {
  let v = NUMBER_CHAR[code]!;
  if (v === 0) {
    const ch = String.fromCharCode(code);
    v = code >= 0xd800 && code <= 0xdfff ? 1 : ND.test(ch) ? 10 + digitValue(code) : ZS.test(ch) ? 2 : PD.test(ch) ? 3 : 1;
    NUMBER_CHAR[code] = v;
  }
  return v;
}

/**
 * The text with the digits, spaces and dashes numbers are printed with outside ASCII (full-width
 * `４１１１`, Arabic-Indic digits, U+00A0 or U+202F between groups, en dashes) read as their ASCII
 * forms, one code unit for one, so every span found in it is the same span of the original text.
 * Characters of two code units (digits beyond the BMP) are left as they are. One pass over the code
 * units, each outside ASCII looked up once per process, where a pattern tried its class at every
 * position.
 */
export function foldNumbers(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) continue;
    const v = numberChar(c);
    if (v === 1) continue;
    out += text.slice(from, i) + (v === 2 ? ' ' : v === 3 ? '-' : String.fromCharCode(38 + v));
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

function run(text: string, wanted: Wanted, out: Finding[]): void {
  // Numbers are read in the folded text (same length, same offsets): a card grouped by no-break spaces is still a card.
  // An ASCII text is its own folded form: the one pass that counts tells it, and only other text is folded and counted again.
  let f = features(text);
  let folded = text;
  if (f.wide) {
    folded = foldNumbers(text);
    if (folded !== text) f = features(folded);
  }
  // A text with no digit, "@", ":", "=", "%", "&" or "\\" can hold only a provider-prefixed key,
  // a JWT or a PEM header: three cheap looks, and most log text is done here.
  const rich = f.digits > 0 || f.at || f.colons > 0 || f.marks;
  if (wanted.has('privateKey') && text.includes('PRIVATE KEY')) privateKeys(text, out);
  if (wanted.has('jwt') && text.includes('eyJ')) jwts(text, out);
  if (wanted.has('apiKey')) {
    prefixedKeys(text, out, f.keyRun);
    if (rich) contextSecrets(text, out);
  }
  if (!rich) return;
  if (wanted.has('urlCredentials') && f.at && f.colons > 0 && text.includes('://')) urlCredentials(text, out);
  if (wanted.has('awsAccessKey') && text.length >= 20) awsKeys(text, out);
  if (wanted.has('email') && (f.at || (f.marks && (text.includes('%40') || text.includes('%2540') || text.includes('&#') || text.includes('\\u0040'))))) emails(text, out, f.marks);
  if (wanted.has('iban') && f.digits >= 2 && text.length >= 15) ibans(text, out);
  const card = wanted.has('cardNumber') && f.digits >= 12;
  const ssn = wanted.has('ssn') && f.digits >= 9;
  const phone = wanted.has('phone') && f.digits >= 7;
  if (card || ssn || phone) numbers(folded, out, card, ssn, phone);
  if (wanted.has('ipAddress') && ((f.dots >= 3 && f.digits >= 4) || f.colons >= 2)) ipAddresses(text, out);
}

/** Which kind wins where findings overlap: credentials found in context over the shapes inside them. */
const PRIORITY: Readonly<Record<FindingKind, number>> = {
  privateKey: 6,
  urlCredentials: 5,
  jwt: 5,
  awsAccessKey: 5,
  apiKey: 4,
  cardNumber: 3,
  iban: 3,
  email: 2,
  ssn: 2,
  phone: 1,
  ipAddress: 0,
};

/** Text order: by start, the longer first where two start together. */
const byPosition = (a: Finding, b: Finding): number => a.start - b.start || b.end - a.end;

/**
 * Sorts findings in text order, stably, as `Array.prototype.sort` with {@link byPosition} does: by
 * insertion for the few findings a log value holds (no comparator calls through the engine's sort).
 */
function sortFindings(found: Finding[]): void {
  if (found.length > 16) {
    found.sort(byPosition);
    return;
  }
  for (let i = 1; i < found.length; i++) {
    const f = found[i]!;
    let j = i - 1;
    while (j >= 0 && byPosition(found[j]!, f) > 0) {
      found[j + 1] = found[j]!;
      j--;
    }
    found[j + 1] = f;
  }
}

/** The one finding that stands for the overlapping findings `found[from..to)`, which span `[start of the first, clusterEnd)`. */
function clusterOf(found: readonly Finding[], from: number, to: number, clusterEnd: number): Finding {
  if (to - from === 1) return found[from]!;
  const start = found[from]!.start;
  let best: Finding | undefined;
  let top: FindingKind = found[from]!.kind;
  for (let i = from; i < to; i++) {
    const f = found[i]!;
    if (PRIORITY[f.kind] > PRIORITY[top]) top = f.kind;
    if (f.start === start && f.end === clusterEnd && (best === undefined || PRIORITY[f.kind] > PRIORITY[best.kind])) best = f;
  }
  return best ?? { kind: top, start, end: clusterEnd };
}

/**
 * Overlaps, by one sort and one sweep: findings that overlap form a cluster. A finding covering
 * the whole cluster stands for it (the highest priority among those that do); otherwise the
 * cluster's whole extent is one finding of its highest-priority kind, so no part of any detected
 * value is left in clear.
 */
export function resolve(found: Finding[]): Finding[] {
  if (found.length <= 1) return found;
  sortFindings(found);
  const kept: Finding[] = [];
  let first = 0;
  let end = found[0]!.end;
  for (let i = 1; i < found.length; i++) {
    const f = found[i]!;
    if (f.start < end) {
      if (f.end > end) end = f.end;
      continue;
    }
    kept.push(clusterOf(found, first, i, end));
    first = i;
    end = f.end;
  }
  kept.push(clusterOf(found, first, found.length, end));
  return kept;
}

const ALL: Wanted = new Set<FindingKind>(FINDING_KINDS);

/**
 * Finds personal data and credentials in free text: `{ kind, start, end }` spans, never the text,
 * in text order, never overlapping. Checksums, numbering plans and context decide, not bare shape:
 * a Luhn-invalid 16-digit number, an SSN with area 666, an IBAN with a bad checksum, a UUID, a
 * version, a loopback address or a timestamp is not a finding. Every family reads the text in
 * one bounded pass, so time grows linearly with the text.
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
  run(text, wanted, found);
  return resolve(found);
}

/**
 * Whether a text could hold any finding at all: false for text with no digit (of any script), "@", ":", "=", "%",
 * "&", "\\" and no provider key, JWT or PEM marker — a cheap test before {@link detect}.
 *
 * @example
 * ```ts
 * mayHoldFinding('request completed'); // false
 * ```
 */
export function mayHoldFinding(text: string): boolean {
  let wide = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 58) || c === 64 || c === 61 || c === 37 || c === 38 || c === 92) return true;
    if (c > 127) wide = true;
  }
  // Digits of other scripts (full-width ４１１１) are read as digits by the number detectors.
  if (wide && ND.test(text)) return true;
  return text.includes('eyJ') || text.includes('PRIVATE KEY') || detect(text, { kinds: ['apiKey'] }).length > 0;
}

/** `YYYY-MM-DD`, `YYYY-MM-DDTHH:mm:ssZ` or `YYYY-MM-DDTHH:mm:ss.sssZ`: a date or a time as `toISOString` writes it. */
function isoDate(t: string): boolean {
  const n = t.length;
  if (n !== 10 && n !== 20 && n !== 24) return false;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    const ok =
      i === 4 || i === 7 ? c === 45 : i === 10 ? c === 84 : i === 13 || i === 16 ? c === 58 : i === n - 1 && n > 10 ? c === 90 : i === 19 ? c === 46 : c >= 48 && c <= 57;
    if (!ok) return false;
  }
  return true;
}

/**
 * Text of any length in which no detector has a start: ASCII (digits and separators of other
 * scripts are read as numbers) with no digit (cards, SSNs, phones, IBANs, IPs, AWS key ids), none of
 * `@ : = % & \\` (addresses, key/value secrets, URL credentials, encodings), no run of 14 of
 * `[A-Za-z_-]` (every provider-prefixed key without a digit is a longer run: `xoxb-` and ten more),
 * no run of 24 base64 characters (what the base64 search decodes), and none of `eyJ` (a JWT),
 * `PRIVATE KEY` (a PEM block), `whsec_` (a webhook secret, whose alphabet has `+` and `/`) and
 * `hooks` (a webhook URL). With no digit, `%` or `+`, the log scanner's readings are the text
 * itself. Without `@`, `:` and the marks, `detect` runs only those three families on such text.
 */
function plainProse(t: string): boolean {
  let word = 0;
  let base64 = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c > 127 || (c >= 48 && c <= 57) || c === 64 || c === 58 || c === 61 || c === 37 || c === 38 || c === 92) return false;
    const key = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    word = key ? word + 1 : 0;
    base64 = key || c === 43 || c === 47 ? base64 + 1 : 0;
    if (word >= 14 || base64 >= 24) return false;
  }
  return !t.includes('eyJ') && !t.includes('PRIVATE KEY') && !t.includes('whsec_') && !t.includes('hooks');
}

/**
 * Whether no detector could find anything in a text, nor in the readings the log scanner adds
 * (percent-decoding needs a "%", and spacing out `+`, `-`, `_`, `.` next to digits keeps the length
 * and the digits): either shorter than 14 characters (the shortest provider key, JWT, scheme token,
 * IBAN, AWS key id or base64 run is longer), with no "@", ":", "=", "%", "&" or "\\", fewer than
 * seven digits (no phone, SSN or card) and not four digits with three dots (IPv4); or a date or
 * time exactly as `toISOString` writes it (`2026-11-29`, `2026-11-29T10:15:30.000Z`), which no
 * family reads as one of its values; or prose with no digit and none of those characters, no long
 * token and no marker of a JWT, PEM block or webhook (`request completed`, `application/json`).
 * Each condition is stricter than the gate {@link detect} applies to the same family, so this never
 * answers `true` for a text in which `detect` finds something. The scanners ask it before every
 * string and key.
 *
 * @example
 * ```ts
 * surelyClean('ord_100007'); // true
 * surelyClean('2026-11-29T10:15:30.000Z'); // true
 * surelyClean('order created for the customer'); // true
 * surelyClean('+4930123456'); // false
 * ```
 */
export function surelyClean(text: string): boolean {
  if (text.length >= 14) return isoDate(text) || plainProse(text);
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46) dots++;
    else if (c === 64 || c === 58 || c === 61 || c === 37 || c === 38 || c === 92) return false;
    // Non-ASCII text may hold digits or separators of other scripts (full-width digits, no-break spaces): the detectors read it.
    else if (c > 127) return false;
  }
  return (digits < 7 && (digits < 4 || dots < 3)) || isoDate(text);
}

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

