// Linear time, proven on each adversarial family: 10 KB, 100 KB and 1 MB timed in a child process; growth must be linear and 1 MB under 100 ms.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FAMILIES } from './adversarial.js';

const CHILD = fileURLToPath(new URL('./linear-child.ts', import.meta.url));

/** Runs the timing child (a fresh process: no other test's heap or JIT state) and returns ms per size. */
function measure(only?: string): Record<string, [number, number, number]> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, ...(only === undefined ? [] : [only])], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 240_000 });
  return JSON.parse(out) as Record<string, [number, number, number]>;
}

describe('detector time on adversarial input', () => {
  it('grows linearly and stays under 100 ms per MB for every family', { timeout: 600_000 }, () => {
    const figures = measure();
    // Families that look slow are measured again on their own, twice at most: the machine is shared, and a stall is not the code.
    const slow = (k: string): boolean => figures[k]![2] >= 100 || figures[k]![2] > 12 * Math.max(figures[k]![1], 1);
    for (let attempt = 0; attempt < 2; attempt++) {
      for (const k of Object.keys(figures).filter(slow)) {
        const again = measure(k)[k]!;
        if (again[2] < figures[k]![2]) figures[k] = again;
      }
    }
    expect(Object.keys(figures).sort()).toEqual(Object.keys(FAMILIES).sort());
    const report = Object.entries(figures).map(([name, [k10, k100, m1]]) => ({
      name,
      k10: Math.round(k10 * 10) / 10,
      k100: Math.round(k100 * 10) / 10,
      m1: Math.round(m1 * 10) / 10,
      // The 1 MB run may cost at most ~12x the 100 KB run (10x the text, some slack for the allocator); below 1 ms the clock decides, not the code.
      linear: m1 <= 12 * Math.max(k100, 1),
      under100ms: m1 < 100,
    }));
    expect(report.filter((r) => !r.linear || !r.under100ms)).toEqual([]);
  });
});
