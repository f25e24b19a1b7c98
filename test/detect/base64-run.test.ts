// The base64 search's pre-check: it says a text holds a run exactly when the search's pattern matches in it, so skipping the search changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdsBase64Run, scanner } from '../../src/detect/scan.js';

// The pattern encodedRuns searches with, as it is in src/detect/scan.ts.
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,4096}={0,2}/g;
const pieces = fc.constantFrom('a', 'Z', '0', '9', '+', '/', '_', '-', '=', ' ', '.', ':', '%', '\n', 'é', '😀', 'dXNlcjpwYXNz', 'amFuZUBleGFtcGxlLmNvbQ', 'eyJ');

describe('holdsBase64Run', () => {
  it('answers whether the base64 pattern matches anywhere in the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(pieces, { maxLength: 40 }).map((xs) => xs.join('')), fc.string({ maxLength: 60 })), (text) => {
        BASE64_RUN.lastIndex = 0;
        expect(holdsBase64Run(text)).toBe(BASE64_RUN.test(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('lets an encoded value through to the search, and a text without one pass as it is', () => {
    const scan = scanner();
    expect(scan(`state=${Buffer.from('jane.doe@example.com').toString('base64')} end`)).toBe('state=[REDACTED] end');
    expect(holdsBase64Run('a'.repeat(23))).toBe(false);
    expect(holdsBase64Run('a'.repeat(24))).toBe(true);
    expect(holdsBase64Run(`${'a'.repeat(12)} ${'a'.repeat(12)}`)).toBe(false);
  });
});
