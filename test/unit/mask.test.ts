// Mask formats per kind: exact outputs, and nothing beyond what each standard allows.
import { describe, expect, it } from 'vitest';
import { defaultMask, REDACTED, type Kind } from '../../src/index.js';

const mask = (kind: Kind | undefined, v: unknown) => defaultMask(kind)(v, { path: 'x', kind });

describe('default masks', () => {
  it.each([
    ['cardNumber', '4111 1111 1111 1111', '**** **** **** 1111'],
    ['cardNumber', '4111-1111-1111-1111', '****-****-****-1111'],
    ['cardNumber', '378282246310005', '***********0005'],
    ['cardNumber', '12345', '*****'],
    ['cardNumber', 'card: 4111111111111111', REDACTED],
    ['email', 'jane.doe@example.com', 'j***@example.com'],
    ['email', '😀x@example.com', '😀***@example.com'],
    ['email', 'not-an-email', REDACTED],
    ['phone', '+1 415-555-0132', '+* ***-***-**32'],
    ['phone', '+44 20 7946 0958', '+** ** **** **58'],
    ['phone', 'call 555', REDACTED],
    ['ssn', '123-45-6789', '***-**-6789'],
    ['ssn', '123456789', '***-**-6789'],
    ['ssn', '12-345', REDACTED],
    ['iban', 'DE89370400440532013000', 'DE****************3000'],
    ['iban', 'GB82 WEST 1234 5698 7654 32', 'GB** **** **** **** **54 32'],
    ['iban', 'nonsense', REDACTED],
    ['ipAddress', '203.0.113.77', '203.0.113.0'],
    ['ipAddress', '2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['ipAddress', '2001:db8::1', '2001:db8::'],
    ['ipAddress', '999.1.1.1', REDACTED],
    // An IPv4 address with its port is no IPv6 prefix: its first three ':'-groups were the whole address.
    ['ipAddress', '203.0.113.7:443', REDACTED],
    ['ipAddress', '1:2:3', REDACTED],
    ['ipAddress', '::ffff:203.0.113.7', '::'],
    ['birthDate', '1990-04-02', '1990-**-**'],
    ['birthDate', '02/04/1990', '**/**/1990'],
    ['birthDate', 'yesterday', REDACTED],
    ['name', 'Jane Doe', REDACTED],
    [undefined, 'anything', REDACTED],
  ] as const)('%s: %j → %j', (kind, input, output) => {
    expect(mask(kind, input)).toBe(output);
  });

  it('masks every non-string value as [REDACTED] but keeps null and undefined', () => {
    for (const v of [4111111111111111, 42n, true, { a: 1 }, ['x'], Buffer.from('secret'), new Map([['a', 1]])]) {
      expect(mask('cardNumber', v)).toBe(REDACTED);
    }
    expect(mask('email', null)).toBeNull();
    expect(mask('email', undefined)).toBeUndefined();
    expect(mask('birthDate', new Date('1990-04-02T00:00:00Z'))).toBe('1990-**-**T**:**:**.***Z');
  });

  it('never shows more than the last four digits of a card, whatever its separators', () => {
    for (const card of ['4111111111111111', '4111 1111 1111 1111', '4111-1111-1111-1111', '6011000990139424', '3530111333300000']) {
      const masked = String(mask('cardNumber', card));
      expect(masked.replace(/\D/g, '')).toBe(card.replace(/\D/g, '').slice(-4));
      expect(masked.length).toBe(card.length);
    }
  });
});
