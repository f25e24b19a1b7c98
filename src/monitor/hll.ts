// Distinct counts in bounded memory: a HyperLogLog sketch of 4,096 six-bit registers (≈1.6% error), fed 32-bit hashes.
export { hash32, subjectHash } from '../plan/subjects.js';

/** Registers are indexed by the hash's top 12 bits: 4,096 of them, one byte each, whatever the number of distinct values. */
const P = 12;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

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
