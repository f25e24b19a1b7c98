// Destinations that generalize and shift dates: policy options, per-path options, and start-up refusals that name the destination.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineDestinations, defineSchema, tag, type DestinationDeclaration } from '../../src/index.js';
import { destinationPlan } from '../../src/middleware/protect.js';
import { decisionAt } from '../../src/plan/api.js';
import { applyPlan } from '../../src/plan/walk.js';
import { keyRing } from '../../src/vault/keys.js';
import { thrown } from '../helpers/thrown.js';

const keys = keyRing({ keys: { k1: randomBytes(32).toString('base64') } });
const schema = defineSchema(
  z.object({
    id: tag(z.string(), 'internal'),
    zip: tag(z.string(), 'personal', { kind: 'postalCode' }),
    age: tag(z.number(), 'personal'),
    seen: tag(z.string(), 'special'),
  }),
);
const base = { vendor: 'R', region: 'US', lawfulBasis: 'legitimate_interests', purpose: 'research' } as const;

describe('destinations with generalize and shiftDates', () => {
  it("applies `rules: { personal: 'generalize' }` with the policy's options, a path's own options winning", () => {
    const d = defineDestinations(
      {
        r: {
          ...base,
          rules: { internal: 'keep', personal: 'generalize', special: 'shiftDates' },
          generalize: { width: 20, postalPrefix: 3 },
          shiftDates: { subject: 'id', days: 5 },
          paths: { age: { action: 'generalize', options: { buckets: [0, 18, 65] } } },
        },
      },
      { keys },
    );
    const plan = destinationPlan(d, 'r', schema);
    const { value } = applyPlan(plan, { id: 'p-1', zip: '10115', age: 42, seen: '2026-03-14' }) as { value: Record<string, string> };
    expect(value).toMatchObject({ id: 'p-1', zip: '101', age: '[18,65)' });
    expect(Math.abs(Date.parse(value['seen']!) - Date.parse('2026-03-14')) / 86_400_000).toBeLessThanOrEqual(5);
    expect(decisionAt(plan, 'seen').action).toBe('shiftDates');
    expect(decisionAt(plan, 'zip').action).toBe('generalize');
  });

  it('refuses at start-up what the plan would refuse, naming the destination', () => {
    const decl = (extra: Partial<DestinationDeclaration>): Record<string, DestinationDeclaration> => ({ r: { ...base, rules: { personal: 'generalize' }, ...extra } });
    expect(thrown(() => defineDestinations(decl({ generalize: { width: -1 } }), { keys }))).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      message: expect.stringContaining('defineDestinations(): r: generalize option width'),
    });
    expect(thrown(() => defineDestinations(decl({ rules: { special: 'shiftDates' } }), { keys }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS', message: expect.stringContaining('subject') });
    expect(thrown(() => defineDestinations(decl({ rules: { special: 'shiftDates' }, shiftDates: { subject: 'id' } })))).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      message: 'defineDestinations(): r: the action shiftDates needs keys (a keyRing) or a vault',
    });
    expect(thrown(() => defineDestinations(decl({ paths: { age: { action: 'generalize', options: { dates: 'hour' as 'day' } } } }), { keys }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    expect(thrown(() => defineDestinations(decl({ rules: { personal: 'generalise' as 'generalize' } }), { keys }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });
});
