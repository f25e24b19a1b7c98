// generalize: each kind's hierarchy with its defaults and options, exact outputs, and drop for whatever has none.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { compilePlan, defineSchema, tag } from '../../src/index.js';
import { DEFAULT_GENERALIZE, generalizeValue, resolveGeneralize } from '../../src/techniques/generalize.js';
import { thrown } from '../helpers/thrown.js';

const g = (kind: Parameters<typeof generalizeValue>[0], v: unknown, o: Record<string, unknown> = {}, level = 0): unknown =>
  generalizeValue(kind, v, resolveGeneralize(o, 'test'), level, () => Date.UTC(2026, 5, 1));

describe('generalizeValue', () => {
  it('keeps the year of a birth date by default, and coarser spans up the hierarchy', () => {
    expect(g('birthDate', '1984-07-21')).toBe('1984');
    expect(g('birthDate', '1984-07-21', {}, 1)).toBe('1980-1984');
    expect(g('birthDate', '1984-07-21', {}, 2)).toBe('1980-1989');
    expect(g('birthDate', '1984-07-21', {}, 3)).toBe('1980-1999');
    expect(g('birthDate', '1984-07-21', {}, 4)).toBeUndefined();
    expect(g('birthDate', new Date(Date.UTC(1990, 0, 2)))).toBe('1990');
  });

  it('turns a birth date into an age band on the reference date', () => {
    const o = { birthDate: 'ageBand', ageBands: [0, 18, 30, 50, 65], reference: '2026-01-01' };
    expect(g('birthDate', '1984-07-21', o)).toBe('[30,50)');
    expect(g('birthDate', '1996-01-01', o)).toBe('[30,50)');
    expect(g('birthDate', '1996-01-02', o)).toBe('[18,30)');
    expect(g('birthDate', '1950-03-03', o)).toBe('>=65');
    expect(g('birthDate', '1984-07-21', { birthDate: 'ageBand', reference: '2026-01-01' })).toBe('[40,50)');
    expect(g('birthDate', '1984-07-21', { birthDate: 'ageBand', ageBands: 5, reference: '2026-01-01' })).toBe('[40,45)');
    // Without a reference, the day of the call.
    expect(g('birthDate', '1984-07-21', { birthDate: 'ageBand' })).toBe('[40,50)');
    expect(g('birthDate', '2030-01-01', o)).toBeUndefined();
  });

  it('truncates other dates to the configured grain (month by default)', () => {
    expect(g(undefined, '2026-03-14')).toBe('2026-03');
    expect(g(undefined, '2026-03-14T10:22:00Z', { dates: 'day' })).toBe('2026-03-14');
    expect(g(undefined, '2026-03-14', { dates: 'week' })).toBe('2026-03-09');
    expect(g(undefined, '2026-03-09', { dates: 'week' })).toBe('2026-03-09');
    expect(g(undefined, '2026-03-14', { dates: 'year' })).toBe('2026');
    expect(g(undefined, '2026-03-14', { dates: 'week' }, 1)).toBe('2026-03');
    expect(g(undefined, '2026-03-14', { dates: 'year' }, 1)).toBeUndefined();
    expect(g(undefined, '2026-02-30')).toBeUndefined();
  });

  it('keeps a postal code prefix by the country rule', () => {
    expect(g('postalCode', '10115')).toBe('10');
    expect(g('postalCode', '10115', { postalPrefix: 3 })).toBe('101');
    expect(g('postalCode', '02139-4307', { country: 'US' })).toBe('021');
    expect(g('postalCode', '03601', { country: 'US' })).toBe('000');
    expect(g('postalCode', '03601', { country: 'US' }, 1)).toBe('03');
    expect(g('postalCode', 'SW1A 1AA', { country: 'GB' })).toBe('SW1A');
    expect(g('postalCode', 'M1 1AE', { country: 'GB' })).toBe('M1');
    expect(g('postalCode', 'K1A 0B1', { country: 'CA' })).toBe('K1A');
    expect(g('postalCode', '12')).toBeUndefined();
    expect(g('postalCode', { zip: '10115' })).toBeUndefined();
  });

  it('snaps a position to the centre of its grid cell', () => {
    expect(g('geo', { lat: 52.520008, lon: 13.404954 })).toEqual({ lat: 52.519763, lon: 13.412196 });
    expect(g('geo', '52.520008,13.404954')).toBe('52.519763,13.412196');
    expect(g('geo', { type: 'Point', coordinates: [13.404954, 52.520008] })).toEqual({ type: 'Point', coordinates: [13.412196, 52.519763] });
    expect(g('geo', { latitude: 52.520008, longitude: 13.404954, accuracy: 3 }, { geoPrecision: 10_000 })).toEqual({ latitude: 52.506288, longitude: 13.35643 });
    expect(g('geo', { lat: 91, lon: 0 })).toBeUndefined();
    expect(g('geo', 'Berlin')).toBeUndefined();
  });

  it('keeps the network prefix of an IP address', () => {
    expect(g('ipAddress', '203.0.113.77')).toBe('203.0.113.0/24');
    expect(g('ipAddress', '203.0.113.77', {}, 1)).toBe('203.0.0.0/16');
    expect(g('ipAddress', '203.0.113.77', { ipv4Prefix: 20 })).toBe('203.0.112.0/20');
    expect(g('ipAddress', '2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe('2001:db8:85a3::/48');
    expect(g('ipAddress', '2001:db8:85a3::1', { ipv6Prefix: 32 })).toBe('2001:db8::/32');
    expect(g('ipAddress', '::ffff:192.0.2.1', { ipv6Prefix: 112 })).toBe('::ffff:c000:0/112');
    expect(g('ipAddress', '999.1.1.1')).toBeUndefined();
  });

  it('buckets numbers by boundaries or by width, as ranges', () => {
    expect(g(undefined, 42)).toBe('[40,50)');
    expect(g(undefined, 42, { width: 5 })).toBe('[40,45)');
    expect(g(undefined, 42, {}, 1)).toBe('[40,60)');
    expect(g(undefined, 0.35, { width: 0.1 })).toBe('[0.3,0.4)');
    const buckets = { buckets: [0, 18, 30, 50, 65] };
    expect(g(undefined, 17, buckets)).toBe('[0,18)');
    expect(g(undefined, 30, buckets)).toBe('[30,50)');
    expect(g(undefined, 70, buckets)).toBe('>=65');
    expect(g(undefined, -1, buckets)).toBe('<0');
    expect(g(undefined, 40, buckets, 1)).toBe('[30,65)');
    expect(g(undefined, Number.NaN)).toBeUndefined();
  });

  it('drops free text, other kinds and values with no hierarchy', () => {
    for (const [kind, v] of [
      ['freeText', 'call me at 555-0100'],
      ['email', 'jane@example.com'],
      ['name', 'Jane Doe'],
      [undefined, 'some words'],
      [undefined, true],
      [undefined, null],
      ['health', 'diabetes'],
    ] as const) {
      expect(g(kind, v)).toBeUndefined();
    }
  });

  it('never returns the value it was given (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.double(), fc.date()), fc.constantFrom(undefined, 'birthDate', 'postalCode', 'geo', 'ipAddress', 'freeText'), (v, kind) => {
        const out = generalizeValue(kind, v, DEFAULT_GENERALIZE);
        expect(out === v && out !== undefined).toBe(false);
      }),
    );
  });

  it('refuses bad options at start-up, naming the option', () => {
    expect(thrown(() => resolveGeneralize({ buckets: [3, 1] }, 'rule 0'))).toMatchObject({ code: 'ERR_INVALID_OPTIONS', message: expect.stringContaining('buckets') });
    expect(thrown(() => resolveGeneralize({ dates: 'hour' }, 'rule 0'))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    expect(thrown(() => resolveGeneralize({ postal: 3 }, 'rule 0'))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });
});

const patient = defineSchema(
  z.object({
    id: tag(z.string(), 'internal'),
    birthDate: tag(z.string(), 'personal', { kind: 'birthDate' }),
    zip: tag(z.string(), 'personal', { kind: 'postalCode' }),
    ip: tag(z.string(), 'personal', { kind: 'ipAddress' }),
    location: tag(z.object({ lat: z.number(), lon: z.number() }), 'personal', { kind: 'geo' }),
    age: tag(z.number(), 'personal'),
    visit: tag(z.string(), 'personal'),
    note: tag(z.string(), 'personal', { kind: 'freeText' }),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    attributes: tag(z.record(z.string(), z.string()), 'personal'),
  }),
);

const record = {
  id: 'p-1',
  birthDate: '1984-07-21',
  zip: '10115',
  ip: '203.0.113.77',
  location: { lat: 52.520008, lon: 13.404954 },
  age: 42,
  visit: '2026-03-14',
  note: 'Jane called about her 1984-07-21 birthday',
  email: 'jane@example.com',
  attributes: { 'jane@example.com': 'vip' },
};

describe('the generalize action in a plan', () => {
  it('generalizes every personal field by kind and drops what has no hierarchy', () => {
    const plan = compilePlan({ schema: patient, rules: [{ select: { atLeast: 'personal' }, action: 'generalize' }, { select: { atLeast: 'public' }, action: 'keep' }] });
    const { value, report } = plan(record);
    expect(value).toEqual({
      id: 'p-1',
      birthDate: '1984',
      zip: '10',
      ip: '203.0.113.0/24',
      location: { lat: 52.519763, lon: 13.412196 },
      age: '[40,50)',
      visit: '2026-03',
      attributes: {},
    });
    const text = JSON.stringify({ value, report });
    for (const raw of ['1984-07-21', '10115', '203.0.113.77', '52.520008', '13.404954', 'jane', 'vip']) expect(text).not.toContain(raw);
    expect(report.generalized).toBe(8);
    expect(plan.actionAt('location.lat')).toMatchObject({ action: 'generalize', kind: 'geo' });
    expect(plan.actionAt('zip')).toMatchObject({ action: 'generalize', kind: 'postalCode' });
  });

  it('takes options per rule, so per path', () => {
    const plan = compilePlan({
      schema: patient,
      rules: [
        { select: { paths: ['age'] }, action: 'generalize', options: { buckets: [0, 18, 30, 50, 65] } },
        { select: { paths: ['birthDate'] }, action: 'generalize', options: { birthDate: 'ageBand', reference: '2026-01-01' } },
        { select: { kinds: ['postalCode'] }, action: 'generalize', options: { postalPrefix: 3 } },
        { select: { atLeast: 'personal' }, action: 'drop' },
        { select: { atLeast: 'public' }, action: 'keep' },
      ],
    });
    expect(plan(record).value).toEqual({ id: 'p-1', age: '[30,50)', birthDate: '[40,50)', zip: '101' });
  });

  it('refuses a rule with bad generalize options when the plan is compiled', () => {
    expect(thrown(() => compilePlan({ schema: patient, rules: [{ select: { paths: ['age'] }, action: 'generalize', options: { width: -1 } }] }))).toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      message: expect.stringMatching(/rule 0: generalize option width/),
    });
  });
});

describe('generalize fails closed', () => {
  const plan = compilePlan({
    schema: patient,
    rules: [
      { select: { paths: ['attributes'] }, action: 'generalize' },
      { select: { atLeast: 'personal' }, action: 'generalize' },
      { select: { atLeast: 'public' }, action: 'keep' },
    ],
  });

  it('drops an object or list met where a scalar is generalized, and a whole object that is not a position', () => {
    const { value } = plan({ id: 'p-1', birthDate: { y: 1984, raw: '1984-07-21' }, zip: ['10115'], attributes: { 'jane@example.com': 'vip' }, age: { n: 42 } });
    expect(value).toEqual({ id: 'p-1' });
  });

  it('keeps only the coordinates of a position, never what travels with it', () => {
    const { value } = plan({ location: { lat: 52.520008, lon: 13.404954, label: 'Jane home' } });
    expect(value).toEqual({ location: { lat: 52.519763, lon: 13.412196 } });
  });
});

describe('generalize over lists of positions', () => {
  it('generalizes each position of a geo-tagged list', () => {
    const track = defineSchema(z.object({ points: tag(z.array(z.object({ lat: z.number(), lon: z.number() })), 'personal', { kind: 'geo' }) }));
    const plan = compilePlan({ schema: track, rules: [{ select: { atLeast: 'personal' }, action: 'generalize' }] });
    expect(plan({ points: [{ lat: 52.520008, lon: 13.404954 }, 'Berlin', { lat: 52.520008, lon: 13.404954, who: 'Jane' }] }).value).toEqual({
      points: [{ lat: 52.519763, lon: 13.412196 }, { lat: 52.519763, lon: 13.412196 }],
    });
  });
});
