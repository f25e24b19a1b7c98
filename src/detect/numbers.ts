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

/**
 * Up to `limit` groups from `start`; the first one's separator starts at `sepStart` (`-1`: it is
 * the run's first group). A long run is read in batches, so memory stays small on any input.
 */
function groupsOf(text: string, sepStart: number, start: number, end: number, limit: number): Group[] {
  const groups: Group[] = [];
  let i = start;
  while (i < end && groups.length < limit) {
    if (!isDigitCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const s = i;
    while (i < end && isDigitCode(text.charCodeAt(i))) i++;
    groups.push({ start: s, end: i, sep: sepStart < 0 ? '' : text.slice(sepStart, s), digits: text.slice(s, i) });
    sepStart = i;
  }
  return groups;
}

/** Labels that make nine plain digits an SSN; looked for in a bounded window before them. */
const SSN_WORDS = /(?:ssn|social security|ss#|soc\.? ?sec\.?)(?:[\s:=#"'._\\-]|number|num|no)*$/i;

function before(text: string, at: number, width: number): string {
  return text.slice(Math.max(0, at - width), at);
}

/** Separators a card is written with between its blocks: one space, dash or dot. */
const cardSep = (sep: string): boolean => sep.length === 1 && (sep === ' ' || sep === '-' || sep === '.');
/**
 * Block layouts cards are printed in (digits per block), longest first: a 19-digit PAN whose first
 * 16 digits also pass Luhn (one in ten do) is one card, and taking the 16 would leave the rest in clear.
 */
const CARD_LAYOUTS: ReadonlyArray<readonly number[]> = [[4, 4, 4, 4, 3], [4, 4, 4, 4, 2], [4, 4, 4, 4, 1], [4, 4, 4, 4], [4, 6, 5], [4, 4, 4, 3], [4, 4, 5], [4, 6, 4], [4, 4, 4, 2], [4, 4, 4, 1]];

function cardAt(groups: readonly Group[], i: number): number {
  const first = groups[i]!;
  // One block of 13–19 digits (plain, in a JSON number, a CSV cell, a URL path).
  if (first.digits.length >= 13 && first.digits.length <= 19) return cardIssuer(first.digits) && luhn(first.digits) ? i : -1;
  if (first.digits.length !== 4 || i + 2 >= groups.length) return -1;
  // The lengths of the blocks that follow, as long as they are joined like a card's; layouts are compared on these first.
  const lengths: number[] = [4];
  for (let k = i + 1; k < groups.length && k < i + 5 && cardSep(groups[k]!.sep); k++) lengths.push(groups[k]!.digits.length);
  if (lengths.length < 3) return -1;
  for (const layout of CARD_LAYOUTS) {
    if (layout.length > lengths.length || !layout.every((n, k) => lengths[k] === n)) continue;
    let digits = '';
    for (let k = 0; k < layout.length; k++) digits += groups[i + k]!.digits;
    if (cardIssuer(digits) && luhn(digits)) return i + layout.length - 1;
  }
  return -1;
}

/** Groups read at once from a run, and how far ahead the checks look. */
const BATCH = 64;
const LOOKAHEAD = 8;

/** A separator that makes two groups parts of one token (an id, a date, a version), not neighbours. */
const glued = (sep: string): boolean => sep.length === 1 && (sep === '.' || sep === '/' || sep === '-');

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
    // Digits in the run, and where its last digit ends (what follows is only separators).
    let digits = 0;
    let lastEnd = at;
    for (let k = at; k < runEnd; k++) {
      const c = text.charCodeAt(k);
      if (c >= 48 && c <= 57) {
        digits++;
        lastEnd = k + 1;
      }
    }
    if (digits < 8) continue;
    // After a "+" a number is a phone number (`+4915112345678` passes Luhn as often as any other).
    const international = prefix === '+' || prefix === '%2B';
    const card = wantCard && digits >= 13;
    const ssn = wantSsn && digits >= 9;
    // A run glued to a word on either side (a hash, an id like `ord4111…`, `a1b2`) holds no number of ours.
    const headChar = runStart > 0 ? text.charCodeAt(runStart - 1) : 32;
    const tailChar = lastEnd < text.length ? text.charCodeAt(lastEnd) : 32;
    const headGlued = isWordCode(headChar) || (prefix === '' && (headChar === 46 || headChar === 45 || headChar === 43));
    const tailGlued = isWordCode(tailChar);
    let from = at;
    let sepStart = -1;
    let first = true;
    for (;;) {
      const groups = groupsOf(text, sepStart, from, lastEnd, BATCH);
      const complete = groups.length < BATCH || groups[groups.length - 1]!.end === lastEnd;
      // Every check looks at most seven groups ahead; the rest of a batch is read again with the next one.
      const limit = complete ? groups.length : groups.length - LOOKAHEAD;
      const endGlued = complete ? tailGlued : false;
      let i = 0;
      while (i < limit) {
        const g = groups[i]!;
        const atHead = first && i === 0;
        if ((atHead && headGlued) || (!atHead && glued(g.sep))) {
          // The first group is glued to a word; any other, to the group before it by '-', '.' or '/'.
          i++;
          continue;
        }
        if (card && !(atHead && international)) {
          const j = cardAt(groups, i);
          if (j >= 0 && (freeAfter(groups, i, j, endGlued) || (j < groups.length - 1 && groups[j + 1]!.sep === '/'))) {
            out.push({ kind: 'cardNumber', start: g.start, end: groups[j]!.end });
            i = j + 1;
            continue;
          }
        }
        if (ssn && !(atHead && international)) {
          const j = ssnAt(text, groups, i, complete && i === 0 && first);
          if (j >= 0 && freeAfter(groups, i, j, endGlued)) {
            out.push({ kind: 'ssn', start: g.start, end: groups[j]!.end });
            i = j + 1;
            continue;
          }
        }
        // A phone number starts its run: a national one stands alone in it, an international one starts with its "+".
        if (atHead && complete && wantPhone && (digits >= 9 || prefix === '+' || prefix === '%2B')) {
          const start = prefix !== '' ? runStart : g.start;
          const j = phoneAt(text, groups, prefix, start, endGlued);
          if (j >= 0) {
            out.push({ kind: 'phone', start, end: groups[j]!.end });
            i = j + 1;
            continue;
          }
        }
        i++;
      }
      if (complete || i >= groups.length) break;
      first = false;
      sepStart = groups[i - 1]!.end;
      from = groups[i]!.start;
    }
  }
}

/** Whether the number ending at group `j` ends there: the run ends (not glued to a word) or the next group is a separate word. */
function freeAfter(groups: readonly Group[], i: number, j: number, tailGlued: boolean): boolean {
  if (j === groups.length - 1) return !tailGlued;
  const sep = groups[j + 1]!.sep;
  return !glued(sep) || (sep === '/' && j === i);
}

function ssnAt(text: string, groups: readonly Group[], i: number, wholeRun: boolean): number {
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
  // Space-separated 3-2-4 is an SSN when it stands alone in its run or has a label; dot-separated, only with a label.
  const alone = b.sep === ' ' && wholeRun && i + 2 === groups.length - 1;
  if (b.sep !== '-' && !alone && !SSN_WORDS.test(before(text, a.start, 24))) return -1;
  return ssnValid(a.digits, b.digits, c.digits) ? i + 2 : -1;
}

/** A calendar date's layout: year-month-day or day-month-year, one separator that glues its parts. */
function isDate(a: Group, b: Group, c: Group): boolean {
  const l = `${a.digits.length}-${b.digits.length}-${c.digits.length}`;
  if ((l !== '4-2-2' && l !== '2-2-4') || !glued(b.sep) || b.sep !== c.sep) return false;
  const [month, day] = l === '4-2-2' ? [Number(b.digits), Number(c.digits)] : [Number(b.digits), Number(a.digits)];
  return day >= 1 && day <= 31 && ((month >= 1 && month <= 12) || (l === '2-2-4' && Number(a.digits) <= 12 && day <= 12));
}

/** Where a date that stands as its own word starts within the first groups of a run (after a space), or -1. */
function dateAfter(groups: readonly Group[]): number {
  for (let k = 2; k + 2 < groups.length && k <= LOOKAHEAD; k++) {
    if (groups[k]!.sep !== ' ' || !isDate(groups[k]!, groups[k + 1]!, groups[k + 2]!)) continue;
    if (k + 3 === groups.length || !glued(groups[k + 3]!.sep)) return k;
  }
  return -1;
}

/** What separates the blocks of a phone number: a space, a dash or a dot (with spaces), a closing or opening parenthesis, a slash. */
const PHONE_SEP = /^(?: ?[-.]? ?|\) ?|\)-|\/| ?\()$/;

/** Tries the longest phone number that starts at group `i` (at most six groups). */
function phoneAt(text: string, all: readonly Group[], prefix: string, start: number, runTailGlued: boolean): number {
  const i = 0;
  const national = prefix !== '+' && prefix !== '%2B';
  // A date after the number by a space (`tel: 303-710-6258 2026-12-02`) is the next token, not more digits of it.
  const date = dateAfter(all);
  const groups = date < 0 ? all : all.slice(0, date);
  const tailGlued = date < 0 ? runTailGlued : false;
  // A national number stands alone in its run: digits before or after it by a space make it part of something longer.
  if (national && groups.length > 7) return -1;
  const last = Math.min(groups.length - 1, i + 6);
  let n = 0;
  for (let j = i; j <= last; j++) n += groups[j]!.digits.length;
  for (let j = last; j >= i; j--) {
    if (j < last) n -= groups[j + 1]!.digits.length;
    if (n < 7 || n > 15) continue;
    if (national && j < groups.length - 1) continue;
    if (!freeAfter(groups, i, j, tailGlued)) continue;
    const span = groups.slice(i, j + 1);
    if (span.some((g, k) => k > 0 && !PHONE_SEP.test(g.sep))) continue;
    const ok = prefix === '+' || prefix === '%2B' ? internationalPhone(span) : nationalPhone(span, prefix === '(', text, start);
    if (ok) return j;
  }
  return -1;
}
