// The leak hunt's own instruments: canaries are valid of their kind, and the scanner finds them in every encoding.
import { describe, expect, it } from 'vitest';
import { detect } from '../../src/index.js';
import { ibanValid, luhn } from '../../src/detect/checks.js';
import { canaries, findLeaks } from './canaries.js';

describe('canaries', () => {
  it('are fresh and valid of their kind, so detectors and checksums treat them as real data', () => {
    const a = canaries();
    const b = canaries();
    expect(a.email).not.toBe(b.email);
    expect(luhn(a.card.replace(/\D/g, ''))).toBe(true);
    expect(ibanValid(a.iban)).toBe(true);
    for (const kind of ['email', 'card', 'ssn', 'iban', 'jwt'] as const) {
      expect(detect(a[kind]).length, kind).toBe(1);
    }
  });

  it('are found raw, URL-encoded, base64 at every alignment, upper-cased, hex and as digits only', () => {
    const c = canaries();
    const forms: Record<string, string> = {
      raw: `x ${c.email} y`,
      url: `q=${encodeURIComponent(c.email)}`,
      upper: c.apiKey.toUpperCase(),
      digits: `n=${c.card.replace(/\D/g, '')}`,
      hex: Buffer.from(c.ssn).toString('hex'),
      b64a: Buffer.from(`${c.jwt}`).toString('base64'),
      b64b: Buffer.from(`a${c.health}`).toString('base64'),
      b64c: Buffer.from(`ab${c.iban}`).toString('base64url'),
    };
    const leaks = findLeaks(forms, c);
    expect(new Set(leaks.map((l) => l.channel))).toEqual(new Set(Object.keys(forms)));
    expect(findLeaks({ clean: 'nothing here', masked: '**** **** **** 1234, c***@example.com' }, c)).toEqual([]);
  });
});
