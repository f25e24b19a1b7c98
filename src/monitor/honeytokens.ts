// Honeytokens: decoy values no legitimate flow sends, minted here and searched for in every outbound body, query and header.
import { randomBytes, randomInt } from 'node:crypto';
import { FieldguardError } from '../errors.js';
import { decodePercent } from '../detect/url.js';
import { compileMatcher, type Matcher, type Pattern } from './matcher.js';

/** The shapes of decoy a monitor mints. */
export type HoneytokenKind = 'cardNumber' | 'email' | 'apiKey';

/** Options of `monitor.honeytoken()`. */
export interface HoneytokenOptions {
  /** `'cardNumber'` (a Luhn-valid 16-digit number), `'email'` (at `domain`) or `'apiKey'` (a secret-key-shaped string). */
  readonly kind: HoneytokenKind;
  /** For `'email'`: a domain you own, so that mail to the decoy reaches you. Required for emails. */
  readonly domain?: string;
  /** A name for the decoy that alerts may carry (`'crm-record-17'`); never the decoy itself. Default: the kind. */
  readonly label?: string;
}

/** One decoy, as the set keeps it. */
export interface Honeytoken {
  readonly value: string;
  readonly kind: HoneytokenKind;
  readonly label: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function luhnDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function base62(n: number): string {
  let s = '';
  for (const b of randomBytes(n)) s += BASE62[b % 62];
  return s;
}

/** A fresh decoy value of a kind. */
export function mintValue(o: HoneytokenOptions): string {
  if (o.kind === 'cardNumber') {
    let body = '4';
    for (let i = 0; i < 14; i++) body += String(randomInt(10));
    return body + String(luhnDigit(body));
  }
  if (o.kind === 'email') {
    if (o.domain === undefined || !/^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i.test(o.domain)) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', "monitor.honeytoken({ kind: 'email' }) needs a domain you own: { kind: 'email', domain: 'example.com' }");
    }
    return `${base62(10).toLowerCase()}@${o.domain.toLowerCase()}`;
  }
  if (o.kind === 'apiKey') return `sk_live_${base62(32)}`;
  throw new FieldguardError('ERR_INVALID_OPTIONS', "monitor.honeytoken(): kind is 'cardNumber', 'email' or 'apiKey'");
}

/** The part of a value's base64 form that does not depend on the bytes around it, for each of the three alignments. */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let a = 0; a < 3; a++) {
    const text = Buffer.concat([Buffer.alloc(a), bytes, Buffer.alloc(3)]).toString('base64');
    const from = Math.ceil((8 * a) / 6);
    const to = Math.floor((8 * (a + bytes.length)) / 6);
    const core = text.slice(from, to);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** Every form a decoy may travel in: as it is, URL-encoded (either hex case, `+` for space) and base64 / base64url at any alignment. */
export function formsOf(value: string): string[] {
  const encoded = encodeURIComponent(value);
  const lower = encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const forms = new Set([value, encoded, lower, ...base64Forms(value)]);
  // A form body or query writes a space as `+`.
  if (value.includes(' ')) forms.add(encoded.replace(/%20/g, '+')).add(lower.replace(/%20/g, '+'));
  return [...forms];
}

/** The separators a card is printed or typed with between its groups of four: space, no-break spaces, dash, dot. */
const CARD_SEPARATORS = [' ', '-', '.', '\u00a0', '\u202f'];

/**
 * How a decoy may be written before it is encoded: as minted, and a card number also in groups of
 * four digits split by one separator throughout (space, dash, dot, a no-break space), as cards are
 * printed and typed (the same card to whoever reads it). Groups split by mixed or other separators
 * are found by {@link groupedCard} in the text as it travels (not in its base64 forms).
 */
export function spellingsOf(t: Pick<Honeytoken, 'value' | 'kind'>): string[] {
  if (t.kind !== 'cardNumber') return [t.value];
  return [t.value, ...CARD_SEPARATORS.map((sep) => t.value.replace(/(\d{4})(?=\d)/g, `$1${sep}`))];
}

/** Whether a character may stand between two groups of a card: spaces of any width, dashes of any script, a dot, a slash, `+`, `_`. */
export function separator(c: number): boolean {
  if (c < 128) return c === 32 || c === 45 || c === 46 || c === 47 || c === 43 || c === 95 || (c >= 9 && c <= 13);
  return c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || (c >= 0x2010 && c <= 0x2015) || c === 0x202f || c === 0x205f || c === 0x2212 || c === 0x3000;
}

const hex = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/** The width of a separator URL-encoded (`%C2%A0` is two) or written as a JSON escape (`\u00a0`) at `i`, or 0. */
export function escapedAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 37 && hex(text.charCodeAt(i + 1)) && hex(text.charCodeAt(i + 2))) return 3;
  if (c === 92 && text.charCodeAt(i + 1) === 117 && hex(text.charCodeAt(i + 2)) && hex(text.charCodeAt(i + 3)) && hex(text.charCodeAt(i + 4)) && hex(text.charCodeAt(i + 5))) return 6;
  return 0;
}

/** Separators allowed between two digits of one grouped run (`4111 - 1111` has three). */
const MAX_GAP = 3;

/**
 * Whether a character may be part of a grouped card: a digit, a {@link separator}, or a character of an
 * escaped one (`%`, `\`, `u`, a hex letter). The skip of {@link groupedCard} holds only while this
 * covers every character {@link separator} and {@link escapedAt} accept (pinned by a test).
 */
export function cardCharacter(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 37 || c === 92 || c === 117 || ((c | 32) >= 97 && (c | 32) <= 102) || separator(c);
}

/** The shortest grouped card: sixteen digits and a separator. */
const SHORTEST_GROUPED = 17;

/**
 * The card decoy written in groups anywhere in `text` — digits with up to three separators between
 * any two ({@link separator}, or one URL-encoded or JSON-escaped), mixed as they come
 * (`4111 1111-1111 1111`, `4111%C2%A01111…`) — as an index into `cards`, or -1. The cost does not
 * grow with the number of decoys: a grouped card is a stretch of at least seventeen card characters
 * ({@link cardCharacter}), so the search reads every seventeenth character, and only around one that
 * could belong to a card does it read the stretch of card characters there, in one pass, with a map
 * look-up per run of 16 digits or more.
 */
export function groupedCard(text: string, cards: CardDecoys): number {
  const n = text.length;
  // A stretch of at least 17 card characters that begins after an unread or non-card character covers
  // the 17th character after it: reading every 17th one misses none.
  let p = SHORTEST_GROUPED - 1;
  while (p < n) {
    if (!cardCharacter(text.charCodeAt(p))) {
      p += SHORTEST_GROUPED;
      continue;
    }
    let from = p;
    while (from > 0 && cardCharacter(text.charCodeAt(from - 1))) from--;
    let to = p + 1;
    while (to < n && cardCharacter(text.charCodeAt(to))) to++;
    if (to - from >= SHORTEST_GROUPED) {
      const found = groupedIn(text, from, to, cards);
      if (found !== -1) return found;
    }
    p = to + SHORTEST_GROUPED;
  }
  return -1;
}

/**
 * The card decoy written in groups in the stretch `text[start, end)` of card characters (a
 * character outside the stretch ends any run of digits, as the end of the stretch does).
 */
function groupedIn(text: string, start: number, end: number, cards: CardDecoys): number {
  let from = -1; // where the run of digits began
  let count = 0; // its digits
  let gap = 0; // separators since its last digit
  let grouped = false; // whether a separator stood between two of its digits
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      if (count === 0) from = i;
      else if (gap > 0) grouped = true;
      count++;
      gap = 0;
      continue;
    }
    if (count === 0) continue;
    if (c !== -1 && gap < MAX_GAP) {
      const width = separator(c) ? 1 : escapedAt(text, i);
      if (width > 0) {
        gap++;
        i += width - 1;
        continue;
      }
    }
    // A run without separators is the matcher's: it knows every card decoy as minted.
    if (grouped && count >= 16) {
      const found = runCard(text, from, Math.min(i, end), cards);
      if (found !== -1) return found;
    }
    count = 0;
    gap = 0;
    grouped = false;
  }
  return -1;
}

/** The card decoys a grouped search looks for: by their digits, and the numbers their first eight digits make (a look-up that makes no string). */
export interface CardDecoys {
  readonly byDigits: Map<string, number>;
  readonly heads: Set<number>;
}

/** An empty set of card decoys. */
export function cardDecoys(): CardDecoys {
  return { byDigits: new Map(), heads: new Set() };
}

/** Adds a card decoy's digits under an index. */
export function addCardDecoy(cards: CardDecoys, digits: string, index: number): void {
  cards.byDigits.set(digits, index);
  cards.heads.add(Number(digits.slice(0, 8)));
}

/** The digits of one run, read into a kept buffer (a longer run is read as text). */
const RUN = new Uint8Array(256);

/** The card decoy among the 16-digit windows of the run `text[from, to)`, escaped separators skipped. */
function runCard(text: string, from: number, to: number, cards: CardDecoys): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (n === RUN.length) return longRunCard(text, from, to, cards);
      RUN[n++] = c - 48;
    } else i += Math.max(1, escapedAt(text, i)) - 1;
  }
  for (let k = 0; k + 16 <= n; k++) {
    let head = 0;
    for (let j = k; j < k + 8; j++) head = head * 10 + RUN[j]!;
    if (!cards.heads.has(head)) continue;
    let digits = '';
    for (let j = k; j < k + 16; j++) digits += String.fromCharCode(48 + RUN[j]!);
    const found = cards.byDigits.get(digits);
    if (found !== undefined) return found;
  }
  return -1;
}

/** {@link runCard} for a run of more digits than the kept buffer holds. */
function longRunCard(text: string, from: number, to: number, cards: CardDecoys): number {
  let digits = '';
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += text[i];
    else i += Math.max(1, escapedAt(text, i)) - 1;
  }
  for (let k = 0; k + 16 <= digits.length; k++) {
    const found = cards.byDigits.get(digits.slice(k, k + 16));
    if (found !== undefined) return found;
  }
  return -1;
}

/** The decoys a monitor knows, and the one search that finds any of them in any form. */
export class HoneytokenSet {
  readonly #tokens: Honeytoken[] = [];
  #matcher: Matcher | undefined;
  /** Card decoys' digits → their index, for the grouped search; empty when there is none. */
  readonly #cards = cardDecoys();

  list(): readonly Honeytoken[] {
    return [...this.#tokens];
  }

  get size(): number {
    return this.#tokens.length;
  }

  add(token: Honeytoken): void {
    if (this.#tokens.some((t) => t.value === token.value)) return;
    this.#tokens.push(token);
    if (token.kind === 'cardNumber') addCardDecoy(this.#cards, token.value, this.#tokens.length - 1);
    this.#matcher = undefined;
  }

  /** The decoy found in a text, or `undefined`. */
  find(text: string): Honeytoken | undefined {
    if (this.#tokens.length === 0 || text.length === 0) return undefined;
    const i = this.#search(this.#compiled(), text);
    return i === -1 ? undefined : this.#tokens[i];
  }

  /**
   * The decoy found in a parsed body (what `JSON.stringify` of it would carry): every key, string and
   * number searched where it is, without writing the JSON text, with a stack of its own (any depth).
   * A value with its own `toJSON` (a Date, a class) is searched as `JSON.stringify` writes it, or not
   * at all when that throws (the walk then refuses it as unreadable); past
   * {@link MAX_SEARCHED_NODES} values, containers already searched are skipped (a cycle ends). Never throws
   * for a value's shape.
   */
  findIn(value: unknown): Honeytoken | undefined {
    if (this.#tokens.length === 0) return undefined;
    const m = this.#compiled();
    const i = searchValue(m, value, (text) => this.#search(m, text));
    return i === -1 ? undefined : this.#tokens[i];
  }

  /**
   * The decoy in a text: any form the matcher knows, or a card decoy in groups; in a text with
   * percent escapes, also as a lenient reader decodes it (`%34%31…` beside a malformed `%zz`, which a
   * form or query parser leaves undecoded and a vendor may still decode).
   */
  #search(m: Matcher, text: string): number {
    const i = this.#searchOnce(m, text);
    if (i !== -1 || !text.includes('%')) return i;
    const decoded = decodePercent(text);
    return decoded === text ? -1 : this.#searchOnce(m, decoded);
  }

  #searchOnce(m: Matcher, text: string): number {
    const i = m.find(text);
    return i !== -1 || this.#cards.byDigits.size === 0 ? i : groupedCard(text, this.#cards);
  }

  #compiled(): Matcher {
    return (this.#matcher ??= compileMatcher(this.#tokens.flatMap((t, i) => patternsOf(t, i))));
  }
}

/** Containers of a body searched before those already searched are remembered (so that a cycle ends). */
const MAX_SEARCHED_NODES = 100_000;
/** Containers searched by recursion below this depth; deeper ones wait on a stack of the search's own (any depth, no stack overflow). */
const MAX_RECURSION = 64;

/** The state of one search of a parsed value. */
interface ValueSearch {
  /** The search of one text (the matcher's, and the grouped and decoded reads of {@link HoneytokenSet}). */
  readonly find: (text: string) => number;
  /** Shorter texts hold no pattern: they are not searched at all. */
  readonly shortest: number;
  /** Integers below this in magnitude are written with fewer than `shortest` characters, sign included. */
  readonly shortInts: number;
  /**
   * Whether a number of at most two decimals below a million in magnitude is written with fewer than
   * `shortest` characters: its shortest round-trip form, which `JSON.stringify` writes, has at most
   * ten (a sign, six digits, the point and two decimals). Prices and amounts are such numbers.
   */
  readonly shortCents: boolean;
  /** Whether `for…in` over a plain object enumerates its own keys only (nothing enumerable was put on `Object.prototype`). */
  readonly ownKeysOnly: boolean;
  nodes: number;
  seen: Set<object> | undefined;
  deeper: object[] | undefined;
}

/** The id of a pattern in a parsed value's keys, strings and numbers (as its JSON text carries them), or -1. */
function searchValue(m: Matcher, value: unknown, find: (text: string) => number): number {
  const shortest = m.shortest;
  const s: ValueSearch = { find, shortest, shortInts: shortest > 2 ? 10 ** (shortest - 2) : 0, shortCents: shortest > 10, ownKeysOnly: nothingEnumerable(Object.prototype), nodes: 0, seen: undefined, deeper: undefined };
  let i = visit(s, value, 0);
  while (i === -1 && s.deeper !== undefined && s.deeper.length > 0) i = visit(s, s.deeper.pop(), 0);
  return i;
}

function visit(s: ValueSearch, v: unknown, depth: number): number {
  if (typeof v === 'string') return v.length < s.shortest ? -1 : s.find(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return Math.abs(v) < s.shortInts ? -1 : s.find(String(v));
    return s.shortCents && shortAmount(v) ? -1 : s.find(String(v));
  }
  if (typeof v === 'bigint') return s.find(String(v));
  if (typeof v !== 'object' || v === null) return -1;
  if (depth >= MAX_RECURSION) {
    (s.deeper ??= []).push(v);
    return -1;
  }
  if (++s.nodes > MAX_SEARCHED_NODES) {
    s.seen ??= new Set();
    if (s.seen.has(v)) return -1;
    s.seen.add(v);
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return s.find(jsonOf(v));
  if (Array.isArray(v)) {
    for (let k = 0; k < v.length; k++) {
      const i = visit(s, v[k], depth + 1);
      if (i !== -1) return i;
    }
    return -1;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if ((proto === Object.prototype && s.ownKeysOnly) || proto === null) {
    // A plain object (what a body parser makes): `for…in` reads its values by the shape's own cache, with no list of keys made.
    for (const key in v) {
      const i = visitEntry(s, key, (v as Record<string, unknown>)[key], depth + 1);
      if (i !== -1) return i;
    }
    return -1;
  }
  // A boxed string or number (`new String(card)`) is written by `JSON.stringify` as the value it holds, not as its keys.
  if (boxed(v)) return s.find(jsonOf(v));
  const keys = Object.keys(v);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]!;
    const i = visitEntry(s, key, (v as Record<string, unknown>)[key], depth + 1);
    if (i !== -1) return i;
  }
  return -1;
}

/**
 * Whether a number has at most two decimals and is below a million in magnitude: `JSON.stringify`
 * then writes it with at most ten characters. `Math.round(v * 100) / 100 === v` says v is the number
 * nearest to a decimal of two places, so no longer decimal is its shortest round-trip form.
 */
export function shortAmount(v: number): boolean {
  return Math.abs(v) < 1e6 && Math.round(v * 100) / 100 === v;
}

const toTag = Object.prototype.toString;

/** Whether a value is a boxed string, number or boolean (of this realm or another), which `JSON.stringify` writes as its primitive. */
function boxed(v: object): boolean {
  const tag = toTag.call(v);
  return tag === '[object String]' || tag === '[object Number]' || tag === '[object Boolean]';
}

/** An object's key, then its value. */
function visitEntry(s: ValueSearch, key: string, value: unknown, depth: number): number {
  const i = key.length < s.shortest ? -1 : s.find(key);
  return i !== -1 ? i : visit(s, value, depth);
}
function nothingEnumerable(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** A value's JSON text for the search, or `''` when writing it throws. */
function jsonOf(v: object): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

/**
 * The patterns of one decoy. Mail to an address reaches its mailbox in any letter case, so an email
 * decoy as it is and URL-encoded matches in any case (either hex case included); its base64 forms
 * as minted and upper-cased, and every form of the other kinds, match exactly. A card decoy is searched in each of its spellings.
 */
function patternsOf(t: Honeytoken, id: number): Pattern[] {
  if (t.kind !== 'email') return [...new Set(spellingsOf(t).flatMap(formsOf))].map((f) => [f, id] as const);
  const lower = t.value.toLowerCase();
  const folded = new Set([lower, encodeURIComponent(lower).toLowerCase()]);
  // Base64 keeps letter case: the decoy as minted (lower case) and upper-cased (`JDOE@EXAMPLE.COM` in a Basic credential).
  const base64 = new Set([...base64Forms(t.value), ...base64Forms(t.value.toUpperCase())]);
  return [...[...folded].map((f) => [f, id, true] as const), ...[...base64].map((f) => [f, id] as const)];
}
