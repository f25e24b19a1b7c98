// A seeded random source for the mechanisms' tests: reproducible draws (xoshiro128**), never used outside tests.
import type { RandomSource } from '../../src/techniques/dp-noise.js';

/** A deterministic RandomSource from a 32-bit seed. */
export function seeded(seed: number): RandomSource {
  let a = seed >>> 0 || 1;
  let b = 0x9e3779b9;
  let c = 0x243f6a88;
  let d = 0xb7e15162;
  const next = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r;
  };
  for (let i = 0; i < 16; i++) next();
  return {
    below(n: bigint): bigint {
      const bits = n.toString(2).length;
      const words = Math.ceil(bits / 32);
      const range = 1n << BigInt(words * 32);
      const limit = range - (range % n);
      for (;;) {
        let x = 0n;
        for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(next());
        if (x < limit) return x % n;
      }
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
