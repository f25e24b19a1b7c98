// The log scanner's spacing pre-check: it says a text has `+` between digits or a digit glued to a word exactly when the patterns that space them out match.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spacingApplies } from '../../src/log/encoded.js';

// The patterns decodingScan spaces text out with, as they are in src/log/encoded.ts.
const PLUS_BETWEEN_DIGITS = /(\d)\+(?=\d)/g;
const GLUED = /([A-Za-z])[-_.](?=\d)/g;
const pieces = fc.constantFrom('4', '0', '9', '+', '-', '_', '.', 'a', 'Z', 'ref', ' ', '%2B', 'é', '\u0664', '\uff14', '/', ':');

describe('spacingApplies', () => {
  it('is true exactly where one of the spacing patterns matches', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(pieces, { maxLength: 12 }).map((xs) => xs.join('')), fc.string({ maxLength: 12 })), (text) => {
        PLUS_BETWEEN_DIGITS.lastIndex = 0;
        GLUED.lastIndex = 0;
        expect(spacingApplies(text)).toBe(PLUS_BETWEEN_DIGITS.test(text) || GLUED.test(text));
      }),
      { numRuns: 30_000 },
    );
  });

  it('sees each shape at the edges of the text', () => {
    for (const text of ['4+1', 'a-1', 'Z_0', 'x.9', 'card=4111+1111']) expect(spacingApplies(text), text).toBe(true);
    for (const text of ['+1', '4+', 'a-', '-1', '1-1', 'a+1', '', 'a']) expect(spacingApplies(text), text).toBe(false);
  });
});
