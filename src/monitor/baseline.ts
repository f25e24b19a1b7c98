// Robust baselines: the median and the median absolute deviation of the comparable windows before, and a one-sided score.

/** What a window is compared with. */
export interface Baseline {
  /** The median of the comparable windows. */
  readonly median: number;
  /** The spread used as the score's unit: 1.4826 × MAD, never below √median or 1 (Poisson counts). */
  readonly scale: number;
  /** How many windows the baseline was computed from. */
  readonly windows: number;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The baseline of a series of past windows. The MAD ignores up to half the windows being
 * outliers, so one earlier spike neither raises the baseline nor hides the next; the floor of
 * √median keeps steady Poisson traffic, whose MAD may come out near zero by chance, from alerting.
 */
export function baselineOf(history: readonly number[]): Baseline {
  const sorted = [...history].sort((a, b) => a - b);
  const m = median(sorted);
  const mad = median(sorted.map((x) => Math.abs(x - m)).sort((a, b) => a - b));
  return { median: m, scale: Math.max(1.4826 * mad, Math.sqrt(m), 1), windows: history.length };
}

/** How many units of spread a value lies above the baseline (0 when below: only rises alert). */
export function scoreOf(observed: number, b: Baseline): number {
  return Math.max(0, (observed - b.median) / b.scale);
}
