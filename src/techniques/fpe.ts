// The `fpe` plan action: FF1 under an AES-256 key from the key ring, per-kind formats (digits, cards, emails), tweaked by the position.
import { createHash, hkdfSync } from 'node:crypto';
import { FieldguardError } from '../errors.js';
import { parsePath, type Segment } from '../schema/path.js';
import type { Kind } from '../schema/tags.js';
import { subkeys, type KeyRing } from '../vault/keys.js';
import { FF1 } from './ff1.js';

/**
 * How a value is encrypted so it keeps its format:
 * - `'digits'`: every digit is encrypted (radix 10); separators (spaces, `-`, `+`, `(`, `)`, `.`, `/`) stay
 *   where they are. A value with any other character is refused (`ERR_FPE_UNSUPPORTED_VALUE`).
 * - `'alphanumeric'`: every ASCII letter and digit is encrypted together (radix 62), other printable ASCII
 *   stays in place; a value with characters beyond ASCII is refused.
 * - `'email'`: the local part is encrypted as `'alphanumeric'`, the domain is kept (and bound into the tweak).
 * - `'card'`: a card number's digits; see {@link FpeFormat.keep} and {@link FpeFormat.luhn}.
 */
export type FpeStyle = 'digits' | 'alphanumeric' | 'email' | 'card';

/** The format of one kind or path. */
export interface FpeFormat {
  /** The style. Default: per kind (`cardNumber` → `'card'`, `email` → `'email'`, digit kinds → `'digits'`, others `'alphanumeric'`). */
  readonly style?: FpeStyle;
  /**
   * Cards: which digits stay in clear. `'none'` (default), `'bin'` (the first six), `'last4'`, or
   * `'bin-last4'` (PCI DSS' most: the first six and last four). Kept digits are bound into the tweak.
   */
  readonly keep?: 'none' | 'bin' | 'last4' | 'bin-last4';
  /**
   * Cards whose check digit is not kept (`keep` `'none'` or `'bin'`): the check digit is recomputed so a
   * number that passed the Luhn check still passes it, and one that failed still fails it (the
   * difference is carried, so decryption is exact). Default `true`; `false` encrypts the check digit
   * with the rest.
   */
  readonly luhn?: boolean;
}

/** Options of the `fpe` action and of `decrypt` where it reverses FF1 (`compilePlan({ fpe })`). */
export interface FpeOptions {
  /**
   * Formats by kind. For `decrypt`, a kind listed here (`true` for its default format) marks its
   * positions as holding FF1 ciphertexts: an FF1 ciphertext has the value's own format, so nothing
   * in it says it is one.
   */
  readonly kinds?: Readonly<Partial<Record<Kind, FpeFormat | true>>>;
  /** Formats by path (pino syntax, `*` and `[*]` allowed); a path wins over a kind. Marks positions for `decrypt` the same way. */
  readonly paths?: Readonly<Record<string, FpeFormat | true>>;
  /**
   * The key id FF1 uses. Default: the ring's active key. An FF1 ciphertext has no room for a key id,
   * so values encrypted under one key decrypt only under that key: pin the id across rotations.
   */
  readonly key?: string;
}

interface Resolved {
  readonly style: FpeStyle;
  readonly keep: 'none' | 'bin' | 'last4' | 'bin-last4';
  readonly luhn: boolean;
}

/** The compiled `fpe` option of a plan. */
export interface FpeConfig {
  readonly keys: KeyRing | undefined;
  readonly kid: string | undefined;
  readonly kinds: ReadonlyMap<string, Resolved>;
  readonly paths: ReadonlyArray<readonly [readonly Segment[], FpeFormat | true]>;
}

const DIGIT_KINDS: ReadonlySet<string> = new Set(['ssn', 'phone', 'postalCode', 'birthDate', 'cardCvv', 'ipAddress', 'geo']);

function styleOf(kind: string | undefined): FpeStyle {
  if (kind === 'cardNumber') return 'card';
  if (kind === 'email') return 'email';
  if (kind !== undefined && DIGIT_KINDS.has(kind)) return 'digits';
  return 'alphanumeric';
}

function resolve(kind: string | undefined, f: FpeFormat | true | undefined): Resolved {
  const o = f === true || f === undefined ? {} : f;
  return { style: o.style ?? styleOf(kind), keep: o.keep ?? 'none', luhn: o.luhn ?? true };
}

const STYLES: ReadonlySet<string> = new Set(['digits', 'alphanumeric', 'email', 'card']);
const KEEPS: ReadonlySet<string> = new Set(['none', 'bin', 'last4', 'bin-last4']);

function checkFormat(where: string, f: unknown): void {
  if (f === true) return;
  if (f === null || typeof f !== 'object') throw new FieldguardError('ERR_INVALID_OPTIONS', `fpe.${where} must be true or { style?, keep?, luhn? }`);
  const o = f as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['style', 'keep', 'luhn'].includes(k)) throw new FieldguardError('ERR_INVALID_OPTIONS', `fpe.${where}: unknown option ${JSON.stringify(k)}; use style, keep or luhn`);
  if (o['style'] !== undefined && !STYLES.has(o['style'] as string)) throw new FieldguardError('ERR_INVALID_OPTIONS', `fpe.${where}.style must be digits, alphanumeric, email or card`);
  if (o['keep'] !== undefined && !KEEPS.has(o['keep'] as string)) throw new FieldguardError('ERR_INVALID_OPTIONS', `fpe.${where}.keep must be none, bin, last4 or bin-last4`);
  if (o['luhn'] !== undefined && typeof o['luhn'] !== 'boolean') throw new FieldguardError('ERR_INVALID_OPTIONS', `fpe.${where}.luhn must be a boolean`);
}

/** Compiles a plan's `fpe` option once, at start-up: formats validated, paths parsed, the key id checked. */
export function compileFpe(options: FpeOptions | undefined, keys: KeyRing | undefined): FpeConfig {
  const kinds = new Map<string, Resolved>();
  for (const [kind, f] of Object.entries(options?.kinds ?? {})) {
    if (f === undefined) continue;
    checkFormat(`kinds.${kind}`, f);
    kinds.set(kind, resolve(kind, f));
  }
  const paths: Array<readonly [readonly Segment[], FpeFormat | true]> = [];
  for (const [path, f] of Object.entries(options?.paths ?? {})) {
    checkFormat(`paths[${JSON.stringify(path)}]`, f);
    paths.push([parsePath(path), f]);
  }
  const kid = options?.key;
  if (kid !== undefined && keys !== undefined && subkeys(keys, kid) === undefined) {
    throw new FieldguardError('ERR_INVALID_KEY', `fpe.key names the key ${JSON.stringify(kid)}, which is not in the ring`);
  }
  return { keys, kid, kinds, paths };
}

/** What the plan walk tells this module about a position: its label's edges and its kind. */
export interface FpeSite {
  /** The position's label (`customer.card`, `items[*].card`), for path formats and the tweak. */
  readonly label: string;
  readonly kind: Kind | undefined;
}

const bySite = new WeakMap<FpeConfig, Map<string, Resolved | null>>();

function labelSegments(label: string): Segment[] {
  return label === '' ? [] : parsePath(label);
}

function matches(pattern: readonly Segment[], at: readonly Segment[]): boolean {
  if (pattern.length !== at.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = at[i]!;
    if ('any' in p || 'deep' in p) continue;
    if (!('key' in a) || a.key !== p.key) return false;
  }
  return true;
}

/** The format declared for a position (a path format, else a kind format), or `null` when `fpe` names neither. */
function declared(config: FpeConfig, site: FpeSite): Resolved | null {
  let cache = bySite.get(config);
  if (cache === undefined) bySite.set(config, (cache = new Map()));
  const key = `${site.label}\0${site.kind ?? ''}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let found: Resolved | null = null;
  if (config.paths.length > 0) {
    const at = labelSegments(site.label);
    const m = config.paths.find(([p]) => matches(p, at));
    if (m !== undefined) found = resolve(site.kind, m[1]);
  }
  if (found === null && site.kind !== undefined) found = config.kinds.get(site.kind) ?? null;
  if (cache.size < 4096) cache.set(key, found);
  return found;
}

/** Whether `decrypt` reverses FF1 at this position: the plan's `fpe` option names its path or kind. */
export function fpeDeclared(config: FpeConfig, site: FpeSite): boolean {
  return declared(config, site) !== null;
}

const ciphers = new WeakMap<KeyRing, Map<string, Map<number, FF1>>>();

/** The FF1 instance of a key id and radix: AES-256 under a key derived from the id's encryption subkey, for FF1 only. */
function cipherFor(ring: KeyRing, kid: string, radix: number): FF1 {
  let byKid = ciphers.get(ring);
  if (byKid === undefined) ciphers.set(ring, (byKid = new Map()));
  let byRadix = byKid.get(kid);
  if (byRadix === undefined) byKid.set(kid, (byRadix = new Map()));
  let ff1 = byRadix.get(radix);
  if (ff1 === undefined) {
    const sub = subkeys(ring, kid);
    if (sub === undefined) throw new FieldguardError('ERR_INVALID_KEY', `the FF1 key ${JSON.stringify(kid)} is not in the ring`);
    const key = Buffer.from(hkdfSync('sha256', sub.encrypt, Buffer.alloc(0), 'fieldguard/v1/fpe-key', 32));
    ff1 = new FF1(key, radix);
    key.fill(0);
    byRadix.set(radix, ff1);
  }
  return ff1;
}

const DIGITS = '0123456789';
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SEPARATORS = /^[\s\-+().\/]$/;

function unsupported(site: FpeSite, why: string): never {
  throw new FieldguardError('ERR_FPE_UNSUPPORTED_VALUE', `fpe at ${site.label || 'the root'}${site.kind ? ` (${site.kind})` : ''}: ${why}`, { paths: [site.label] });
}

/** The tweak: the position, the kind, the style, and whatever stays in clear — a value moved elsewhere does not decrypt to the original. */
function tweakOf(site: FpeSite, style: FpeStyle, kept: string): Buffer {
  // The tweak is public by design; hashing it keeps it one AES block long whatever the path's length.
  return createHash('sha256').update('fieldguard/v1/fpe-tweak\0').update(`${site.label}\0${site.kind ?? ''}\0${style}\0${kept}`).digest().subarray(0, 16);
}

/** Encrypts or decrypts the characters of `text` that belong to `alphabet`, leaving the rest in place. */
function transformChars(ff1: FF1, text: string, alphabet: string, tweak: Buffer, decrypt: boolean, site: FpeSite, allowed: (c: string) => boolean): string {
  const chars = [...text];
  const idx: number[] = [];
  const numerals: number[] = [];
  chars.forEach((c, i) => {
    const d = alphabet.indexOf(c);
    if (d >= 0 && c.length === 1) {
      idx.push(i);
      numerals.push(d);
    } else if (!allowed(c)) {
      unsupported(site, 'the value has characters this format cannot encrypt; use encrypt or tokenize for it');
    }
  });
  const out = decrypt ? ff1.decrypt(numerals, tweak) : ff1.encrypt(numerals, tweak);
  idx.forEach((at, j) => (chars[at] = alphabet[out[j]!]!));
  return chars.join('');
}

/** Luhn check digit of a digit string (the digit that would make `body + digit` pass). */
function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = body.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = body.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function card(ff1: FF1, text: string, f: Resolved, site: FpeSite, decrypt: boolean): string {
  const chars = [...text];
  const at: number[] = [];
  chars.forEach((c, i) => {
    if (c >= '0' && c <= '9') at.push(i);
    else if (!SEPARATORS.test(c)) unsupported(site, 'a card number holds digits and separators only');
  });
  const digits = at.map((i) => chars[i]!).join('');
  const n = digits.length;
  const head = f.keep === 'bin' || f.keep === 'bin-last4' ? 6 : 0;
  const tail = f.keep === 'last4' || f.keep === 'bin-last4' ? 4 : 0;
  const luhn = f.luhn && tail === 0;
  const end = n - tail - (luhn ? 1 : 0);
  if (end - head < 1) throw new FieldguardError('ERR_FPE_DOMAIN_TOO_SMALL', `fpe at ${site.label || 'the root'} (card): nothing is left to encrypt after the kept digits`, { paths: [site.label] });
  const kept = digits.slice(0, head) + '|' + digits.slice(n - tail);
  const middle = [...digits.slice(head, end)].map(Number);
  const moved = (decrypt ? ff1.decrypt(middle, tweakOf(site, 'card', kept)) : ff1.encrypt(middle, tweakOf(site, 'card', kept))).join('');
  let outDigits = digits.slice(0, head) + moved + digits.slice(end);
  if (luhn) {
    // The offset of the check digit from its Luhn value is carried over, so validity is preserved and decryption exact.
    const body = digits.slice(0, end);
    const offset = (Number(digits[n - 1]) - luhnDigit(body) + 10) % 10;
    const newBody = outDigits.slice(0, end);
    outDigits = newBody + String((luhnDigit(newBody) + offset) % 10);
  }
  at.forEach((i, j) => (chars[i] = outDigits[j]!));
  return chars.join('');
}

/** A DNS host name: letter-digit-hyphen labels of 1–63 characters, at least two, the last (the TLD) holding a letter. */
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function email(ff1: FF1, text: string, site: FpeSite, decrypt: boolean): string {
  const atSign = text.lastIndexOf('@');
  if (atSign <= 0 || atSign === text.length - 1) unsupported(site, 'the value is not an email address');
  const local = text.slice(0, atSign);
  const domain = text.slice(atSign);
  // The domain stays in clear, so it must be one: text after an `@` (a card, an address literal) would leave as it is.
  if (domain.length > 254 || !HOSTNAME.test(domain.slice(1))) unsupported(site, 'the part after the @ is not a domain name, and it would be kept in clear');
  const tweak = tweakOf(site, 'email', domain.toLowerCase());
  return transformChars(ff1, local, ALNUM, tweak, decrypt, site, (c) => /^[!#$%&'*+\-/=?^_`{|}~.]$/.test(c)) + domain;
}

/** FF1 over one value at one position, in either direction. Strings only; a number is taken as its decimal text. */
function apply(config: FpeConfig, value: unknown, site: FpeSite, decrypt: boolean, f: Resolved): unknown {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) text = String(value);
  else if (value === null || value === undefined) return value;
  else return unsupported(site, 'FPE takes strings and non-negative integers');
  try {
    return styled(config, text, site, decrypt, f);
  } catch (e) {
    // FF1's own refusal names no position; the plan's names the path and kind, never the value.
    if (e instanceof FieldguardError && e.code === 'ERR_FPE_DOMAIN_TOO_SMALL' && e.paths === undefined) {
      throw new FieldguardError('ERR_FPE_DOMAIN_TOO_SMALL', `fpe at ${site.label || 'the root'}${site.kind ? ` (${site.kind})` : ''}: ${e.message}`, { paths: [site.label] });
    }
    throw e;
  }
}

function styled(config: FpeConfig, text: string, site: FpeSite, decrypt: boolean, f: Resolved): string {
  const ring = config.keys!;
  const kid = config.kid ?? ring.active;
  switch (f.style) {
    case 'card':
      return card(cipherFor(ring, kid, 10), text, f, site, decrypt);
    case 'email':
      return email(cipherFor(ring, kid, 62), text, site, decrypt);
    case 'digits':
      return transformChars(cipherFor(ring, kid, 10), text, DIGITS, tweakOf(site, 'digits', ''), decrypt, site, (c) => SEPARATORS.test(c));
    case 'alphanumeric':
      return transformChars(cipherFor(ring, kid, 62), text, ALNUM, tweakOf(site, 'alphanumeric', ''), decrypt, site, (c) => c >= ' ' && c <= '~');
  }
}

/**
 * The `fpe` action on one value: the position's declared format, else its kind's default. Throws
 * `ERR_FPE_DOMAIN_TOO_SMALL` when fewer than a million values share its format (six digits, four
 * letters or digits), `ERR_FPE_UNSUPPORTED_VALUE` when it does not fit its format. Messages name the path and kind only.
 */
export function fpeEncrypt(config: FpeConfig, value: unknown, site: FpeSite): unknown {
  return apply(config, value, site, false, declared(config, site) ?? resolve(site.kind, undefined));
}

/** Reverses {@link fpeEncrypt} at a position `fpe` names; a value that does not fit the format is returned as it is (`undefined`). */
export function fpeDecrypt(config: FpeConfig, value: string, site: FpeSite): string | undefined {
  const f = declared(config, site);
  if (f === null) return undefined;
  try {
    return apply(config, value, site, true, f) as string;
  } catch (e) {
    if (e instanceof FieldguardError && (e.code === 'ERR_FPE_UNSUPPORTED_VALUE' || e.code === 'ERR_FPE_DOMAIN_TOO_SMALL')) return undefined;
    throw e;
  }
}

/** Kinds whose values never reach FF1's minimum domain (a CVV has 3 or 4 digits): an `fpe` rule on them is refused at start-up. */
const TOO_SMALL: ReadonlySet<string> = new Set(['cardCvv']);

/** Start-up check of a compiled plan: an `fpe` node of a kind that can never reach a million values fails with `ERR_FPE_DOMAIN_TOO_SMALL`. */
export function checkFpeKinds(nodes: ReadonlyArray<{ readonly action: string; readonly kind: Kind | undefined }>): void {
  for (const n of nodes) {
    if (n.action === 'fpe' && n.kind !== undefined && TOO_SMALL.has(n.kind)) {
      throw new FieldguardError('ERR_FPE_DOMAIN_TOO_SMALL', `fpe on ${n.kind} is refused: its values have fewer than a million possibilities (NIST SP 800-38G Rev. 1); drop it instead`);
    }
  }
}
