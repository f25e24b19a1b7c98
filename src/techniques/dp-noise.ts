// Exact discrete noise for differential privacy: Bernoulli, discrete Laplace and discrete Gaussian in integer arithmetic (Canonne, Kamath, Steinke 2020).
import { randomBytes, randomInt } from 'node:crypto';

/**
 * Where the mechanisms draw their randomness: `below(n)` is a uniform integer in [0, n). The
 * default reads the operating system's CSPRNG (node:crypto); a seeded source is for tests only,
 * since noise anyone can predict protects nobody.
 */
export interface RandomSource {
  below(n: bigint): bigint;
}

/** A non-negative rational number num/den with den > 0, as the mechanisms take their parameters. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

const RANDOM_INT_MAX = 2n ** 48n;

/** The operating system's CSPRNG: `randomInt` where it reaches, rejection sampling over `randomBytes` beyond. */
export const cryptoRandom: RandomSource = {
  below(n: bigint): bigint {
    if (n <= 0n) throw new RangeError('below(n) needs n > 0');
    if (n <= RANDOM_INT_MAX) return BigInt(randomInt(Number(n)));
    const bytes = Math.ceil(n.toString(2).length / 8);
    const range = 1n << BigInt(bytes * 8);
    const limit = range - (range % n);
    for (;;) {
      const x = BigInt(`0x${randomBytes(bytes).toString('hex')}`);
      if (x < limit) return x % n;
    }
  },
};

/**
 * A float as a rational, rounded down to a multiple of 10^-9: a budget or epsilon is always
 * spent as at most what was asked, never more.
 */
export function rationalDown(x: number): Rational {
  return { num: BigInt(Math.floor(x * 1e9)), den: 1_000_000_000n };
}

/** A float as a rational, rounded up to a multiple of 10^-9 (for noise scales: never less noise than asked). */
export function rationalUp(x: number): Rational {
  return { num: BigInt(Math.ceil(x * 1e9)), den: 1_000_000_000n };
}

/** Bernoulli(num/den). */
function bernoulli(rng: RandomSource, num: bigint, den: bigint): boolean {
  return rng.below(den) < num;
}

/** Bernoulli(exp(−num/den)) exactly, for any num/den ≥ 0 (CKS20, Algorithm 1). */
export function bernoulliExp(rng: RandomSource, num: bigint, den: bigint): boolean {
  // exp(−γ) for γ > 1 is the product of exp(−1) floor(γ) times and exp(−(γ − floor γ)).
  while (num > den) {
    if (!bernoulliExpSmall(rng, den, den)) return false;
    num -= den;
  }
  return bernoulliExpSmall(rng, num, den);
}

/** Bernoulli(exp(−γ)) for γ = num/den in [0, 1]: P[K ≥ k + 1] = γ^k / k!, so P[K odd] = 1 − γ + γ²/2 − … = exp(−γ). */
function bernoulliExpSmall(rng: RandomSource, num: bigint, den: bigint): boolean {
  let k = 1n;
  while (bernoulli(rng, num, den * k)) k++;
  // K is the first k whose Bernoulli(γ/k) failed; P[K odd] = exp(−γ).
  return k % 2n === 1n;
}

/**
 * The discrete Laplace distribution with scale t/s: P[x] ∝ exp(−|x|·s/t) over the integers
 * (CKS20, Algorithm 2). For a query of integer sensitivity Δ under ε = a/b: s = a, t = b·Δ.
 */
export function discreteLaplace(rng: RandomSource, s: bigint, t: bigint): bigint {
  if (s <= 0n || t <= 0n) throw new RangeError('discrete Laplace needs s, t > 0');
  for (;;) {
    const u = rng.below(t);
    if (!bernoulliExp(rng, u, t)) continue;
    let v = 0n;
    while (bernoulliExp(rng, 1n, 1n)) v++;
    const x = u + t * v;
    const y = x / s;
    const negative = rng.below(2n) === 1n;
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** floor(sqrt(n)) of a non-negative bigint. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/**
 * The discrete Gaussian with variance parameter σ² = num/den: P[x] ∝ exp(−x²/(2σ²)) over the
 * integers (CKS20, Algorithm 3), by rejection from a discrete Laplace of scale t = floor(σ) + 1.
 */
export function discreteGaussian(rng: RandomSource, sigma2: Rational): bigint {
  const { num: a, den: b } = sigma2;
  if (a <= 0n || b <= 0n) throw new RangeError('discrete Gaussian needs σ² > 0');
  const t = isqrt(a / b) + 1n;
  for (;;) {
    const y = discreteLaplace(rng, 1n, t);
    const abs = y < 0n ? -y : y;
    // (|y| − σ²/t)² / (2σ²) = (|y|·t·b − a)² / (2·a·b·t²)
    const d = abs * t * b - a;
    if (bernoulliExp(rng, d * d, 2n * a * b * t * t)) return y;
  }
}
