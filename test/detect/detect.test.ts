// Detectors: precision and recall on the labeled corpus, exact spans, checksums, and linear time on adversarial input.
import { describe, expect, it } from 'vitest';
import { detect, FINDING_KINDS, redactText } from '../../src/index.js';
import { corpus, score } from '../helpers/corpus.js';

describe('the labeled corpus', () => {
  it('has at least 300 lines, positives of every kind and hard negatives', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect(corpus.filter((l) => l.pii.length === 0).length).toBeGreaterThanOrEqual(100);
    for (const kind of FINDING_KINDS) expect(corpus.some((l) => l.pii.some((p) => p.kind === kind))).toBe(true);
  });

  it('is detected with precision and recall of at least 0.95 for every kind', () => {
    const { byKind, misses } = score((t) => detect(t).map((f) => ({ kind: f.kind, value: t.slice(f.start, f.end) })));
    for (const kind of FINDING_KINDS) {
      expect({ kind, misses: misses.filter((m) => m.includes(` ${kind} `)), precision: byKind[kind]!.precision >= 0.95, recall: byKind[kind]!.recall >= 0.95 }).toEqual({
        kind,
        misses: expect.any(Array),
        precision: true,
        recall: true,
      });
    }
  });
});

describe('detect and redactText', () => {
  it('reports spans and replaces exactly those spans', () => {
    const text = 'mail jane@example.com, card 4111 1111 1111 1111, ssn 123-45-6789.';
    const findings = detect(text);
    expect(findings).toEqual([
      { kind: 'email', start: 5, end: 21 },
      { kind: 'cardNumber', start: 28, end: 47 },
      { kind: 'ssn', start: 53, end: 64 },
    ]);
    const out = redactText(text);
    expect(out).toBe('mail j***@example.com, card **** **** **** 1111, ssn ***-**-6789.');
    let rebuilt = '';
    let at = 0;
    for (const f of findings) {
      rebuilt += text.slice(at, f.start) + '<>';
      at = f.end;
    }
    expect(redactText(text, { censor: () => '<>' })).toBe(rebuilt + text.slice(at));
    expect(redactText(text, { censor: 'redact' })).toBe('mail [REDACTED], card [REDACTED], ssn [REDACTED].');
  });

  it('finds the secret, not the word before it', () => {
    const cases: Array<[string, string]> = [
      ['Authorization: Bearer abcdefghijklmnop1234', 'abcdefghijklmnop1234'],
      ['https://user:pass@host.example/x', 'user:pass'],
      ['GET /x?api_key=k3y-V4lue-123&b=1', 'k3y-V4lue-123'],
    ];
    for (const [text, secret] of cases) {
      const [f] = detect(text);
      expect(text.slice(f!.start, f!.end)).toBe(secret);
    }
  });

  it('only looks for the kinds asked for', () => {
    expect(detect('jane@example.com 4111 1111 1111 1111', { kinds: ['cardNumber'] }).map((f) => f.kind)).toEqual(['cardNumber']);
  });

  it('never splits a surrogate pair and keeps Unicode around findings intact', () => {
    const text = '😀 jane@example.com 😀';
    expect(redactText(text)).toBe('😀 j***@example.com 😀');
    expect(redactText('🙂'.repeat(10))).toBe('🙂'.repeat(10));
  });

  it.each([
    ['a run of letters then @', 'a'.repeat(100_000) + '@'],
    ['only @', '@'.repeat(100_000)],
    ['digits and spaces', '1 '.repeat(50_000)],
    ['digits and dashes', '1-'.repeat(50_000)],
    ['plus and digits', '+1 '.repeat(33_000)],
    ['dotted digits', '1.'.repeat(50_000)],
    ['colons', 'a:'.repeat(50_000)],
    ['JWT headers', 'eyJ'.repeat(33_000)],
    ['AWS prefixes', 'AKIA'.repeat(25_000)],
    ['PEM headers without end', '-----BEGIN PRIVATE KEY-----\n'.repeat(3_600)],
    ['URL schemes', 'a://'.repeat(25_000)],
    ['IBAN-like', 'DE89 '.repeat(20_000)],
    ['bearer words', 'bearer '.repeat(14_000)],
    ['key=value', 'password='.repeat(11_000)],
    ['mixed', 'x@y.z 4111-1111 203.0.113. +44 20 '.repeat(3_000)],
  ])('stays linear on 100 KB of %s', (_name, text) => {
    const start = performance.now();
    detect(text);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
