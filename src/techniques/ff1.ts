// FF1 format-preserving encryption (NIST SP 800-38G, Algorithms 7 and 8) over numeral strings, with AES as the block cipher.
import { createCipheriv, type Cipher } from 'node:crypto';
import { FieldguardError } from '../errors.js';

/** The smallest domain (radix^length) FF1 may encrypt: the minimum of SP 800-38G Rev. 1. */
export const MIN_DOMAIN = 1_000_000n;
/** The longest numeral string accepted; the standard allows up to 2^32, fieldguard bounds the work per value. */
export const MAX_LENGTH = 4096;
const ROUNDS = 10;
const BLOCK = 16;

/**
 * Exact ceil(log2(radix^v)): the bit length of radix^v − 1 (for radix^v ≥ 2). The standard writes
 * ceil(v·log2(radix)); floating point would be wrong where radix is a power of two.
 */
function bitsFor(radix: bigint, v: number): number {
  const top = radix ** BigInt(v) - 1n;
  return top === 0n ? 0 : top.toString(2).length;
}

/** NUM_radix(X): the numeral string read as a number, most significant numeral first. */
function num(x: ArrayLike<number>, from: number, to: number, radix: bigint): bigint {
  let n = 0n;
  for (let i = from; i < to; i++) n = n * radix + BigInt(x[i]!);
  return n;
}

/** STR^m_radix(x): x written as exactly m numerals. */
function str(x: bigint, m: number, radix: bigint, out: number[], at: number): void {
  for (let i = m - 1; i >= 0; i--) {
    out[at + i] = Number(x % radix);
    x /= radix;
  }
}

/** [x]^s: x as s bytes, big-endian. */
function bytesOf(x: bigint, s: number): Buffer {
  const out = Buffer.alloc(s);
  for (let i = s - 1; i >= 0 && x > 0n; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Whether a radix and a length make a domain FF1 may encrypt. */
export function domainSize(radix: number, length: number): bigint {
  return BigInt(radix) ** BigInt(length);
}

/**
 * One FF1 key and radix. Numerals are integers in [0, radix). The AES key is 16, 24 or 32 bytes
 * (fieldguard's own values always use 32: AES-256); the cipher object is made once and reused,
 * since ECB without padding keeps no state between blocks.
 */
export class FF1 {
  readonly radix: number;
  readonly #radix: bigint;
  readonly #aes: Cipher;

  constructor(key: Uint8Array, radix: number) {
    if (![16, 24, 32].includes(key.length)) throw new FieldguardError('ERR_INVALID_KEY', 'an FF1 key has 16, 24 or 32 bytes');
    if (!Number.isInteger(radix) || radix < 2 || radix > 65536) throw new FieldguardError('ERR_INVALID_OPTIONS', 'the FF1 radix is an integer from 2 to 65536');
    this.radix = radix;
    this.#radix = BigInt(radix);
    this.#aes = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    this.#aes.setAutoPadding(false);
  }

  /** CIPH_K of one or more whole blocks, each independently. */
  #ciph(block: Buffer): Buffer {
    return this.#aes.update(block);
  }

  /** CBC-MAC (the PRF of the standard: zero IV, last block) continued from `state` over whole blocks of `x`. */
  #mac(state: Buffer, x: Buffer): Buffer {
    let y = state;
    for (let j = 0; j < x.length; j += BLOCK) {
      const z = Buffer.allocUnsafe(BLOCK);
      for (let k = 0; k < BLOCK; k++) z[k] = y[k]! ^ x[j + k]!;
      y = this.#ciph(z);
    }
    return y;
  }

  /** Checks a numeral string and tweak before either direction. */
  #check(x: ArrayLike<number>): void {
    const n = x.length;
    if (n < 2 || n > MAX_LENGTH) throw new FieldguardError('ERR_FPE_DOMAIN_TOO_SMALL', `FF1 takes 2 to ${MAX_LENGTH} numerals; this value has ${n}`);
    if (domainSize(this.radix, n) < MIN_DOMAIN) {
      throw new FieldguardError('ERR_FPE_DOMAIN_TOO_SMALL', `FF1 refuses a domain of ${this.radix}^${n} values: the minimum is 1,000,000 (NIST SP 800-38G Rev. 1)`);
    }
    for (let i = 0; i < n; i++) {
      const d = x[i]!;
      if (!Number.isInteger(d) || d < 0 || d >= this.radix) throw new FieldguardError('ERR_INVALID_OPTIONS', `an FF1 numeral is outside radix ${this.radix}`);
    }
  }

  /**
   * Steps 1–5 shared by both directions: the split, b, d and P — and, since P, the tweak and the
   * zero padding open every round's PRF input unchanged, the CBC-MAC state after their whole blocks,
   * so each round only MACs what changes (the round number and the half).
   */
  #setup(n: number, tweak: Uint8Array): { u: number; v: number; b: number; d: number; state: Buffer; rest: Buffer } {
    const t = tweak.length;
    const u = Math.floor(n / 2);
    const v = n - u;
    const b = Math.ceil(bitsFor(this.#radix, v) / 8);
    const d = 4 * Math.ceil(b / 4) + 4;
    const p = Buffer.alloc(BLOCK);
    p[0] = 1;
    p[1] = 2;
    p[2] = 1;
    p.writeUIntBE(this.radix, 3, 3);
    p[6] = 10;
    p[7] = u % 256;
    p.writeUInt32BE(n, 8);
    p.writeUInt32BE(t, 12);
    const pad = (((-t - b - 1) % BLOCK) + BLOCK) % BLOCK;
    const head = Buffer.alloc(BLOCK + t + pad + 1 + b);
    p.copy(head, 0);
    head.set(tweak, BLOCK);
    const whole = Math.floor((BLOCK + t + pad) / BLOCK) * BLOCK;
    const state = this.#mac(Buffer.alloc(BLOCK), head.subarray(0, whole));
    // The remaining bytes of P || Q: the rest of the padding, then [i]^1 || [NUM(B)]^b, written per round.
    return { u, v, b, d, state, rest: Buffer.from(head.subarray(whole)) };
  }

  /** Steps 6.i–6.iv: y for round i from the half that feeds it. */
  #round(state: Buffer, rest: Buffer, i: number, half: bigint, b: number, d: number): bigint {
    const at = rest.length - b - 1;
    rest[at] = i;
    bytesOf(half, b).copy(rest, at + 1);
    const r = this.#mac(state, rest);
    let s = r;
    if (d > BLOCK) {
      const parts: Buffer[] = [r];
      for (let j = 1; j < Math.ceil(d / BLOCK); j++) {
        const x = Buffer.from(r);
        const jb = bytesOf(BigInt(j), BLOCK);
        for (let k = 0; k < BLOCK; k++) x[k]! ^= jb[k]!;
        parts.push(this.#ciph(x));
      }
      s = Buffer.concat(parts);
    }
    return BigInt(`0x${s.subarray(0, d).toString('hex')}`);
  }

  /** Ten Feistel rounds in either direction: Algorithm 7 (encrypt) or Algorithm 8 (decrypt). */
  #feistel(x: ArrayLike<number>, tweak: Uint8Array, decrypt: boolean): number[] {
    this.#check(x);
    const n = x.length;
    const { u, v, b, d, state, rest } = this.#setup(n, tweak);
    let a = num(x, 0, u, this.#radix);
    let bb = num(x, u, n, this.#radix);
    const mu = this.#radix ** BigInt(u);
    const mv = this.#radix ** BigInt(v);
    for (let r = 0; r < ROUNDS; r++) {
      const i = decrypt ? ROUNDS - 1 - r : r;
      const mod = i % 2 === 0 ? mu : mv;
      if (decrypt) {
        const c = (((bb - this.#round(state, rest, i, a, b, d)) % mod) + mod) % mod;
        bb = a;
        a = c;
      } else {
        const c = (a + this.#round(state, rest, i, bb, b, d)) % mod;
        a = bb;
        bb = c;
      }
    }
    // Either way A ends with u numerals and B with v (encrypting, round 9 wrote B modulo radix^v; decrypting, round 0 wrote A modulo radix^u).
    const out = new Array<number>(n);
    str(a, u, this.#radix, out, 0);
    str(bb, v, this.#radix, out, u);
    return out;
  }

  /** FF1.Encrypt(K, T, X) — Algorithm 7. */
  encrypt(x: ArrayLike<number>, tweak: Uint8Array = new Uint8Array(0)): number[] {
    return this.#feistel(x, tweak, false);
  }

  /** FF1.Decrypt(K, T, Y) — Algorithm 8. */
  decrypt(x: ArrayLike<number>, tweak: Uint8Array = new Uint8Array(0)): number[] {
    return this.#feistel(x, tweak, true);
  }
}
