// privacyBudget: composition matches the worked formulas of the literature, an exhausted budget refuses, and the aggregates clip and bound.
import { describe, expect, it } from 'vitest';
import { composedEpsilon, privacyBudget, zcdpToEpsilon } from '../../src/techniques/budget.js';
import { thrown } from '../helpers/thrown.js';
import { seeded } from './seeded.js';

const records = (n: number, subject?: (i: number) => string, value?: (i: number) => number | string) =>
  Array.from({ length: n }, (_, i) => ({ ...(subject ? { subject: subject(i) } : {}), ...(value ? { value: value(i) } : {}) }));

describe('accounting', () => {
  it('composes pure ε-DP releases by adding them (Dwork and Roth 2014, Theorem 3.16) and refuses the one past the budget', () => {
    const b = privacyBudget({ epsilon: 1, random: seeded(1) });
    for (let i = 0; i < 4; i++) b.count(records(10), { epsilon: 0.25 });
    expect(b.spent()).toEqual({ epsilon: 1, delta: 0, laplaceEpsilon: 1, gaussianRho: 0 });
    expect(b.fits({ epsilon: 0.01 })).toBe(false);
    const e = thrown(() => b.count(records(10), { epsilon: 0.01 }));
    expect(e.code).toBe('ERR_PRIVACY_BUDGET_EXHAUSTED');
    expect(e.status).toBe(429);
    expect(b.spent().epsilon).toBe(1);
  });

  it('converts ρ-zCDP to (ε, δ) as ρ + 2√(ρ ln 1/δ) (Bun and Steinke 2016, Prop. 1.3) and adds ρ across Gaussian releases (Lemma 2.3)', () => {
    // Worked example: ρ = 0.5 (a Gaussian of σ = Δ, Prop. 1.6), δ = 1e-5 → ε = 0.5 + 2·√(0.5·ln 10^5) ≈ 5.2985.
    expect(zcdpToEpsilon(0.5, 1e-5)).toBeCloseTo(5.29853, 4);
    // Ten Gaussian releases of ρ = 0.01 each are one of ρ = 0.1: at δ = 1e-6, ε ≈ 2.45078.
    const eps = zcdpToEpsilon(0.1, 1e-6);
    expect(eps).toBeCloseTo(2.45078, 4);
    const b = privacyBudget({ epsilon: eps + 1e-6, delta: 1e-6, random: seeded(2) });
    for (let i = 0; i < 10; i++) b.count(records(100), { rho: 0.01 });
    expect(b.spent().gaussianRho).toBeCloseTo(0.1, 12);
    expect(thrown(() => b.count(records(100), { rho: 0.001 })).code).toBe('ERR_PRIVACY_BUDGET_EXHAUSTED');
    // Far tighter than adding each release's own (ε, δ): 10 × (0.01 + 2√(0.01 ln 10^6)) ≈ 7.53 at δ = 10^-5 in total.
    expect(10 * zcdpToEpsilon(0.01, 1e-6)).toBeGreaterThan(7.5);
  });

  it('takes the tighter of basic composition and all-zCDP (ε-DP ⇒ ε²/2-zCDP, Bun and Steinke 2016, Prop. 1.4) for a mix', () => {
    const many = Array.from({ length: 100 }, () => 0.1);
    expect(composedEpsilon(many, 0, 1e-6)).toBeCloseTo(10, 9);
    // 100 Laplace releases of ε = 0.1 and one Gaussian of ρ = 0.05: all as zCDP, ρ = 0.55 → ε ≈ 6.06.
    expect(composedEpsilon(many, 0.05, 1e-6)).toBeCloseTo(zcdpToEpsilon(0.55, 1e-6), 9);
    expect(composedEpsilon([0.5], 0.01, 1e-6)).toBeCloseTo(0.5 + zcdpToEpsilon(0.01, 1e-6), 9);
  });

  it('renews a per-window budget when the window ends, and never a total one', () => {
    let t = 0;
    const w = privacyBudget({ epsilon: 1, per: 'window', window: 60_000, now: () => t, random: seeded(3) });
    w.count(records(5), { epsilon: 1 });
    expect(thrown(() => w.count(records(5), { epsilon: 0.1 })).code).toBe('ERR_PRIVACY_BUDGET_EXHAUSTED');
    t = 60_000;
    expect(w.spent().epsilon).toBe(0);
    w.count(records(5), { epsilon: 1 });
    const total = privacyBudget({ epsilon: 1, now: () => t, random: seeded(3) });
    total.count(records(5), { epsilon: 1 });
    t = 10 ** 9;
    expect(total.fits({ epsilon: 0.1 })).toBe(false);
  });

  it('refuses unclear options at the call, before anything is spent', () => {
    expect(thrown(() => privacyBudget({ epsilon: 0 })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => privacyBudget({ epsilon: 1, per: 'window' })).message).toMatch(/needs window/);
    const b = privacyBudget({ epsilon: 1 });
    expect(thrown(() => b.count([], { rho: 0.1 })).message).toMatch(/needs a budget with delta/);
    expect(thrown(() => b.count([], { epsilon: 0.1, rho: 0.1 })).message).toMatch(/exactly one/);
    expect(thrown(() => b.sum([], { epsilon: 0.1, lower: 5, upper: 1 })).message).toMatch(/clipping bounds/);
    expect(thrown(() => b.histogram([], { epsilon: 0.1, bins: [] })).message).toMatch(/bins/);
    expect(b.spent().epsilon).toBe(0);
  });
});

describe('aggregates', () => {
  // With a huge ε the noise is all but zero, so the clipped, bounded aggregate itself shows.
  const exact = () => privacyBudget({ epsilon: 1e6, random: seeded(5) });

  it('counts at most `contributions` records per subject', () => {
    const data = [...records(100, () => 'heavy'), ...records(5, (i) => `s${i}`)];
    expect(exact().count(data, { epsilon: 1e5 })).toBe(6);
    expect(exact().count(data, { epsilon: 1e5, contributions: 3 })).toBe(8);
  });

  it('clips values to the bounds before summing, and derives the sensitivity from them', () => {
    const data = [{ value: 5 }, { value: 1000 }, { value: -3 }, { value: 2.5 }];
    // Integer bounds put values on a grid of 1: 2.5 counts as 3.
    expect(exact().sum(data, { epsilon: 1e5, lower: 0, upper: 10 })).toBe(18);
    expect(exact().sum(data, { epsilon: 1e5, lower: 0, upper: 10, resolution: 0.5 })).toBe(17.5);
    expect(exact().mean(data, { epsilon: 1e5, lower: 0, upper: 10, resolution: 0.5 })).toBeCloseTo(4.375, 9);
  });

  it('releases noisy counts of the declared bins only, and a quantile from them', () => {
    const data = records(90, (i) => `u${i}`, (i) => (i < 60 ? 'ok' : i < 85 ? 'client-error' : 'server-error'));
    const h = exact().histogram([...data, { subject: 'x', value: 'a-new-secret-bin' }], { epsilon: 1e5, bins: ['ok', 'client-error', 'server-error'] });
    expect(h).toEqual({ ok: 60, 'client-error': 25, 'server-error': 5 });
    const latencies = records(1000, (i) => `u${i}`, (i) => i % 100);
    expect(exact().quantile(latencies, { epsilon: 1e5, lower: 0, upper: 100, q: 0.5, buckets: 100 })).toBe(49.5);
    expect(exact().quantile(latencies, { epsilon: 1e5, lower: 0, upper: 100, q: 0.9, buckets: 100 })).toBe(89.5);
  });

  it('adds noise of the scale the cost implies: a count at ε = 0.5 over many releases has variance 2p/(1−p)², p = e^−0.5', () => {
    const b = privacyBudget({ epsilon: 1e9, random: seeded(9) });
    const xs = Array.from({ length: 20_000 }, () => b.count(records(50), { epsilon: 0.5 }) - 50);
    const p = Math.exp(-0.5);
    const v = (2 * p) / (1 - p) ** 2;
    const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
    expect(Math.abs(variance - v) / v).toBeLessThan(0.06);
    // And a Gaussian release of ρ: σ² = Δ²/(2ρ) = 25 at ρ = 0.02.
    const g = privacyBudget({ epsilon: 1e9, delta: 1e-9, random: seeded(10) });
    const ys = Array.from({ length: 20_000 }, () => g.count(records(50), { rho: 0.02 }) - 50);
    const gv = ys.reduce((a, y) => a + y * y, 0) / ys.length;
    expect(Math.abs(gv - 25) / 25).toBeLessThan(0.06);
  });
});
