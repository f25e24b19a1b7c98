// assessRisk and anonymize: exact k, l and class sizes on a small batch, k reached on a generated population, and no value in any report.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { anonymize, assessRisk, defineSchema, tag } from '../../src/index.js';
import { thrown } from '../helpers/thrown.js';
import { population } from './population.js';

const schema = defineSchema(
  z.object({
    id: tag(z.string(), 'internal'),
    name: tag(z.string(), 'personal', { kind: 'name' }),
    birthDate: tag(z.string(), 'personal', { kind: 'birthDate' }),
    zip: tag(z.string(), 'personal', { kind: 'postalCode' }),
    sex: tag(z.string(), 'personal', { quasiIdentifier: true }),
    diagnosis: tag(z.string(), 'special', { kind: 'health' }),
    plan: tag(z.string(), 'public'),
  }),
);

const small = [
  { id: '1', name: 'Ann', birthDate: '1984-07-21', zip: '10115', sex: 'f', diagnosis: 'flu', plan: 'gold' },
  { id: '2', name: 'Bea', birthDate: '1984-02-01', zip: '10117', sex: 'f', diagnosis: 'asthma', plan: 'gold' },
  { id: '3', name: 'Cid', birthDate: '1984-07-21', zip: '10115', sex: 'f', diagnosis: 'flu', plan: 'basic' },
  { id: '4', name: 'Dan', birthDate: '1990-05-05', zip: '20095', sex: 'm', diagnosis: 'gout', plan: 'basic' },
];

describe('assessRisk', () => {
  it('measures k, l, class sizes and drivers over the schema quasi-identifiers', () => {
    const r = assessRisk(small, { schema, k: 2 });
    expect(r).toEqual({
      records: 4,
      quasiIdentifiers: ['birthDate', 'zip', 'sex'],
      sensitive: ['diagnosis'],
      k: 1,
      l: { diagnosis: 1 },
      classes: 3,
      unique: 2,
      atRisk: 2,
      target: 2,
      distribution: [
        { size: 1, classes: 2, records: 2 },
        { size: 2, classes: 1, records: 2 },
      ],
      drivers: [
        { path: 'birthDate', distinct: 3, kWithout: 1, uniqueWithout: 2 },
        { path: 'zip', distinct: 3, kWithout: 1, uniqueWithout: 2 },
        { path: 'sex', distinct: 2, kWithout: 1, uniqueWithout: 2 },
      ],
    });
    const text = JSON.stringify(r);
    for (const raw of ['1984', '10115', 'flu', 'Ann', '"f"']) expect(text).not.toContain(raw);
  });

  it('takes quasi-identifiers and sensitive attributes by path, and the JSON Schema keyword x-quasi-identifier', () => {
    const json = defineSchema({
      type: 'object',
      properties: {
        age: { type: 'integer', 'x-sensitivity': 'personal', 'x-quasi-identifier': true },
        city: { type: 'string', 'x-sensitivity': 'personal' },
      },
    });
    const rows = [{ age: 30, city: 'A' }, { age: 30, city: 'B' }, { age: 41, city: 'A' }];
    expect(assessRisk(rows, { schema: json })).toMatchObject({ quasiIdentifiers: ['age'], k: 1, classes: 2 });
    expect(assessRisk(rows, { schema: json, quasiIdentifiers: ['city'], sensitive: ['age'] })).toMatchObject({ k: 1, l: { age: 1 }, classes: 2 });
    expect(assessRisk([], { schema: json })).toMatchObject({ records: 0, k: 0, classes: 0 });
  });

  it('refuses bad options with a stable code', () => {
    expect(thrown(() => assessRisk(small, { schema, quasiIdentifiers: ['a..b'] }))).toMatchObject({ code: 'ERR_INVALID_PATH' });
    expect(thrown(() => assessRisk(small, { schema, k: 0 }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });
});

describe('anonymize', () => {
  it('reaches k on a generated population, drops direct identifiers and reports the levels and the loss', () => {
    const rows = population(1000);
    expect(assessRisk(rows, { schema }).k).toBe(1);
    const { records, report } = anonymize(rows, { schema, k: 5 });
    expect(report.k).toBeGreaterThanOrEqual(5);
    expect(report.records).toBe(1000);
    expect(report.suppressed).toBeLessThanOrEqual(50);
    expect(records).toHaveLength(1000 - report.suppressed);
    expect(report.fields.map((f) => f.path)).toEqual(['birthDate', 'zip', 'sex']);
    expect(report.informationLoss).toBeGreaterThan(0);
    expect(report.informationLoss).toBeLessThan(1);
    // The release measures as the report says.
    expect(assessRisk(records, { schema }).k).toBe(report.k);
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(expect.arrayContaining(['diagnosis', 'id', 'plan']));
      expect(r).not.toHaveProperty('name');
    }
    const text = JSON.stringify({ records, report });
    for (const row of rows.slice(0, 50)) {
      expect(text).not.toContain(row.birthDate);
      expect(text).not.toContain(`"${row.zip}"`);
      expect(text).not.toContain(row.name);
    }
    expect(JSON.stringify(report)).not.toMatch(/flu|asthma|Person|19[4-9]\d-/);
  });

  it('reaches l as well when asked', () => {
    const { records, report } = anonymize(population(600, 7), { schema, k: 4, l: 3 });
    expect(report.l['diagnosis']).toBeGreaterThanOrEqual(3);
    expect(assessRisk(records, { schema }).l['diagnosis']).toBeGreaterThanOrEqual(3);
  });

  it('generalizes exactly along the hierarchies on a small batch', () => {
    const { records, report } = anonymize(small, { schema, k: 3, maxSuppression: 0.25 });
    expect(records).toEqual([
      { id: '1', diagnosis: 'flu', plan: 'gold', birthDate: '1984', zip: '10', sex: 'f' },
      { id: '2', diagnosis: 'asthma', plan: 'gold', birthDate: '1984', zip: '10', sex: 'f' },
      { id: '3', diagnosis: 'flu', plan: 'basic', birthDate: '1984', zip: '10', sex: 'f' },
    ]);
    expect(report).toEqual({
      records: 4,
      suppressed: 1,
      k: 3,
      l: { diagnosis: 2 },
      fields: [
        { path: 'birthDate', level: 0, label: 'year' },
        { path: 'zip', level: 0, label: '2 characters' },
        { path: 'sex', level: 0, label: 'as is' },
      ],
      dropped: [],
      informationLoss: 0.25,
    });
  });

  it('suppresses everything rather than release a batch smaller than k', () => {
    const { records, report } = anonymize(small.slice(0, 1), { schema, k: 2 });
    expect(records).toEqual([]);
    expect(report).toMatchObject({ suppressed: 1, k: 0 });
  });

  it('always releases a batch with k reached, whatever the population (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 8 }), (n, seed, k) => {
        const { records, report } = anonymize(population(n, seed), { schema, k });
        if (records.length > 0) expect(assessRisk(records, { schema }).k).toBeGreaterThanOrEqual(k);
        expect(report.k === 0 || report.k >= k).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
