// foldNumbers reads the digits, spaces and dashes of other scripts as ASCII: the one-pass version against the pattern it replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldNumbers } from '../../src/detect/detect.js';

// The former implementation, kept here as the reference the one-pass version must equal.
const WIDE_NUMBER_CHAR = /(?![\x00-\x7f])[\p{Nd}\p{Zs}\p{Pd}]/gu;
const NON_ASCII = /[^\x00-\x7f]/;
const ND = /\p{Nd}/u;
function digitValue(code: number): number {
  let low = code;
  while (low > 0 && ND.test(String.fromCharCode(low - 1))) low--;
  return (code - low) % 10;
}
function reference(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return text.replace(WIDE_NUMBER_CHAR, (ch) => {
    if (ch.length !== 1) return ch;
    if (ND.test(ch)) return String.fromCharCode(48 + digitValue(ch.charCodeAt(0)));
    return /\p{Zs}/u.test(ch) ? ' ' : '-';
  });
}

// Characters numbers are written with outside ASCII, and their neighbours.
const wide = fc.constantFrom(
  '４', '１', '０', '٤', '٠', '۹', '०', '৭', '\u00a0', '\u202f', '\u2009', '\u3000', '\u2013', '\u2014', '\u2212', '\u30a0', 'é', 'ß', '中',
  '\ud835\udfce', '\ud801\udca0', '\ud83d\ude00', '\ud800', '\udc00', '1', ' ', '-', 'a', '+',
);

describe('foldNumbers', () => {
  it('writes what the pattern it replaced wrote, on any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(wide, { maxLength: 24 }).map((xs) => xs.join('')), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 })), (text) => {
        const folded = foldNumbers(text);
        expect(folded).toBe(reference(text));
        expect(folded.length).toBe(text.length);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads every code unit of the BMP as the pattern did', () => {
    let all = '';
    for (let c = 0; c < 0x10000; c++) all += String.fromCharCode(c);
    expect(foldNumbers(all)).toBe(reference(all));
  });

  it('returns ASCII text as it is', () => {
    expect(foldNumbers('card 4111 1111 1111 1111')).toBe('card 4111 1111 1111 1111');
    expect(foldNumbers('カード ４１１１\u00a0１１１１ – ٤')).toBe('カード 4111 1111 - 4');
  });
});
