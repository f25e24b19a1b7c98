// The one pass that opens the detectors' gates: the same counts as the comparisons it replaced, and a key-run flag that never misses a run PREFIXED needs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect, features, foldNumbers } from '../../src/detect/detect.js';
import { holdsKeyRun, prefixedKeys } from '../../src/detect/secrets.js';

// The former pass, kept here as the reference.
function reference(t: string) {
  let digits = 0;
  let at = false;
  let colons = 0;
  let dots = 0;
  let marks = false;
  let wide = false;
  let broke = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (c === 64) at = true;
    else if (c === 61 || c === 37 || c === 38 || c === 92) marks = true;
    else if (c > 127) wide = true;
    if (digits >= 13 && at && colons >= 2 && dots >= 3 && marks) {
      wide = true;
      broke = true;
      break;
    }
  }
  return { digits, at, colons, dots, marks, wide, broke };
}

const pieces = fc.constantFrom('4111', '1', '.', ':', '@', '=', '%', '&', '\\', 'é', '４', ' ', '-', '_', '+', '/', 'sk_live_', 'abcdefgh', 'xoxb-', 'AKIA', '\n');
const text = fc.oneof(fc.array(pieces, { maxLength: 30 }).map((xs) => xs.join('')), fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));

describe('features', () => {
  it('counts what the comparisons it replaced counted, asks for folding only where it changes the text, and flags every run of 15 key characters', () => {
    fc.assert(
      fc.property(text, (t) => {
        const { broke, wide, ...want } = reference(t);
        const { keyRun, wide: folds, ...got } = features(t);
        expect(got).toEqual(want);
        // Folding is asked for where it changes the text (a digit, space or dash of another script), or the pass stopped early.
        expect(folds).toBe(broke || foldNumbers(t) !== t);
        if (folds && !broke) expect(wide).toBe(true);
        if (broke) expect(keyRun).toBe(true);
        else expect(keyRun).toBe(holdsKeyRun(t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('finds the prefixed keys with the flag that it finds without it', () => {
    fc.assert(
      fc.property(text, (t) => {
        const a: unknown[] = [];
        const b: unknown[] = [];
        prefixedKeys(t, a as never, features(t).keyRun);
        prefixedKeys(t, b as never);
        expect(a).toEqual(b);
      }),
      { numRuns: 10_000 },
    );
    expect(detect('key sk_live_abcdefghijklmnop1234 end')).toEqual([{ kind: 'apiKey', start: 4, end: 32 }]);
  });
});
