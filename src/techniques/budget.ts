// privacyBudget: differentially private counts, sums, means, histograms and quantiles, each charged to one (ε, δ) budget.
import { FieldguardError } from '../errors.js';
import { cryptoRandom, discreteGaussian, discreteLaplace, rationalDown, type RandomSource } from './dp-noise.js';

/** One record of an aggregate: who it is about (for the contribution bound) and its value. */
export interface DpRecord {
  /** The subject (person, account, device) the record is about. Without one, each record is its own subject. */
  readonly subject?: string | number;
  /** The value: a number for sums, means and quantiles, a bin name for histograms; ignored by counts. */
  readonly value?: number | string;
}

/**
 * What one release spends. Give `epsilon` for the discrete Laplace mechanism (pure ε-DP) or `rho`
 * for the discrete Gaussian (ρ-zCDP; needs a budget with `delta`). The contribution bound is how
 * many records of one subject count at most (the rest are left out): sensitivity follows from it.
 */
export interface DpQuery {
  readonly epsilon?: number;
  readonly rho?: number;
  /** Most records per subject that count. Default 1. */
  readonly contributions?: number;
}

/** A numeric query: values are clipped to [lower, upper] (required: they bound the sensitivity). */
export interface DpNumericQuery extends DpQuery {
  readonly lower: number;
  readonly upper: number;
  /**
   * The grid values are rounded to before noise is added, so the arithmetic stays exact. Default 1
   * when both bounds are integers, else (upper − lower) / 10,000.
   */
  readonly resolution?: number;
}

/** Options of {@link privacyBudget}. */
export interface PrivacyBudgetOptions {
  /** The total ε that releases may spend. */
  readonly epsilon: number;
  /** The total δ; needed for the Gaussian mechanism (zCDP converted to (ε, δ)-DP). Default 0. */
  readonly delta?: number;
  /**
   * `'total'` (default): the budget is spent once, for the life of the object. `'window'`: it is
   * renewed every `window` milliseconds — each window's releases are (ε, δ)-DP for that window's
   * data; a subject present in n windows loses up to n times as much.
   */
  readonly per?: 'window' | 'total';
  /** The window length in milliseconds, with `per: 'window'`. */
  readonly window?: number;
  /** Tests only: a seeded random source instead of the operating system's CSPRNG. */
  readonly random?: RandomSource;
  /** Tests only: the clock, in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** What a budget has spent, as (ε, δ)-DP by the tighter of basic composition and zCDP. */
export interface BudgetSpent {
  readonly epsilon: number;
  readonly delta: number;
  /** Σ ε of the Laplace releases. */
  readonly laplaceEpsilon: number;
  /** Σ ρ of the Gaussian releases. */
  readonly gaussianRho: number;
}

/** A privacy budget and the releases it pays for. */
export interface PrivacyBudget {
  /** A noisy count of records (at most `contributions` per subject). */
  count(records: readonly DpRecord[], query: DpQuery): number;
  /** A noisy sum of values clipped to [lower, upper]. */
  sum(records: readonly DpRecord[], query: DpNumericQuery): number;
  /** A noisy mean: half the query's ε (or ρ) for the sum, half for the count; clamped to [lower, upper]. */
  mean(records: readonly DpRecord[], query: DpNumericQuery): number;
  /** Noisy counts of declared bins; values outside `bins` are counted nowhere (a new bin name would itself be a disclosure). */
  histogram(records: readonly DpRecord[], query: DpQuery & { readonly bins: readonly string[] }): Record<string, number>;
  /** The q-quantile (0–1) read from a noisy histogram of `buckets` equal buckets over [lower, upper] (default 64). */
  quantile(records: readonly DpRecord[], query: DpNumericQuery & { readonly q: number; readonly buckets?: number }): number;
  /** What has been spent (in the current window, with `per: 'window'`). */
  spent(): BudgetSpent;
  /** Whether a release of this cost would still fit. */
  fits(query: DpQuery): boolean;
}

/** ρ-zCDP as (ε, δ)-DP: ε = ρ + 2·sqrt(ρ·ln(1/δ)) (Bun and Steinke 2016, Proposition 1.3). */
export function zcdpToEpsilon(rho: number, delta: number): number {
  if (rho === 0) return 0;
  return rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
}

/** The ε of a spend: basic composition of the Laplace part with the Gaussian part's zCDP, or everything as zCDP (ε-DP ⇒ ε²/2-zCDP); the smaller. */
export function composedEpsilon(laplace: readonly number[], rho: number, delta: number): number {
  const basic = laplace.reduce((a, b) => a + b, 0);
  if (rho === 0) return basic;
  const mixed = basic + zcdpToEpsilon(rho, delta);
  const allZ = zcdpToEpsilon(rho + laplace.reduce((a, e) => a + (e * e) / 2, 0), delta);
  return Math.min(mixed, allZ);
}

function invalid(message: string): never {
  throw new FieldguardError('ERR_INVALID_OPTIONS', message);
}

const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;
// Spends are compared with a little slack, so ten releases of ε/10 fit a budget of ε despite rounding.
const SLACK = 1e-9;

/**
 * Creates a privacy budget: every release (`count`, `sum`, `mean`, `histogram`, `quantile`) states
 * its cost — `epsilon` (discrete Laplace) or `rho` (discrete Gaussian) — and is refused with
 * `ERR_PRIVACY_BUDGET_EXHAUSTED`, before any noise is drawn, when it would take the spend past
 * (ε, δ). Noise is exact (integer arithmetic, CKS20) and drawn from node:crypto.
 *
 * @example
 * ```ts
 * const budget = privacyBudget({ epsilon: 1, delta: 1e-6 });
 * const n = budget.count(events, { epsilon: 0.25, contributions: 5 });
 * const avg = budget.mean(orders.map((o) => ({ subject: o.customerId, value: o.total })), { epsilon: 0.5, lower: 0, upper: 500 });
 * ```
 */
export function privacyBudget(options: PrivacyBudgetOptions): PrivacyBudget {
  if (options === null || typeof options !== 'object') invalid('privacyBudget() takes { epsilon, delta?, per?, window? }');
  for (const k of Object.keys(options)) if (!['epsilon', 'delta', 'per', 'window', 'random', 'now'].includes(k)) invalid(`privacyBudget(): unknown option ${JSON.stringify(k)}`);
  if (!positive(options.epsilon)) invalid('privacyBudget(): epsilon must be a positive number');
  const delta = options.delta ?? 0;
  if (typeof delta !== 'number' || !(delta >= 0 && delta < 1)) invalid('privacyBudget(): delta must be in [0, 1)');
  const per = options.per ?? 'total';
  if (per !== 'total' && per !== 'window') invalid("privacyBudget(): per is 'window' or 'total'");
  if (per === 'window' && !positive(options.window)) invalid("privacyBudget(): per: 'window' needs window (milliseconds)");
  const rng = options.random ?? cryptoRandom;
  const now = options.now ?? Date.now;
  const total = options.epsilon;

  let windowStart = now();
  let laplace: number[] = [];
  let rho = 0;

  const roll = (): void => {
    if (per !== 'window') return;
    const t = now();
    if (t - windowStart >= options.window!) {
      windowStart += Math.floor((t - windowStart) / options.window!) * options.window!;
      laplace = [];
      rho = 0;
    }
  };

  const cost = (q: DpQuery): { kind: 'laplace'; epsilon: number } | { kind: 'gaussian'; rho: number } => {
    if (q === null || typeof q !== 'object') invalid('a release needs { epsilon } or { rho }');
    if ((q.epsilon === undefined) === (q.rho === undefined)) invalid('a release states exactly one of epsilon (Laplace) or rho (Gaussian)');
    if (q.epsilon !== undefined) {
      if (!positive(q.epsilon)) invalid('epsilon must be a positive number');
      return { kind: 'laplace', epsilon: q.epsilon };
    }
    if (!positive(q.rho)) invalid('rho must be a positive number');
    if (delta === 0) invalid('the Gaussian mechanism (rho) needs a budget with delta > 0');
    return { kind: 'gaussian', rho: q.rho };
  };

  const after = (c: ReturnType<typeof cost>): number =>
    c.kind === 'laplace' ? composedEpsilon([...laplace, c.epsilon], rho, delta || 1) : composedEpsilon(laplace, rho + c.rho, delta);

  const charge = (q: DpQuery): ReturnType<typeof cost> => {
    roll();
    const c = cost(q);
    if (after(c) > total + SLACK) {
      throw new FieldguardError('ERR_PRIVACY_BUDGET_EXHAUSTED', `this release would spend more than the budget's ε = ${total}${per === 'window' ? ' for this window' : ''}; nothing was released`);
    }
    if (c.kind === 'laplace') laplace.push(c.epsilon);
    else rho += c.rho;
    return c;
  };

  /** Integer noise for a query of integer sensitivity `sens` under the charged cost. */
  const noise = (c: ReturnType<typeof cost>, sens: bigint): bigint => {
    if (c.kind === 'laplace') {
      const e = rationalDown(c.epsilon);
      if (e.num === 0n) invalid('epsilon is below 1e-9');
      return discreteLaplace(rng, e.num, e.den * sens);
    }
    const r = rationalDown(c.rho);
    if (r.num === 0n) invalid('rho is below 1e-9');
    // σ² = Δ² / (2ρ), with ρ rounded down: never less noise than the cost charged.
    return discreteGaussian(rng, { num: sens * sens * r.den, den: 2n * r.num });
  };

  const bound = (records: readonly DpRecord[], q: DpQuery): DpRecord[] => {
    if (!Array.isArray(records)) invalid('records must be an array of { subject?, value? }');
    const m = q.contributions ?? 1;
    if (!Number.isSafeInteger(m) || m < 1) invalid('contributions must be a positive integer');
    const seen = new Map<string, number>();
    const out: DpRecord[] = [];
    for (const r of records) {
      if (r?.subject === undefined) {
        out.push(r);
        continue;
      }
      // One subject as a number and as text (7 and '7', from two id sources) is still one: bounded together.
      const who = String(r.subject);
      const n = seen.get(who) ?? 0;
      if (n < m) {
        seen.set(who, n + 1);
        out.push(r);
      }
    }
    return out;
  };

  const grid = (q: DpNumericQuery): number => {
    if (typeof q.lower !== 'number' || typeof q.upper !== 'number' || !Number.isFinite(q.lower) || !Number.isFinite(q.upper) || q.lower > q.upper) {
      invalid('a numeric release needs finite clipping bounds lower ≤ upper');
    }
    if (q.resolution !== undefined && !positive(q.resolution)) invalid('resolution must be a positive number');
    return q.resolution ?? (Number.isInteger(q.lower) && Number.isInteger(q.upper) ? 1 : (q.upper - q.lower) / 10_000 || 1);
  };

  const clippedSum = (records: readonly DpRecord[], q: DpNumericQuery, g: number): bigint => {
    let s = 0n;
    for (const r of records) {
      const v = typeof r?.value === 'number' && Number.isFinite(r.value) ? Math.min(q.upper, Math.max(q.lower, r.value)) : q.lower < 0 && q.upper > 0 ? 0 : q.lower;
      s += BigInt(Math.round(v / g));
    }
    return s;
  };

  const sumSensitivity = (q: DpNumericQuery, g: number): bigint =>
    BigInt(q.contributions ?? 1) * BigInt(Math.max(1, Math.ceil(Math.max(Math.abs(q.lower), Math.abs(q.upper)) / g)));

  const half = (q: DpQuery): DpQuery => (q.epsilon !== undefined ? { ...q, epsilon: q.epsilon / 2 } : { ...q, rho: q.rho! / 2 });

  const noisyCounts = (counts: readonly bigint[], c: ReturnType<typeof cost>, m: number): number[] => counts.map((n) => Number(n + noise(c, BigInt(m))));

  const budget: PrivacyBudget = {
    count(records, q) {
      const kept = bound(records, q);
      const c = charge(q);
      return Number(BigInt(kept.length) + noise(c, BigInt(q.contributions ?? 1)));
    },
    sum(records, q) {
      const g = grid(q);
      const kept = bound(records, q);
      const c = charge(q);
      return Number(clippedSum(kept, q, g) + noise(c, sumSensitivity(q, g))) * g;
    },
    mean(records, q) {
      const g = grid(q);
      const kept = bound(records, q);
      // The whole cost is charged once; the sum and the count each use half of it (basic composition).
      charge(q);
      const h = cost(half(q));
      const s = Number(clippedSum(kept, q, g) + noise(h, sumSensitivity(q, g))) * g;
      const n = Number(BigInt(kept.length) + noise(h, BigInt(q.contributions ?? 1)));
      return Math.min(q.upper, Math.max(q.lower, s / Math.max(1, n)));
    },
    histogram(records, q) {
      if (!Array.isArray(q?.bins) || q.bins.length === 0 || q.bins.some((b) => typeof b !== 'string' || b === '__proto__')) invalid('a histogram needs bins: a non-empty list of names');
      const kept = bound(records, q);
      const c = charge(q);
      const index = new Map(q.bins.map((b, i) => [b, i]));
      const counts = q.bins.map(() => 0n);
      for (const r of kept) {
        const i = typeof r?.value === 'string' ? index.get(r.value) : undefined;
        if (i !== undefined) counts[i]!++;
      }
      const noisy = noisyCounts(counts, c, q.contributions ?? 1);
      const out: Record<string, number> = {};
      q.bins.forEach((b, i) => (out[b] = noisy[i]!));
      return out;
    },
    quantile(records, q) {
      grid(q);
      if (typeof q.q !== 'number' || !(q.q >= 0 && q.q <= 1)) invalid('quantile needs q in [0, 1]');
      const buckets = q.buckets ?? 64;
      if (!Number.isSafeInteger(buckets) || buckets < 1 || buckets > 100_000) invalid('buckets must be an integer from 1 to 100,000');
      const kept = bound(records, q);
      const c = charge(q);
      const width = (q.upper - q.lower) / buckets || 1;
      const counts = new Array<bigint>(buckets).fill(0n);
      for (const r of kept) {
        if (typeof r?.value !== 'number' || !Number.isFinite(r.value)) continue;
        const v = Math.min(q.upper, Math.max(q.lower, r.value));
        counts[Math.min(buckets - 1, Math.floor((v - q.lower) / width))]!++;
      }
      // Post-processing of one noisy histogram: negative counts are read as zero, then the CDF is walked.
      const noisy = noisyCounts(counts, c, q.contributions ?? 1).map((n) => Math.max(0, n));
      const all = noisy.reduce((a, b) => a + b, 0);
      if (all === 0) return q.lower + (q.upper - q.lower) * q.q;
      let acc = 0;
      for (let i = 0; i < buckets; i++) {
        acc += noisy[i]!;
        if (acc >= q.q * all) return q.lower + (i + 0.5) * width;
      }
      return q.upper;
    },
    spent() {
      roll();
      return { epsilon: composedEpsilon(laplace, rho, delta || 1), delta: rho > 0 ? delta : 0, laplaceEpsilon: laplace.reduce((a, b) => a + b, 0), gaussianRho: rho };
    },
    fits(q) {
      roll();
      return after(cost(q)) <= total + SLACK;
    },
  };
  return Object.freeze(budget);
}
