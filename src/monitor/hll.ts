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

/**
 * A set of 32-bit hashes, for a window's distinct subjects before they go to the store: open
 * addressing in a typed array (the hashes are already mixed, so their low bits index it), grown by
 * doubling. An add makes no object and boxes no number.
 */
export class HashSet32 {
  #table = new Int32Array(64);
  #mask = 63;
  /** Whether 0, the empty slot's mark, was added. */
  #zero = false;
  #size = 0;

  /** How many distinct hashes were added. */
  get size(): number {
    return this.#size;
  }

  /** Adds a hash (its low 32 bits). */
  add(hash: number): void {
    const h = hash | 0;
    if (h === 0) {
      if (!this.#zero) {
        this.#zero = true;
        this.#size++;
      }
      return;
    }
    const t = this.#table;
    const mask = this.#mask;
    let i = h & mask;
    for (;;) {
      const v = t[i]!;
      if (v === h) return;
      if (v === 0) break;
      i = (i + 1) & mask;
    }
    t[i] = h;
    // At most half full: probes stay short.
    if (++this.#size * 2 > t.length) this.#grow();
  }

  /** The hashes added, unsigned, in no particular order. */
  unsigned(): number[] {
    const out: number[] = [];
    if (this.#zero) out.push(0);
    const t = this.#table;
    for (let i = 0; i < t.length; i++) if (t[i] !== 0) out.push(t[i]! >>> 0);
    return out;
  }

  #grow(): void {
    const old = this.#table;
    const t = new Int32Array(old.length * 2);
    const mask = t.length - 1;
    for (let k = 0; k < old.length; k++) {
      const h = old[k]!;
      if (h === 0) continue;
      let i = h & mask;
      while (t[i] !== 0) i = (i + 1) & mask;
      t[i] = h;
    }
    this.#table = t;
    this.#mask = mask;
  }
}
