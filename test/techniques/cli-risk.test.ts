// `fieldguard risk` over a JSON Lines export, and `fieldguard check` and `inventory` with generalize and shiftDates policies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { population } from './population.js';

const config = fileURLToPath(new URL('../fixtures/cli/risk/fieldguard.config.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fieldguard-risk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

function jsonl(name: string, rows: readonly unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('fieldguard risk', () => {
  const rows = population(500, 3).map((r) => ({ ...r, admitted: '2026-03-14' }));
  const file = jsonl('patients.jsonl', rows);

  it('prints k, l, a class-size chart and the generalization needed, and exits 1 below --k', async () => {
    const r = await run('risk', file, '--schema', 'Patient', '--k', '5', '--config', config);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('patients.jsonl: 500 records, schema Patient');
    expect(lines[1]).toBe('quasi-identifiers: birthDate, zip, sex');
    expect(lines[2]).toMatch(/^k = 1 \(target 5\): 500 records in classes smaller than 5, 500 unique$/);
    expect(lines).toContain('l(admitted) = 1');
    expect(lines).toContain('class size  records');
    expect(lines.find((l) => l.startsWith("         1  "))).toMatch(/^ {9}1 {2}█{40} 500 in 500 classes {2}< k$/);
    expect(r.out).toMatch(/generalization needed for k = 5 \(anonymize reaches k = \d+, information lost \d+\.\d%\):/);
    expect(r.out).toMatch(/ {2}birthDate: level \d, /);
    expect(r.out).toMatch(/ {2}suppress \d+ of 500 records/);
    // Counts and paths only: no value of the export.
    for (const row of rows.slice(0, 100)) for (const v of [row.birthDate, row.zip, row.name]) expect(r.out).not.toContain(v);
    expect(r.out).not.toMatch(/flu|asthma|gout|migraine/);
  });

  it('exits 0 when the export already reaches --k, and answers JSON', async () => {
    const coarse = jsonl('coarse.jsonl', Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, birthDate: '1980-01-01', zip: '10115', sex: 'f', diagnosis: i % 2 ? 'flu' : 'gout' })));
    const r = await run('risk', coarse, '--schema', 'Patient', '--k', '5', '--config', config);
    expect(r.code).toBe(0);
    expect(r.out).toContain('k = 12 (target 5)\n');
    expect(r.out).toContain('l(diagnosis) = 2');
    expect(r.out).toContain('generalization needed: none, k 12 ≥ 5');
    const j = await run('risk', coarse, '--schema', 'Patient', '--format', 'json', '--config', config);
    expect(JSON.parse(j.out)).toMatchObject({ schema: 'Patient', target: 5, risk: { k: 12, records: 12, distribution: [{ size: 12, classes: 1, records: 12 }] } });
  });

  it('exits 2 on bad input, naming the line but never showing it', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"id":"1"}\n{"name": "Jane Secret-Canary\n');
    const r = await run('risk', bad, '--schema', 'Patient', '--config', config);
    expect(r).toEqual({ code: 2, out: '', err: 'fieldguard risk: bad.jsonl: line 2 is not JSON\n' });
    expect((await run('risk', file, '--schema', 'Nope', '--config', config)).err).toBe('fieldguard risk: no schema named "Nope" in the config; it has: Patient\n');
    expect((await run('risk', file, '--schema', 'Patient', '--k', '1', '--config', config)).code).toBe(2);
    expect((await run('risk', file, '--config', config)).code).toBe(2);
    expect((await run('risk', join(dir, 'missing.jsonl'), '--schema', 'Patient', '--config', config)).err).toBe('fieldguard risk: cannot read missing.jsonl\n');
  });
});

describe('fieldguard check and inventory with generalize and shiftDates', () => {
  it('counts generalized and shifted data as not in clear for the transfer rule', async () => {
    const r = await run('check', '--config', config);
    expect(r).toEqual({ code: 0, out: 'fieldguard check: 1 schemas, 1 destinations, 0 OpenAPI files: no findings\n', err: '' });
    const inv = JSON.parse((await run('inventory', '--format', 'json', '--config', config)).out);
    const forms = Object.fromEntries(inv.destinations[0].fields.map((f: { path: string; form: string }) => [f.path, f.form]));
    expect(forms).toEqual({ id: 'clear', name: 'generalized', birthDate: 'generalized', zip: 'generalized', sex: 'generalized', admitted: 'shifted', diagnosis: 'dropped' });
  });
});
