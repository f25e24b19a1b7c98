// The discrete mechanisms against their definitions: over many draws with a fixed seed, mean, variance and tail mass match the formulas.
import { describe, expect, it } from 'vitest';
import { bernoulliExp, cryptoRandom, discreteGaussian, discreteLaplace } from '../../src/techniques/dp-noise.js';
import { seeded } from './seeded.js';

const N = 60_000;

function stats(draw: () => bigint): { mean: number; variance: number; tail: (k: number) => number } {
  const xs = Array.from({ length: N }, () => Number(draw()));
  const mean = xs.reduce((a, b) => a + b, 0) / N;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (N - 1);
  return { mean, variance, tail: (k) => xs.filter((x) => Math.abs(x) >= k).length / N };
}

/** |observed − expected| within z binomial standard errors of a proportion p over N draws. */
function withinProportion(observed: number, p: number, z = 4.5): boolean {
  return Math.abs(observed - p) <= z * Math.sqrt((p * (1 - p)) / N);
}

describe('Bernoulli(exp(−γ))', () => {
  it.each([[3n, 10n], [1n, 1n], [5n, 2n], [0n, 7n]])('has mean exp(−%i/%i)', (num, den) => {
    const rng = seeded(7);
    let hits = 0;
    for (let i = 0; i < N; i++) if (bernoulliExp(rng, num, den)) hits++;
    expect(withinProportion(hits / N, Math.exp(-Number(num) / Number(den)))).toBe(true);
  });
});

describe('discrete Laplace', () => {
  // P[x] = (1 − p)/(1 + p) · p^|x| with p = exp(−s/t); variance 2p/(1 − p)²; P[|X| ≥ k] = 2p^k/(1 + p) for k ≥ 1.
  it.each([[1n, 2n], [1n, 1n], [3n, 10n]])('with s/t = %i/%i has mean 0, variance 2p/(1−p)² and tail 2p^k/(1+p)', (s, t) => {
    const p = Math.exp(-Number(s) / Number(t));
    const rng = seeded(11);
    const { mean, variance, tail } = stats(() => discreteLaplace(rng, s, t));
    const v = (2 * p) / (1 - p) ** 2;
    expect(Math.abs(mean)).toBeLessThan(4.5 * Math.sqrt(v / N));
    expect(Math.abs(variance - v) / v).toBeLessThan(0.05);
    for (const k of [1, 3, 6]) expect(withinProportion(tail(k), (2 * p ** k) / (1 + p))).toBe(true);
  });

  it('draws from the operating system’s CSPRNG by default', () => {
    const xs = Array.from({ length: 200 }, () => discreteLaplace(cryptoRandom, 1n, 1n));
    expect(new Set(xs).size).toBeGreaterThan(3);
    expect(cryptoRandom.below(2n ** 80n)).toBeLessThan(2n ** 80n);
  });
});

describe('discrete Gaussian', () => {
  // P[x] ∝ exp(−x²/(2σ²)); the moments are computed from the definition by summing the mass function.
  it.each([[4n, 1n], [1n, 4n], [50n, 1n]])('with σ² = %i/%i matches the variance and tail of its mass function', (num, den) => {
    const s2 = Number(num) / Number(den);
    const w = (x: number) => Math.exp(-(x * x) / (2 * s2));
    const range = Array.from({ length: 2001 }, (_, i) => i - 1000);
    const z = range.reduce((a, x) => a + w(x), 0);
    const v = range.reduce((a, x) => a + x * x * w(x), 0) / z;
    const tailOf = (k: number) => range.filter((x) => Math.abs(x) >= k).reduce((a, x) => a + w(x), 0) / z;
    const rng = seeded(23);
    const { mean, variance, tail } = stats(() => discreteGaussian(rng, { num, den }));
    expect(Math.abs(mean)).toBeLessThan(4.5 * Math.sqrt(v / N));
    expect(Math.abs(variance - v) / v).toBeLessThan(0.05);
    for (const k of [1, 2, Math.ceil(2 * Math.sqrt(s2))]) expect(withinProportion(tail(k), tailOf(k))).toBe(true);
  });
});
