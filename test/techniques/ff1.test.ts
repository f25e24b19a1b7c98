// FF1 against the nine sample vectors NIST published for SP 800-38G, in both directions, and the domain rule of Rev. 1.
//
// Source of the vectors: NIST, "FF1samples.pdf" (Cryptographic Standards and Guidelines, Examples with
// Intermediate Values, https://csrc.nist.gov/CSRC/media/Projects/Cryptographic-Standards-and-Guidelines/documents/examples/FF1samples.pdf),
// as transcribed in bcgit/bc-java, core/src/test/java/org/bouncycastle/crypto/test/SP80038GTest.java (ff1Samples).
import { describe, expect, it } from 'vitest';
import { FF1 } from '../../src/techniques/ff1.js';
import { FieldguardError } from '../../src/errors.js';

const K128 = '2B7E151628AED2A6ABF7158809CF4F3C';
const K192 = '2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F';
const K256 = '2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94';
const T10 = '39383736353433323130';
const T11 = '3737373770717273373737';
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

const SAMPLES: ReadonlyArray<readonly [number, string, number, string, string, string]> = [
  [1, K128, 10, '', '0123456789', '2433477484'],
  [2, K128, 10, T10, '0123456789', '6124200773'],
  [3, K128, 36, T11, '0123456789abcdefghi', 'a9tv40mll9kdu509eum'],
  [4, K192, 10, '', '0123456789', '2830668132'],
  [5, K192, 10, T10, '0123456789', '2496655549'],
  [6, K192, 36, T11, '0123456789abcdefghi', 'xbj3kv35jrawxv32ysr'],
  [7, K256, 10, '', '0123456789', '6657667009'],
  [8, K256, 10, T10, '0123456789', '1001623463'],
  [9, K256, 36, T11, '0123456789abcdefghi', 'xs8a0azh2avyalyzuwd'],
];

const numerals = (s: string): number[] => [...s].map((c) => ALPHABET.indexOf(c));
const text = (x: readonly number[]): string => x.map((d) => ALPHABET[d]).join('');

describe('FF1 (NIST SP 800-38G)', () => {
  for (const [n, key, radix, tweak, pt, ct] of SAMPLES) {
    it(`matches NIST sample ${n} (AES-${(key.length / 2) * 8}, radix ${radix}, ${tweak.length / 2}-byte tweak) both ways`, () => {
      const ff1 = new FF1(Buffer.from(key, 'hex'), radix);
      const t = Buffer.from(tweak, 'hex');
      expect(text(ff1.encrypt(numerals(pt), t))).toBe(ct);
      expect(text(ff1.decrypt(numerals(ct), t))).toBe(pt);
    });
  }

  it('round-trips random values of many lengths and radixes, and the tweak changes the ciphertext', () => {
    const ff1 = new FF1(Buffer.alloc(32, 7), 10);
    for (let n = 6; n < 60; n++) {
      const x = Array.from({ length: n }, (_, i) => (i * 7 + n) % 10);
      const y = ff1.encrypt(x, Buffer.from('a'));
      expect(y).toHaveLength(n);
      expect(ff1.decrypt(y, Buffer.from('a'))).toEqual(x);
      expect(ff1.encrypt(x, Buffer.from('b'))).not.toEqual(y);
    }
    const wide = new FF1(Buffer.alloc(32, 9), 62);
    const x = Array.from({ length: 40 }, (_, i) => (i * 13) % 62);
    expect(wide.decrypt(wide.encrypt(x, Buffer.alloc(40, 1)), Buffer.alloc(40, 1))).toEqual(x);
  });

  it('refuses domains smaller than a million values with ERR_FPE_DOMAIN_TOO_SMALL', () => {
    const ff1 = new FF1(Buffer.alloc(32, 1), 10);
    let caught: unknown;
    try {
      ff1.encrypt([1, 2, 3, 4, 5]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FieldguardError);
    expect((caught as FieldguardError).code).toBe('ERR_FPE_DOMAIN_TOO_SMALL');
    expect((caught as FieldguardError).message).not.toContain('12345');
    expect(ff1.encrypt([1, 2, 3, 4, 5, 6])).toHaveLength(6);
    expect(() => new FF1(Buffer.alloc(32), 36).encrypt([1, 2, 3])).toThrow(/minimum is 1,000,000/);
    expect(new FF1(Buffer.alloc(32), 36).encrypt([1, 2, 3, 4])).toHaveLength(4);
  });
});
