// The pseudonyms a walk sent are kept beside its report (never on it), for the monitor's distinct subjects.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyPlanText, compilePlan, defineSchema, tag } from '../../src/index.js';
import { mergeReports, subjectsOf, MAX_SUBJECTS } from '../../src/plan/report.js';
import { keyRing } from '../../src/vault/index.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });
const schema = defineSchema(z.object({
  id: tag(z.string(), 'public'),
  email: tag(z.string(), 'personal', { kind: 'email' }),
  notes: z.array(tag(z.string(), 'personal')),
}));
const plan = compilePlan({ schema, rules: [{ select: { sensitivity: 'personal' }, action: 'hash' }], keys });

describe('subjectsOf', () => {
  it('lists every keyed hash the walk wrote, in order, and nothing the report shows', () => {
    const input = { id: 'o1', email: 'ada@example.com', notes: ['first', 'second'] };
    const { value, report } = plan(input) as { value: { email: string; notes: string[] }; report: never };
    expect(subjectsOf(report)).toEqual([value.email, ...value.notes]);
    expect(subjectsOf(report).every((s) => s.startsWith('hmac_k1_'))).toBe(true);
    // The report itself carries no value, in any of its own properties or its JSON.
    const text = JSON.stringify(report);
    const shown = inspect(report, { depth: 5, showHidden: true });
    const spread = JSON.stringify({ ...(report as object) });
    for (const s of subjectsOf(report)) {
      expect(text).not.toContain(s);
      expect(shown).not.toContain(s);
      expect(spread).not.toContain(s);
    }
    expect(Object.getOwnPropertySymbols(report)).toEqual([]);
  });

  it('is the same for the text walk, and kept through mergeReports', () => {
    const input = { id: 'o1', email: 'ada@example.com', notes: ['x'] };
    const a = plan(input);
    const b = applyPlanText(plan, input);
    expect(subjectsOf(b.report)).toEqual(subjectsOf(a.report));
    expect(subjectsOf(mergeReports([a.report, b.report]))).toEqual([...subjectsOf(a.report), ...subjectsOf(b.report)]);
  });

  it('is empty for a walk that hashed nothing, and capped for a huge one', () => {
    expect(subjectsOf(plan({ id: 'o1' }).report)).toEqual([]);
    const many = { id: 'o', email: 'a@b.example', notes: Array.from({ length: MAX_SUBJECTS + 50 }, (_, i) => `n${i}`) };
    expect(subjectsOf(compilePlan({ schema, rules: [{ select: { sensitivity: 'personal' }, action: 'hash' }], keys, maxNodes: 100_000 })(many).report)).toHaveLength(MAX_SUBJECTS);
  });
});
