// Distinct counts in bounded memory: a HyperLogLog sketch of 4,096 six-bit registers (≈1.6% error), fed 32-bit hashes.

/** Registers are indexed by the hash's top 12 bits: 4,096 of them, one byte each, whatever the number of distinct values. */
const P = 12;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/**
 * A 32-bit hash of a string (FNV-1a, then murmur3's finalizer so that the top bits mix well). It
 * is what the sketch keeps instead of the string, and it is kept nowhere but in a register's rank.
 */
export function hash32(s: string, from = 0): number {
  let h = 0x811c9dc5;
  for (let i = from; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A HyperLogLog sketch: add hashes, merge sketches, estimate how many distinct hashes were added. */
export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(M);
  }

  /** Adds a 32-bit hash (from {@link hash32}). */
  add(h: number): void {
    const index = h >>> (32 - P);
    // The rank is the position of the first 1 bit in the remaining 20 bits (21 when they are all zero).
    const rest = (h << P) >>> 0;
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  /** Takes the larger register of each pair: the sketch of the union. */
  merge(other: HyperLogLog): void {
    const r = this.registers;
    const o = other.registers;
    for (let i = 0; i < M; i++) if (o[i]! > r[i]!) r[i] = o[i]!;
  }

  /** The estimated number of distinct hashes added, with the small-range correction. */
  count(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const v = this.registers[i]!;
      sum += 2 ** -v;
      if (v === 0) zeros++;
    }
    const estimate = (ALPHA * M * M) / sum;
    if (estimate <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(estimate);
  }

  /** The registers as base64, for exported state. */
  toBase64(): string {
    return Buffer.from(this.registers).toString('base64');
  }

  /** A sketch from {@link toBase64}'s output. */
  static fromBase64(text: string): HyperLogLog {
    const bytes = Buffer.from(text, 'base64');
    const sketch = new HyperLogLog();
    if (bytes.length === M) sketch.registers.set(bytes);
    return sketch;
  }
}

/**
 * The hash of a subject the walk sent. Keyed hashes (`hmac_<kid>_<digest>`) and opaque tokens
 * (`tok_<22 base62>`) end in uniform random characters, so their last six (36 bits) tell them
 * apart as well as the whole would, at a fraction of the cost; anything else (a format-preserving
 * token, whose kept digits may repeat) is hashed whole.
 */
export function subjectHash(s: string): number {
  return s.length > 12 && (s.startsWith('hmac_') || s.startsWith('tok_')) ? hash32(s, s.length - 6) : hash32(s);
}
