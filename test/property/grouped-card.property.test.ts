// The grouped-card search of the honeytokens reads every 17th character: for random texts it finds exactly what a pass over every character finds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCardDecoy, cardCharacter, cardDecoys, escapedAt as escapedAtOf, groupedCard, separator as separatorOf, shortAmount } from '../../src/monitor/honeytokens.js';

const CARD = '4539578763621486';
const OTHER = '4916338506082832';
const byDigits = new Map([
  [CARD, 0],
  [OTHER, 1],
]);
const cards = cardDecoys();
for (const [digits, i] of byDigits) addCardDecoy(cards, digits, i);

/** The search as a pass over every character: the oracle. */
function separator(c: number): boolean {
  if (c < 128) return c === 32 || c === 45 || c === 46 || c === 47 || c === 43 || c === 95 || (c >= 9 && c <= 13);
  return c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || (c >= 0x2010 && c <= 0x2015) || c === 0x202f || c === 0x205f || c === 0x2212 || c === 0x3000;
}
const hex = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);
function escapedAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 37 && hex(text.charCodeAt(i + 1)) && hex(text.charCodeAt(i + 2))) return 3;
  if (c === 92 && text.charCodeAt(i + 1) === 117 && hex(text.charCodeAt(i + 2)) && hex(text.charCodeAt(i + 3)) && hex(text.charCodeAt(i + 4)) && hex(text.charCodeAt(i + 5))) return 6;
  return 0;
}
function oracle(text: string): number {
  let from = -1;
  let count = 0;
  let gap = 0;
  let grouped = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      if (count === 0) from = i;
      else if (gap > 0) grouped = true;
      count++;
      gap = 0;
      continue;
    }
    if (count === 0) continue;
    if (c !== -1 && gap < 3) {
      const width = separator(c) ? 1 : escapedAt(text, i);
      if (width > 0) {
        gap++;
        i += width - 1;
        continue;
      }
    }
    if (grouped && count >= 16) {
      let digits = '';
      for (let k = from; k < i; k++) {
        const d = text.charCodeAt(k);
        if (d >= 48 && d <= 57) digits += text[k];
        else k += Math.max(1, escapedAt(text, k)) - 1;
      }
      for (let k = 0; k + 16 <= digits.length; k++) {
        const found = byDigits.get(digits.slice(k, k + 16));
        if (found !== undefined) return found;
      }
    }
    count = 0;
    gap = 0;
    grouped = false;
  }
  return -1;
}

const sepArb = fc.constantFrom(' ', '-', '.', '/', '+', '_', '\t', '\u00a0', '\u202f', '\u2013', '\u3000', '%20', '%C2%A0', '\\u00a0', '  ', ' - ', '%2', '\\u00', 'x');
/** A card written in groups of random sizes with random separators (some too wide, some not separators at all). */
const spelledArb = fc.tuple(fc.constantFrom(CARD, OTHER, '4111111111111111'), fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), sepArb), { minLength: 1, maxLength: 6 })).map(([digits, cuts]) => {
  let out = '';
  let at = 0;
  for (const [size, sep] of cuts) {
    if (at >= digits.length) break;
    out += digits.slice(at, at + size) + sep;
    at += size;
  }
  return out + digits.slice(at);
});
const fillerArb = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('order ', 'card: ', 'abcdef', '%', '\\u', '0123', 'deadbeef', ' 12 34 ', 'Straße 7'), fc.stringMatching(/^[0-9a-f%\\u .-]{0,30}$/));
const textArb = fc.array(fc.oneof(spelledArb, fillerArb), { maxLength: 8 }).map((parts) => parts.join(''));

describe('groupedCard', () => {
  it('finds what a pass over every character finds, for random texts', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(groupedCard(text, cards)).toBe(oracle(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('finds a grouped card at every offset of a longer text', () => {
    const spelled = '4539 5787-6362.1486';
    for (let pad = 0; pad < 40; pad++) {
      for (const filler of ['x', 'a', ' ', 'é']) {
        const text = `${filler.repeat(pad)}${spelled}${filler.repeat(40 - pad)}`;
        expect(groupedCard(text, cards)).toBe(oracle(text));
      }
    }
    expect(groupedCard(`note ${spelled} end`, cards)).toBe(0);
    // A run of more digits than the kept buffer holds is read as text.
    const long = `${'7'.repeat(300)} 4916 3385 0608 2832 ${'9'.repeat(10)}`;
    expect(groupedCard(long.replace(/ /g, ''), cards)).toBe(-1);
    expect(groupedCard(`${'7'.repeat(300)}-4916-3385-0608-2832`, cards)).toBe(1);
    expect(groupedCard(`${'7'.repeat(30)}-4916-3385-0608-2832`, cards)).toBe(1);
  });
});

describe('the decoy search of numbers', () => {
  it('skips only numbers whose JSON text is at most ten characters', () => {
    // The rule the value search uses for a number of at most two decimals below a million.
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -2e6, max: 2e6 }), fc.integer({ min: -99_999_999, max: 99_999_999 }).map((c) => c / 100), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e-7, 999_999.99, 1e6 - 0.005)), (v) => {
        if (shortAmount(v)) expect(JSON.stringify(v).length).toBeLessThanOrEqual(10);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('the characters the grouped-card skip reads', () => {
  it('count every separator and every character of an escaped one as card characters', () => {
    for (let c = 0; c < 0x10000; c++) if (separatorOf(c)) expect(cardCharacter(c)).toBe(true);
    // Every character an escape the search reads may hold: `%XX` and `\uXXXX` with any hex digits.
    for (const ch of '%\\u0123456789abcdefABCDEF') expect(cardCharacter(ch.charCodeAt(0))).toBe(true);
    for (let c = 0; c < 0x10000; c++) {
      const text = `${String.fromCharCode(c)}00a0`;
      if (escapedAtOf(text, 0) > 0) expect(cardCharacter(c)).toBe(true);
    }
  });
});
