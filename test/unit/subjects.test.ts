// The subject hashes of the pseudonyms a walk sent are kept beside its report (never on it), for the monitor's distinct subjects.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { applyPlanText, compilePlan, defineSchema, tag } from '../../src/index.js';
import { keepSubjects, mergeReports, subjectsOf, EMPTY_REPORT, MAX_SUBJECTS } from '../../src/plan/report.js';
import { digestSubject, subjectHash } from '../../src/plan/subjects.js';
import { hmacPseudonym, pseudonymDigest } from '../../src/vault/crypto.js';
import { keyRing } from '../../src/vault/index.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });
const schema = defineSchema(z.object({
  id: tag(z.string(), 'public'),
  email: tag(z.string(), 'personal', { kind: 'email' }),
  notes: z.array(tag(z.string(), 'personal')),
}));
const plan = compilePlan({ schema, rules: [{ select: { sensitivity: 'personal' }, action: 'hash' }], keys });

describe('subjectsOf', () => {
  it('lists the subject hash of every keyed hash the walk wrote, in order, and nothing the report shows', () => {
    const input = { id: 'o1', email: 'ada@example.com', notes: ['first', 'second'] };
    const { value, report } = plan(input) as { value: { email: string; notes: string[] }; report: never };
    const pseudonyms = [value.email, ...value.notes];
    expect(pseudonyms.every((s) => s.startsWith('hmac_k1_'))).toBe(true);
    expect(subjectsOf(report)).toEqual(pseudonyms.map(subjectHash));
    // The report itself carries no value and no subject hash, in any of its own properties or its JSON.
    const text = JSON.stringify(report);
    const shown = inspect(report, { depth: 5, showHidden: true });
    const spread = JSON.stringify({ ...(report as object) });
    for (const s of [...pseudonyms, ...subjectsOf(report).map(String)]) {
      expect(text).not.toContain(s);
      expect(shown).not.toContain(s);
      expect(spread).not.toContain(s);
    }
    expect(Object.getOwnPropertySymbols(report)).toEqual([]);
  });

  it('reads the subject of a keyed hash from its digest as subjectHash reads it from the pseudonym', () => {
    for (const value of ['ada@example.com', '', 'é', 'x'.repeat(5000)]) {
      const digest = pseudonymDigest(keys, value, 'ns');
      expect(digestSubject(digest)).toBe(subjectHash(hmacPseudonym(keys, value, 'ns')));
    }
  });

  it('keeps the subject hashes of the pseudonyms of a report made by hand', () => {
    const report = keepSubjects({ ...EMPTY_REPORT }, ['hmac_k1_abcdefghijklmnop', 'tok_0123456789abcdefghijkl']);
    expect(subjectsOf(report)).toEqual([subjectHash('hmac_k1_abcdefghijklmnop'), subjectHash('tok_0123456789abcdefghijkl')]);
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
