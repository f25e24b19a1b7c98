// Number detectors (cards, SSNs, phones): each run of digits and separators is split into groups once, then read by layout, checksum and context.
import type { Finding } from './finding.js';
import { cardIssuer, luhn, ssnValid } from './checks.js';
import { nationalPhone, internationalPhone } from './phones.js';

/**
 * A run: an optional `+` (or `%2B`) or `(`, a digit, then digits and the separators numbers are
 * written with. One character class under one `*`, so the engine never backtracks inside it.
 */
// At least seven characters: a run from its first digit that is shorter holds nothing of ours, and a shorter
// try costs at most six steps, so the engine skips most runs in logs (status codes, durations, counts) at once.
const RUN = /\d[\d ().\/-]{6,}/g;

/** One group of digits inside a run, with what separates it from the group before it. */
export interface Group {
  readonly start: number;
  readonly end: number;
  /** The characters between the previous group and this one (`''` for the first). */
  readonly sep: string;
  readonly digits: string;
}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isWordCode = (c: number): boolean => isDigitCode(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

function groupsOf(text: string, start: number, end: number): Group[] {
  const groups: Group[] = [];
  let i = start;
  let sepStart = start;
  while (i < end) {
    if (!isDigitCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    while (i < end && isDigitCode(text.charCodeAt(i))) i++;
    groups.push({ start: s, end: i, sep: groups.length === 0 ? '' : text.slice(sepStart, s), digits: text.slice(s, i) });
    sepStart = i;
  }
  return groups;
}

/** Labels that make nine plain digits an SSN; looked for in a bounded window before them. */
const SSN_WORDS = /(?:ssn|social security|ss#|soc\.? ?sec\.?)(?:[\s:=#"'._\\-]|number|num|no)*$/i;

function before(text: string, at: number, width: number): string {
  return text.slice(Math.max(0, at - width), at);
}

/** Separators a card is written with between its blocks. */
const CARD_SEP = /^[ .-]$/;
/** Block layouts cards are printed in (digits per block). */
const CARD_LAYOUTS: ReadonlyArray<readonly number[]> = [[4, 4, 4, 4], [4, 4, 4, 4, 3], [4, 6, 5], [4, 6, 4], [4, 4, 4, 4, 2], [4, 4, 4, 4, 1], [4, 4, 4, 3], [4, 4, 4, 2], [4, 4, 4, 1], [4, 4, 5]];

function cardAt(groups: readonly Group[], i: number): number {
  const first = groups[i]!;
  // One block of 13–19 digits (plain, in a JSON number, a CSV cell, a URL path).
  if (first.digits.length >= 13 && first.digits.length <= 19) return luhn(first.digits) && cardIssuer(first.digits) ? i : -1;
  if (first.digits.length !== 4 || i + 2 >= groups.length) return -1;
  for (const layout of CARD_LAYOUTS) {
    if (i + layout.length > groups.length) continue;
    let digits = '';
    let ok = true;
    for (let k = 0; k < layout.length && ok; k++) {
      const g = groups[i + k]!;
      ok = g.digits.length === layout[k] && (k === 0 || CARD_SEP.test(g.sep));
      digits += g.digits;
    }
    if (ok && luhn(digits) && cardIssuer(digits)) return i + layout.length - 1;
  }
  return -1;
}

/** A separator that makes two groups parts of one token (an id, a date, a version), not neighbours. */
const GLUED = /^[.\/-]$/;

/** Finds cards, SSNs and phones in every digit run of the text. */
export function numbers(text: string, out: Finding[], wantCard: boolean, wantSsn: boolean, wantPhone: boolean): void {
  RUN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = RUN.exec(text)) !== null) {
    const at = m.index;
    const runEnd = at + m[0].length;
    // The pattern starts at a digit, so the engine can skip to digits; a "+", "%2B" or "(" before it is read here.
    const c1 = at > 0 ? text.charCodeAt(at - 1) : 0;
    const prefix = c1 === 43 ? '+' : c1 === 40 ? '(' : at >= 3 && (c1 === 66 || c1 === 98) && text.startsWith('%2', at - 3) ? '%2B' : '';
    const runStart = at - prefix.length;
    const groups = groupsOf(text, at, runEnd);
    let digits = 0;
    for (const g of groups) digits += g.digits.length;
    if (digits < 8) continue;
    const card = wantCard && digits >= 13;
    const ssn = wantSsn && digits >= 9;
    // A run glued to a word on either side (a hash, an id like `ord4111…`, `a1b2`) holds no number of ours.
    const headChar = runStart > 0 ? text.charCodeAt(runStart - 1) : 32;
    const lastEnd = groups[groups.length - 1]!.end;
    const tailChar = lastEnd < text.length ? text.charCodeAt(lastEnd) : 32;
    const headGlued = isWordCode(headChar) || (prefix === '' && (headChar === 46 || headChar === 45 || headChar === 43));
    const tailGlued = isWordCode(tailChar);
    let i = 0;
    while (i < groups.length) {
      const g = groups[i]!;
      const atHead = i === 0;
      if (atHead && headGlued) {
        i++;
        continue;
      }
      // The group before must be a separate word, not joined by '-', '.' or '/'.
      if (!atHead && GLUED.test(g.sep)) {
        i++;
        continue;
      }
      if (card) {
        const j = cardAt(groups, i);
        if (j >= 0 && (freeAfter(groups, i, j, tailGlued) || (j < groups.length - 1 && groups[j + 1]!.sep === '/'))) {
          out.push({ kind: 'cardNumber', start: g.start, end: groups[j]!.end });
          i = j + 1;
          continue;
        }
      }
      if (ssn) {
        const j = ssnAt(text, groups, i);
        if (j >= 0 && freeAfter(groups, i, j, tailGlued)) {
          out.push({ kind: 'ssn', start: g.start, end: groups[j]!.end });
          i = j + 1;
          continue;
        }
      }
      if (wantPhone && (digits >= 9 || prefix === '+' || prefix === '%2B')) {
        const start = atHead && prefix !== '' ? runStart : g.start;
        const j = phoneAt(text, groups, i, atHead ? prefix : '', start, tailGlued);
        if (j >= 0) {
          // A closing parenthesis right after the number belongs to it only if it opened one.
          out.push({ kind: 'phone', start, end: groups[j]!.end });
          i = j + 1;
          continue;
        }
      }
      i++;
    }
  }
}

/** Whether the number ending at group `j` ends there: the run ends (not glued to a word) or the next group is a separate word. */
function freeAfter(groups: readonly Group[], i: number, j: number, tailGlued: boolean): boolean {
  if (j === groups.length - 1) return !tailGlued;
  const sep = groups[j + 1]!.sep;
  return !GLUED.test(sep) || (sep === '/' && j === i);
}

function ssnAt(text: string, groups: readonly Group[], i: number): number {
  const a = groups[i]!;
  if (a.digits.length === 9) {
    if (!SSN_WORDS.test(before(text, a.start, 24))) return -1;
    return ssnValid(a.digits.slice(0, 3), a.digits.slice(3, 5), a.digits.slice(5)) ? i : -1;
  }
  if (a.digits.length !== 3 || i + 2 >= groups.length) return -1;
  const b = groups[i + 1]!;
  const c = groups[i + 2]!;
  if (b.digits.length !== 2 || c.digits.length !== 4 || b.sep !== c.sep) return -1;
  if (b.sep !== '-' && b.sep !== ' ' && b.sep !== '.') return -1;
  // Space- or dot-separated 3-2-4 is an SSN only with a label (otherwise it is as likely a phone or an amount).
  if (b.sep !== '-' && !SSN_WORDS.test(before(text, a.start, 24))) return -1;
  return ssnValid(a.digits, b.digits, c.digits) ? i + 2 : -1;
}

/** Tries the longest phone number that starts at group `i` (at most six groups). */
function phoneAt(text: string, groups: readonly Group[], i: number, prefix: string, start: number, tailGlued: boolean): number {
  const last = Math.min(groups.length - 1, i + 6);
  let n = 0;
  for (let j = i; j <= last; j++) n += groups[j]!.digits.length;
  for (let j = last; j >= i; j--) {
    if (j < last) n -= groups[j + 1]!.digits.length;
    if (n < 7 || n > 15) continue;
    if (!freeAfter(groups, i, j, tailGlued)) continue;
    const span = groups.slice(i, j + 1);
    if (span.some((g, k) => k > 0 && !/^(?: ?[-.]? ?|\) ?|\)-|\/| ?\()$/.test(g.sep))) continue;
    // A national number stands alone in its run: digits before or after it by a space make it part of something longer.
    const national = prefix !== '+' && prefix !== '%2B';
    if (national && (i > 0 || j < groups.length - 1) && !(i > 0 && groups[i]!.sep.includes('('))) continue;
    const ok = prefix === '+' || prefix === '%2B' ? internationalPhone(span) : nationalPhone(span, prefix === '(', text, start);
    if (ok) return j;
  }
  return -1;
}
