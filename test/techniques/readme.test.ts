// The README's anonymization examples run as written (imports pointed at the sources) and give what their comments say.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const start = readme.indexOf('## Anonymization\n');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const files: string[] = [];
afterAll(() => files.forEach((f) => rmSync(f, { force: true })));

async function run(i: number, exported: string): Promise<Record<string, unknown>> {
  const source = blocks[i]!
    .replace(/from 'fieldguard'/g, `from ${JSON.stringify(`${root}/src/index.ts`)}`)
    .replace(/from 'fieldguard\/vault'/g, `from ${JSON.stringify(`${root}/src/vault/index.ts`)}`);
  const file = `${root}/test/techniques/.readme-${i}.mts`;
  writeFileSync(file, `${source}\nexport { ${exported} };\n`);
  files.push(file);
  return (await import(file)) as Record<string, unknown>;
}

describe('README: Anonymization', () => {
  it('has the three examples', () => expect(blocks).toHaveLength(3));

  it('generalize', async () => {
    const { generalized } = await run(0, 'generalized');
    expect(generalized).toEqual({ id: 'p-1', birthDate: '1984', zip: '021', ip: '203.0.113.0/24', age: '[30,50)' });
  });

  it('shiftDates and a destination that generalizes and shifts', async () => {
    process.env['FIELDGUARD_KEYS'] = `k1:${randomBytes(32).toString('base64')}`;
    const { shifted, destinations } = await run(1, 'shifted, destinations');
    const s = shifted as { patientId: string; admitted: string; discharged: string };
    expect(s.patientId).toBe('p-1');
    expect((Date.parse(s.discharged) - Date.parse(s.admitted)) / 86_400_000).toBe(6);
    expect(s.admitted).not.toBe('2026-03-14');
    expect((destinations as { names: string[] }).names).toEqual(['research']);
  });

  it('assessRisk and anonymize', async () => {
    const { risk, records, report } = await run(2, 'risk, records, report');
    expect(risk).toMatchObject({ k: 1, unique: 4, l: { diagnosis: 1 } });
    expect(records).toEqual([
      { diagnosis: 'flu', birthDate: '1984', zip: '10', sex: 'f' },
      { diagnosis: 'asthma', birthDate: '1984', zip: '10', sex: 'f' },
      { diagnosis: 'flu', birthDate: '1984', zip: '10', sex: 'f' },
    ]);
    expect(report).toMatchObject({ k: 3, suppressed: 1 });
  });
});
