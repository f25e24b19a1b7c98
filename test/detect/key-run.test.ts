// The provider-key search's pre-check: where it finds no run of 15 key characters, the pattern matches nowhere, so skipping it changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detect } from '../../src/detect/detect.js';
import { holdsKeyRun, PREFIXED } from '../../src/detect/secrets.js';

// Every prefix, the characters keys are written with and those that end them, so random texts make and break keys of every provider.
const pieces = fc.constantFrom(
  'sk_live_', 'rk_test_', 'whsec_', 'ghp_', 'gho_', 'github_pat_', 'glpat-', 'AIza', 'ya29.', 'GOCSPX-', 'xoxb-', 'xapp-1-', 'sk-', 'sk-proj-', 'sk-ant-api03-',
  'npm_', 'pypi-AgE', 'SG.', 'SK', 'shpat_', 'dop_v1_', 'hvs.', 'hf_', 'sq0atp-', 'key-', 'dapi',
  'abcdef', '0123456789', 'ABCDEF', 'a', '0', 'f', '_', '-', '.', '+', '/', '=', ' ', ':', '"', '@', '\n', 'é',
);
const text = fc.array(pieces, { maxLength: 30 }).map((xs) => xs.join(''));

describe('holdsKeyRun', () => {
  it('is true wherever the provider-key pattern matches', () => {
    let matched = 0;
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 40 })), (t) => {
        PREFIXED.lastIndex = 0;
        const match = PREFIXED.test(t);
        if (match) matched++;
        if (!holdsKeyRun(t)) expect(match).toBe(false);
      }),
      { numRuns: 30_000 },
    );
    // The property is about something: the random texts hold keys often.
    expect(matched).toBeGreaterThan(500);
  });

  it('lets the shortest keys of each shape through', () => {
    for (const key of ['xoxb-abcdefghij', 'sk-abcdefghijklmnopqrst', 'xapp-1-abcdefghij']) {
      expect(holdsKeyRun(`key ${key} end`), key).toBe(true);
      expect(detect(`key ${key} end`).map((f) => f.kind)).toEqual(['apiKey']);
    }
    expect(holdsKeyRun('xoxb-abcdefgh')).toBe(false);
  });
});
