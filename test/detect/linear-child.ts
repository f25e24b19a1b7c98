// Child process of linear.test.ts: times redactText and the scanner on each adversarial family at 10 KB, 100 KB and 1 MB (and 2 MB when timed alone), and prints the figures as JSON.
import { redactText } from '../../src/detect/detect.js';
import { defaultScan } from '../../src/detect/scan.js';
import { FAMILIES } from './adversarial.js';

const SIZES = [10_000, 100_000, 1_000_000] as const;
/** A family measured alone is also timed at 2 MB: growth above the 1 MB step, past cache and young-generation sizes. */
const SIZES_ALONE = [...SIZES, 2_000_000] as const;

function build(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

/** Collects garbage before a timed run when the process allows it, so one run's garbage is not charged to the next. */
const collect = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

/** The fastest of `runs` runs: the work is deterministic, so the minimum is the least noisy figure on a shared machine. */
function time(fn: () => unknown, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    collect();
    const start = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

// argv: [family name, or '*' for all] [runs per size, default 5]
const only = process.argv[2] === undefined || process.argv[2] === '*' ? undefined : process.argv[2];
const runs = Number(process.argv[3] ?? 5);
const results: Record<string, number[]> = {};
for (const [name, unit] of Object.entries(FAMILIES)) {
  if (only !== undefined && only !== name) continue;
  const texts = (only === undefined ? SIZES : SIZES_ALONE).map((s) => build(unit, s));
  redactText(texts[0]!);
  defaultScan(texts[0]!);
  results[name] = texts.map((t) => time(() => defaultScan(t), runs));
}
process.stdout.write(JSON.stringify(results));
