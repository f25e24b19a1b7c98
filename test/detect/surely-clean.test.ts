// The scanners' pre-check: a text it clears is one in which no detector finds anything, in any reading the log scanner adds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect, redactText, surelyClean } from '../../src/detect/detect.js';
import { scanner } from '../../src/detect/scan.js';
import { decodingScan } from '../../src/log/encoded.js';

// Pieces findings are made of, and near misses of them, so short random texts come close to every family.
const pieces = fc.constantFrom(
  '4111', '1111', '+44', '20', '7946', '0958', '123', '-45-', '6789', '10.', '0.', '1', '9', ' ', '-', '_', '.', '+', '(', ')', '/',
  'DE89', 'GB82', 'AKIA', 'eyJ', 'xoxb-', 'sk_live_', 'sk-', 'ghp_', 'hf_', 'SK', 'basic ', 'bearer ', 'Bearer ', 'pwd', 'sid', 'token',
  'ssn', 'ref', 'id', 'a', 'Z', 'é', '\n', '\t', '"', "'", ',', ';', '#', '0x', 'ff', '::', 'v', 'T', 'Z',
);
const shortText = fc.array(pieces, { maxLength: 8 }).map((xs) => xs.join('').slice(0, 13));
const scan = decodingScan(scanner());

describe('surelyClean', () => {
  it('never clears a text in which the detectors find something, nor one whose spaced-out reading holds a finding', () => {
    fc.assert(
      fc.property(fc.oneof(shortText, fc.string({ maxLength: 13 })), (text) => {
        if (!surelyClean(text)) return;
        expect(detect(text)).toEqual([]);
        expect(redactText(text)).toBe(text);
        // The readings decodingScan adds: `+`, `-`, `_`, `.` next to digits as spaces.
        expect(detect(text.replace(/[-_.+]/g, ' '))).toEqual([]);
      }),
      { numRuns: 20_000 },
    );
  });

  it('leaves every short finding to the detectors', () => {
    for (const text of ['+4930123456', '123-45-6789', '10.20.30.40', 'a@b.co', 'pwd=hunter2', 'x:y', '50%25', 'a&#64;b', 'a\\u0040b', '4111111111111111', 'basic dXNlcjpw']) {
      expect(surelyClean(text), text).toBe(false);
    }
    // A short text that holds a finding is still masked.
    expect(scan('123-45-6789')).toBe('***-**-6789');
    expect(scan('ssn_123456789')).not.toContain('123456789');
  });

  it('clears the short ids, codes and words logs are full of, which the scanners then return as they are', () => {
    for (const text of ['ord_100007', 'cus_5007', 'SKU-49', 'pending', 'EUR', 'v1.2.3', 'GET', '200', 'eu-west-1', 'req-7f3a9c']) {
      expect(surelyClean(text), text).toBe(true);
      expect(scan(text)).toBe(text);
    }
    // Fourteen characters and more go to the detectors whatever they hold.
    expect(surelyClean('request completed')).toBe(false);
  });
});
