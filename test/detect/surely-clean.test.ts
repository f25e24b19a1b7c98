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
    for (const text of ['+4930123456', '123-45-6789', '10.20.30.40', 'a@b.co', 'pwd=hunter2', 'x:y', '50%25', 'a&#64;b', 'a\\u0040b', '4111111111111111', 'xoxb-abcdefghij', 'sk-abcdefghijklmnopqrst']) {
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
    // Fourteen characters and more with a digit go to the detectors, unless they are a date or time as toISOString writes it.
    expect(surelyClean('request completed in 5 ms')).toBe(false);
    for (const text of ['2026-11-29', '2026-11-29T10:15:30Z', '2026-11-29T10:15:30.000Z']) expect(surelyClean(text), text).toBe(true);
    for (const text of ['2026-11-29T10:15:30.000+01:00', '2026-11-29 10:15:30', '2026-11-29T10:15:30.4111111111Z', '4111-1111-1111-1111', '2026-11-29T10:15:30.000']) {
      expect(surelyClean(text), text).toBe(false);
    }
  });

  it('clears only dates and times no detector reads as a value, whatever their digits', () => {
    const d = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
    const iso = fc.oneof(
      fc.tuple(d(4), d(2), d(2)).map(([y, m, day]) => `${y}-${m}-${day}`),
      fc.tuple(d(4), d(2), d(2), d(2), d(2), d(2)).map(([y, m, day, h, mi, s]) => `${y}-${m}-${day}T${h}:${mi}:${s}Z`),
      fc.tuple(d(4), d(2), d(2), d(2), d(2), d(2), d(3)).map(([y, m, day, h, mi, s, ms]) => `${y}-${m}-${day}T${h}:${mi}:${s}.${ms}Z`),
    );
    fc.assert(
      fc.property(iso, (text) => {
        expect(surelyClean(text)).toBe(true);
        expect(detect(text)).toEqual([]);
      }),
      { numRuns: 20_000 },
    );
  });
});

// Prose and the starts of every detector that needs no digit: provider prefixes, token runs, JWT and PEM markers, webhook URLs, base64.
const prosePieces = fc.constantFrom(
  'request ', 'completed', ' ', ', ', '. ', '/', '+', '-', '_', '"', "'", '(', ')', '!', '?', '#', ';', '\n', 'a', 'Z', 'q',
  'abcdefghij', 'ABCDEFGHIJKLM', 'xoxb-', 'xoxp-', 'sk-', 'sk_live_', 'rk_test_', 'whsec_', 'ghp_', 'glpat-', 'AIza', 'GOCSPX-', 'SG.', 'hvs.', 'hvb.',
  'hf_', 'key-', 'dapi', 'SK', 'npm_', 'pypi-AgE', 'shpat_', 'github_pat_', 'eyJ', 'eyJhbGciOi', '.eyJ', 'PRIVATE KEY', '-----BEGIN ', '-----',
  'hooks.slack.com/services/', 'discord.com/api/webhooks/', 'webhooks', 'Bearer ', 'Basic ', 'token ', 'password ', 'secret ', 'AKIA',
  'dXNlcjpwYXNz', 'amFuZUBleGFtcGxlLmNvbQ', 'ZGVhZGJlZWZkZWFkYmVlZg', 'application/json', 'text/html', 'gzip, deflate, br',
);
const prose = fc.array(prosePieces, { minLength: 2, maxLength: 24 }).map((xs) => xs.join(''));

describe('surelyClean on longer text', () => {
  it('clears prose only where no detector, base64 search or reading finds anything', () => {
    const plain = scanner();
    let cleared = 0;
    fc.assert(
      fc.property(prose, (text) => {
        if (!surelyClean(text)) return;
        cleared++;
        expect(detect(text)).toEqual([]);
        expect(plain(text)).toBe(text);
        // The same text with the gate skipped: every reading of decodingScan, base64 runs decoded.
        expect(redactText(text)).toBe(text);
        expect(detect(text.replace(/[-_.+]/g, ' '))).toEqual([]);
      }),
      { numRuns: 30_000 },
    );
    // The property is about something: a good share of the random texts is cleared.
    expect(cleared).toBeGreaterThan(1_000);
  });

  it('clears the prose logs and headers are full of, and none of the keys and markers that start a finding', () => {
    for (const text of ['request completed', 'order created for the customer', 'application/json', 'gzip, deflate, br', 'no-cache, no-store']) {
      expect(surelyClean(text), text).toBe(true);
    }
    for (const text of ['token xoxb-abcdefghij', 'key sk-abcdefghijklmnopqrst', 'whsec_ab/cd+ef/gh+ij/kl+mn/op', 'hooks.slack.com/services/ABCDEFGHIJKLMNOP', 'a eyJhbGciOi.eyJzdWIiOi.sig', '-----BEGIN PRIVATE KEY----- abc', `state ${'QUJD'.repeat(6)}`, 'order created 7 times', 'café au lait please']) {
      expect(surelyClean(text), text).toBe(false);
    }
  });
});

describe('surelyClean and text outside ASCII', () => {
  it('clears no text with a character outside ASCII: digits and separators of other scripts are the detectors\' to read', () => {
    expect(surelyClean('\uff10\uff17\uff18 \uff10\uff15 \uff11\uff11\uff12\uff10')).toBe(false); // full-width SSN digits
    expect(surelyClean('078\u00a005\u00a01120')).toBe(false); // SSN grouped by no-break spaces
    expect(surelyClean('café')).toBe(false);
    expect(surelyClean('pending')).toBe(true);
  });
});
