// shiftDates: one keyed offset per subject, within ±days and never 0, so intervals survive and absolute dates do not.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { compilePlan, defineSchema, tag } from '../../src/index.js';
import { keyRing } from '../../src/vault/keys.js';
import { offsetDays, resolveShift } from '../../src/techniques/shift-dates.js';
import { thrown } from '../helpers/thrown.js';

const keys = keyRing({ keys: { k1: randomBytes(32).toString('base64') } });
const schema = defineSchema(
  z.object({
    patient: z.object({ id: tag(z.string(), 'internal'), birthDate: tag(z.string(), 'personal', { kind: 'birthDate' }) }),
    admitted: tag(z.string(), 'personal'),
    discharged: tag(z.string(), 'personal'),
    visits: z.array(z.object({ at: tag(z.string(), 'personal'), note: tag(z.string(), 'personal', { kind: 'freeText' }) })),
  }),
);
const rules = (days?: number) => [
  { select: { atLeast: 'personal' as const }, action: 'shiftDates' as const, options: { subject: 'patient.id', ...(days === undefined ? {} : { days }) } },
  { select: { atLeast: 'public' as const }, action: 'keep' as const },
];
const DAY = 86_400_000;
const days = (a: string, b: string): number => (Date.parse(b.slice(0, 10)) - Date.parse(a.slice(0, 10))) / DAY;

const stay = (id: string) => ({
  patient: { id, birthDate: '1984-07-21' },
  admitted: '2026-03-14T10:22:00+01:00',
  discharged: '2026-03-20',
  visits: [{ at: '2026-04-01', note: 'checked on 2026-04-01' }],
});

describe('the shiftDates action', () => {
  it('moves every date of a subject by the same offset: intervals survive, times and zones are kept', () => {
    const plan = compilePlan({ schema, rules: rules(), keys });
    const { value, report } = plan(stay('p-1')) as { value: ReturnType<typeof stay>; report: { shifted: number } };
    const offset = days('1984-07-21', value.patient.birthDate);
    expect(Math.abs(offset)).toBeGreaterThanOrEqual(1);
    expect(Math.abs(offset)).toBeLessThanOrEqual(30);
    expect(days('2026-03-14', value.admitted)).toBe(offset);
    expect(value.admitted.slice(10)).toBe('T10:22:00+01:00');
    expect(days(value.admitted, value.discharged)).toBe(6);
    expect(days('2026-04-01', value.visits[0]!.at)).toBe(offset);
    // Free text is no date: dropped, not kept.
    expect(value.visits[0]).toEqual({ at: value.visits[0]!.at });
    expect(report.shifted).toBe(5);
    // No date stays where it was (another field may hold that day by chance: a key's offset can map one date onto another's).
    expect(value.patient.birthDate).not.toBe('1984-07-21');
    expect(value.admitted.slice(0, 10)).not.toBe('2026-03-14');
    expect(value.discharged).not.toBe('2026-03-20');
    expect(value.visits[0]!.at).not.toBe('2026-04-01');
    // The same subject gets the same offset in every payload; the plan answers what it does.
    expect(plan(stay('p-1')).value).toEqual(value);
    expect(plan.actionAt('admitted')).toMatchObject({ action: 'shiftDates' });
  });

  it('shifts Date objects and keeps them Dates', () => {
    const plan = compilePlan({ schema, rules: rules(), keys });
    const at = new Date(Date.UTC(2026, 2, 14, 10, 22));
    const { value } = plan({ patient: { id: 'p-2' }, admitted: at }) as { value: { admitted: Date } };
    expect(value.admitted).toBeInstanceOf(Date);
    const moved = (value.admitted.getTime() - at.getTime()) / DAY;
    expect(Number.isInteger(moved) && Math.abs(moved) >= 1 && Math.abs(moved) <= 30).toBe(true);
  });

  it('drops the dates of a payload with no subject identifier, and values that are not dates', () => {
    const plan = compilePlan({ schema, rules: rules(), keys });
    expect(plan({ patient: {}, admitted: '2026-03-14', discharged: 'soon' }).value).toEqual({ patient: {} });
    expect(plan({ patient: { id: { nested: 1 } }, admitted: '2026-03-14' }).value).toEqual({ patient: {} });
    expect(plan({ patient: { id: 'p-3' }, discharged: 'soon', admitted: 20260314 }).value).toEqual({ patient: { id: 'p-3' } });
  });

  it('draws offsets in ±1…±days, never 0, covering the range (property)', () => {
    const shift = resolveShift({ subject: 'id', days: 3 }, keys, 'test');
    const seen = new Set<number>();
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (id) => {
        const d = offsetDays(shift, 'ns', id);
        seen.add(d);
        expect(d !== 0 && Math.abs(d) <= 3 && Number.isInteger(d)).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 1, 2, 3]);
  });

  it('derives offsets from the key and the namespace: another key or namespace, other offsets', () => {
    const a = resolveShift({ subject: 'id' }, keys, 't');
    const b = resolveShift({ subject: 'id' }, keyRing({ keys: { k2: randomBytes(32).toString('base64') } }), 't');
    const ids = Array.from({ length: 50 }, (_, i) => `p-${i}`);
    expect(ids.map((id) => offsetDays(a, 'x', id))).not.toEqual(ids.map((id) => offsetDays(b, 'x', id)));
    expect(ids.map((id) => offsetDays(a, 'x', id))).not.toEqual(ids.map((id) => offsetDays(a, 'y', id)));
  });

  it('refuses at start-up a rule without a subject, with a wildcard subject, or without keys', () => {
    expect(thrown(() => compilePlan({ schema, rules: [{ select: { atLeast: 'personal' }, action: 'shiftDates' }], keys }))).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      message: expect.stringContaining("subject: 'path.of.id'"),
    });
    expect(thrown(() => compilePlan({ schema, rules: [{ select: { atLeast: 'personal' }, action: 'shiftDates', options: { subject: 'visits[*].id' } }], keys }))).toMatchObject({ code: 'ERR_INVALID_PATH' });
    expect(thrown(() => compilePlan({ schema, rules: rules() }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS', message: expect.stringContaining('needs keys') });
    expect(thrown(() => compilePlan({ schema, rules: rules(0), keys }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });
});

describe('shiftDates fails closed', () => {
  it('refuses a payload whose subject cannot be read, with a code and no value', () => {
    const plan = compilePlan({ schema, rules: rules(), keys });
    const patient = {
      get id(): string {
        throw new Error('p-secret-42');
      },
    };
    const e = thrown(() => plan({ patient, admitted: '2026-03-14' }));
    expect(e).toMatchObject({ code: 'ERR_UNREADABLE_VALUE' });
    expect(JSON.stringify(e) + String((e as Error).message)).not.toContain('p-secret-42');
  });
});
