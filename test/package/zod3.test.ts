// The packed tarball installed beside zod 3.25 (latest 3.25.x), whose `zod/v4` is the peer range's other half: ESM, CJS and TypeScript consumers tag and compile schemas.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir = '';

// One schema exercising what differs between zod copies: tag() on a shared instance, .meta() (kept in
// zod 3.25's per-build registry), a tagged schema used directly and refined, a record's tagged keys.
const body = (zod: string, fg: string) => `
${zod}
${fg}
const Str = z.string();
const Email = tag(z.string(), 'personal', { kind: 'email' });
const schema = defineSchema(z.object({
  id: tag(Str, 'public'),
  password: tag(Str, 'secret', { kind: 'credential' }),
  note: Str,
  ssn: z.string().meta({ sensitivity: 'special', kind: 'ssn' }),
  email: Email,
  backup: Email.min(3),
  address: tag(z.object({ city: z.string() }), 'personal', { kind: 'address' }).optional(),
  items: z.array(z.object({ sku: tag(z.string(), 'public'), gift: tag(z.string(), 'personal').nullable() })),
}));
let refused = '';
try { defineSchema(z.object({ m: z.map(z.string(), tag(z.string(), 'secret')) })); } catch (e) { refused = e.code; }
let v3 = '';
try { defineSchema(zodV3.object({ a: zodV3.string() })); } catch (e) { v3 = e.message; }
console.log(JSON.stringify({
  fields: schema.fields().map((f) => f.path + '=' + f.tag.sensitivity + (f.tag.kind ? '/' + f.tag.kind : '')),
  city: schema.tagAt('address.city') ?? null,
  note: schema.tagAt('note') ?? null,
  scrubbed: compileScrub({ schema })({ id: '1', password: 'hunter2', note: 'n', ssn: '078-05-1120', email: 'a@b.c', items: [{ sku: 's', gift: 'g' }] }).value,
  refused,
  v3,
  zod: zodVersion,
}));
`;

const ESM = body(
  "import { z } from 'zod/v4';\nimport { z as zodV3 } from 'zod';\nimport { createRequire } from 'node:module';\nconst zodVersion = createRequire(import.meta.url)('zod/package.json').version;",
  "import { tag, defineSchema, compileScrub } from 'fieldguard';",
);
const CJS = body("const { z } = require('zod/v4');\nconst { z: zodV3 } = require('zod');\nconst zodVersion = require('zod/package.json').version;", "const { tag, defineSchema, compileScrub } = require('fieldguard');");

const TS = `
import { z } from 'zod/v4';
import { defineSchema, tag, type FieldSchema } from 'fieldguard';
const Order = z.object({ id: tag(z.string(), 'public'), email: tag(z.email(), 'personal', { kind: 'email' }) });
const typed: z.ZodObject<{ id: z.ZodString; email: z.ZodEmail }> = Order;
export const schema: FieldSchema = defineSchema(typed);
`;

const EXPECTED = {
  fields: [
    'id=public',
    'password=secret/credential',
    'ssn=special/ssn',
    'email=personal/email',
    'backup=personal/email',
    'address=personal/address',
    'address.city=personal/address',
    'items[*].sku=public',
    'items[*].gift=personal',
  ],
  city: { sensitivity: 'personal', kind: 'address' },
  note: null,
  scrubbed: { id: '1', items: [{ sku: 's' }] },
  refused: 'ERR_INVALID_SCHEMA',
  // zod 3.25's own `zod` export is zod v3, which fieldguard refuses with the way out.
  v3: 'zod v3 schemas are not supported: build the schema with zod v4 (import { z } from "zod/v4" with zod 3.25, or from "zod" with zod 4)',
};

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  if (!existsSync(`${root}/dist/index.js`) || !existsSync(`${root}/dist/index.cjs`)) run(npm, ['run', 'build'], root);
  dir = mkdtempSync(join(tmpdir(), 'fieldguard-zod3-'));
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', dir], root)) as Array<{ filename: string }>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'zod3-consumer', private: true, version: '0.0.0' }));
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed[0]!.filename), 'zod@~3.25.0'], dir);
  writeFileSync(join(dir, 'esm.mjs'), ESM);
  writeFileSync(join(dir, 'cjs.cjs'), CJS);
  writeFileSync(join(dir, 'types.mts'), TS);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'Node16', moduleResolution: 'Node16', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['types.mts'] }),
  );
}, 240_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('fieldguard with zod 3.25 (zod/v4)', () => {
  it('installs beside zod 3.25.x', () => {
    const version = (JSON.parse(readFileSync(join(dir, 'node_modules/zod/package.json'), 'utf8')) as { version: string }).version;
    expect(version).toMatch(/^3\.25\.\d+$/);
  });

  it.each([
    ['ESM', 'esm.mjs'],
    ['CJS', 'cjs.cjs'],
  ])('tags, compiles and scrubs from %s', (_kind, file) => {
    const out = JSON.parse(run(process.execPath, ['--disallow-code-generation-from-strings', file], dir)) as Record<string, unknown>;
    expect(out['zod']).toMatch(/^3\.25\./);
    delete out['zod'];
    expect(out).toEqual(EXPECTED);
  });

  it('type-checks a TypeScript consumer against zod 3.25’s types', () => {
    let out = '';
    try {
      run(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', join(dir, 'tsconfig.json')], dir);
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out).toBe('');
  });
});
