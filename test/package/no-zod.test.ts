// The packed tarball installed in a project without zod, its required peer: every entry point that needs it refuses with ERR_MISSING_DEPENDENCY and the install command, from ESM and CJS.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir = '';

const ENTRY_POINTS = ['fieldguard', 'fieldguard/express', 'fieldguard/koa', 'fieldguard/vault', 'fieldguard/pino', 'fieldguard/winston', 'fieldguard/fetch'];

/** What each entry point gave when loaded: the error's name, code and message, or that it loaded. */
const report = (load: string) => `
const out = {};
for (const entry of ${JSON.stringify(ENTRY_POINTS)}) {
  try {
    ${load};
    out[entry] = 'loaded';
  } catch (e) {
    out[entry] = { name: e.name, code: e.code, message: e.message };
  }
}
console.log(JSON.stringify(out));
`;

const ESM = report('await import(entry)');
const CJS = report('require(entry)');

const REFUSAL = {
  name: 'FieldguardError',
  code: 'ERR_MISSING_DEPENDENCY',
  message: 'fieldguard needs the peer dependency zod: npm install zod@"^3.25.0 || ^4.0.0"',
};

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  if (!existsSync(`${root}/dist/index.js`) || !existsSync(`${root}/dist/index.cjs`)) run(npm, ['run', 'build'], root);
  dir = mkdtempSync(join(tmpdir(), 'fieldguard-no-zod-'));
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', dir], root)) as Array<{ filename: string }>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'no-zod-consumer', private: true, version: '0.0.0' }));
  // npm installs required peers by itself; a project that left zod out is one installed without them.
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=peer', join(dir, packed[0]!.filename)], dir);
  writeFileSync(join(dir, 'esm.mjs'), ESM);
  writeFileSync(join(dir, 'cjs.cjs'), CJS);
}, 240_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('fieldguard in a project without zod', () => {
  it('is installed without zod', () => {
    expect(existsSync(join(dir, 'node_modules/fieldguard/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/zod'))).toBe(false);
  });

  // before: from ESM every one but the vault failed with Node's ERR_MODULE_NOT_FOUND ("Cannot find package 'zod'
  // imported from …/dist/chunk-….js"), from CJS with MODULE_NOT_FOUND ("Cannot find module 'zod/v4/core'").
  it.each([
    ['ESM', 'esm.mjs'],
    ['CJS', 'cjs.cjs'],
  ])('every entry point that needs zod refuses from %s with ERR_MISSING_DEPENDENCY naming the install command', (_kind, file) => {
    const out = JSON.parse(run(process.execPath, [file], dir)) as Record<string, unknown>;
    // The vault validates nothing with zod, so it loads (and tokenizes, below) without it.
    expect(out).toEqual(Object.fromEntries(ENTRY_POINTS.map((e) => [e, e === 'fieldguard/vault' ? 'loaded' : REFUSAL])));
  });

  // before: the same; pinned, so that the vault stays usable in a project that has no zod.
  it('fieldguard/vault tokenizes and detokenizes without zod', () => {
    const script = `
const { createVault, keyRing, memoryStore } = require('fieldguard/vault');
const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } }), audit: () => {} });
vault.tokenize(['jane@example.com']).then(async ([t]) => console.log(JSON.stringify({ t: t.slice(0, 4), back: await vault.detokenize([t], { actor: 'a', purpose: 'p' }) })));
`;
    expect(JSON.parse(run(process.execPath, ['-e', script], dir))).toEqual({ t: 'tok_', back: ['jane@example.com'] });
  });
});
