// Distinct subjects: the tokens and hashes a walk sent, read from its output at the positions its report names.
import type { Report } from '../plan/report.js';

type Step = { key: string } | { any: 'array' } | { any: 'object' };

const cache = new Map<string, Step[]>();

/** A report path (`customer.email`, `items[*].sku`, `tags.*`, `a["x-y"]`) as steps. */
function stepsOf(label: string): Step[] {
  let steps = cache.get(label);
  if (steps !== undefined) return steps;
  steps = [];
  const re = /\[\*\]|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([^.[\]]+)/g;
  for (let m = re.exec(label); m !== null; m = re.exec(label)) {
    if (m[0] === '[*]') steps.push({ any: 'array' });
    else if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ key: JSON.parse(`"${m[2]}"`) as string });
    else if (m[3] === '*') steps.push({ any: 'object' });
    else steps.push({ key: m[3]! });
  }
  // Report paths come from compiled plans: few distinct ones, but bounded anyway.
  if (cache.size < 10_000) cache.set(label, steps);
  return steps;
}

function collect(value: unknown, steps: readonly Step[], i: number, out: (s: string) => void, budget: { n: number }): void {
  if (budget.n <= 0 || value === null || value === undefined) return;
  if (i === steps.length) {
    if (typeof value === 'string' || typeof value === 'number') {
      budget.n--;
      out(String(value));
    }
    return;
  }
  const step = steps[i]!;
  if ('key' in step) {
    if (typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, step.key)) collect((value as Record<string, unknown>)[step.key], steps, i + 1, out, budget);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, steps, i + 1, out, budget);
  } else if (step.any === 'object' && typeof value === 'object') {
    for (const k of Object.keys(value)) collect((value as Record<string, unknown>)[k], steps, i + 1, out, budget);
  }
}

/** The action a subject is counted for: pseudonyms that stand for one person each. */
const SUBJECT_ACTIONS: ReadonlySet<string> = new Set(['tokenize', 'hash']);

/** Calls `out` with every token or hash sent at the report's positions, at most `max` of them. */
export function forEachSubject(report: Report, values: readonly unknown[], out: (s: string) => void, max = 10_000): void {
  const budget = { n: max };
  for (const f of report.fields) {
    if (!SUBJECT_ACTIONS.has(f.action)) continue;
    const steps = stepsOf(f.path);
    for (const v of values) collect(v, steps, 0, out, budget);
  }
}

/** Whether a report has positions that carry subjects. */
export function hasSubjects(report: Report): boolean {
  return report.tokenized > 0 || report.hashed > 0;
}
