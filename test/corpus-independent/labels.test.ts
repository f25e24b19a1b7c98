// Holds the corpus to its own rules: reproducible from its seed, every label a valid value of its
// format by a maintained reference (Luhn, ibantools, libphonenumber's numbering plans, SSA rules),
// and at least as many entity-free hard-negative lines as lines with entities.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isValidIBAN } from 'ibantools';
import { generate, planValid } from './generate.js';
import { luhnValid } from './values.js';

const file = fileURLToPath(new URL('./corpus.jsonl', import.meta.url));
const text = readFileSync(file, 'utf8');
const records = generate(20261202, 2000);

describe('independent corpus', () => {
  it('is the generator output for its seed, byte for byte', () => {
    expect(records.map((r) => JSON.stringify(r) + '\n').join('')).toBe(text);
  });

  it('has more hard-negative lines than entity lines', () => {
    const negative = records.filter((r) => r.entities.length === 0).length;
    expect(negative).toBeGreaterThanOrEqual(records.length - negative);
  });

  it('labels only valid values', () => {
    const bad: string[] = [];
    for (const r of records) {
      for (const e of r.entities) {
        const v = r.text.slice(e.start, e.end);
        if (e.kind === 'cardNumber' && !luhnValid(v.replace(/\D/g, ''))) bad.push(`${r.id} card`);
        if (e.kind === 'iban' && !isValidIBAN(v.replace(/ /g, ''))) bad.push(`${r.id} iban`);
        if (e.kind === 'phone' && !planValid(v, e.form.split(' ')[0] ?? '')) bad.push(`${r.id} phone`);
        if (e.kind === 'ssn') {
          const [a, g, s] = [v.replace(/\D/g, '').slice(0, 3), v.replace(/\D/g, '').slice(3, 5), v.replace(/\D/g, '').slice(5)];
          if (a === '000' || a === '666' || Number(a) >= 900 || g === '00' || s === '0000') bad.push(`${r.id} ssn`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
