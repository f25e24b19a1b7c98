// The built package (dist/) through its exports map: ESM, CJS, TypeScript consumers, one registry across both formats.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function node(args: string[]): string {
  return execFileSync(process.execPath, ['--disallow-code-generation-from-strings', ...args], { cwd: root, encoding: 'utf8' });
}

const ESM = `
import { z } from 'zod';
import { tag, defineSchema, compileScrub, FieldguardError } from 'fieldguard';
import * as express from 'fieldguard/express';
import * as koa from 'fieldguard/koa';
import { createRequire } from 'node:module';
const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal') }));
const out = compileScrub({ schema })({ id: '1', email: 'jane.doe@example.com' }).value;
// A tag made through the ESM build is seen by the CJS build: the registry is shared through globalThis.
const cjs = createRequire(import.meta.url)('fieldguard');
const viaCjs = cjs.compileScrub({ schema: cjs.defineSchema(z.object({ email: tag(z.string(), 'public') })) })({ email: 'x' }).value;
console.log(JSON.stringify({ out, viaCjs, express: Object.keys(express).sort(), koa: Object.keys(koa).sort(), error: typeof FieldguardError, crossSchema: cjs.isFieldSchema(schema) }));
`;

const COMMON = ['REPORT_KEY', 'detokenizeFields', 'dpTelemetry', 'errorHandler', 'maskFields', 'protect', 'redactLogs', 'scrubPII', 'tokenizeFields'];
const EXPRESS = [...COMMON, 'requestLog'].sort();
const KOA = [...COMMON, 'contextLog'].sort();
const VAULT = ['createVault', 'isKeyRing', 'keyRing', 'memoryStore', 'postgresStore', 'redisStore', 'sqliteStore', 'stdoutAudit'];

const CJS = `
const { defineSchema, compileMask } = require('fieldguard');
const express = require('fieldguard/express');
const koa = require('fieldguard/koa');
const vault = require('fieldguard/vault');
const { pinoOptions } = require('fieldguard/pino');
const { redactFormat } = require('fieldguard/winston');
const { guardFetch } = require('fieldguard/fetch');
const schema = defineSchema({ type: 'object', properties: { card: { 'x-sensitivity': 'secret', 'x-kind': 'cardNumber' } } });
console.log(JSON.stringify({ out: compileMask({ schema })({ card: '4111 1111 1111 1111' }).value, express: Object.keys(express).sort(), koa: Object.keys(koa).sort(), vault: Object.keys(vault).sort(), logs: [typeof pinoOptions(schema).formatters.log, typeof redactFormat(schema).transform], fetch: typeof guardFetch }));
`;

describe('the built package', () => {
  it('has been built', () => {
    expect(existsSync(`${root}/dist/index.js`) && existsSync(`${root}/dist/index.cjs`)).toBe(true);
  });

  it('imports from ESM through the exports map, under --disallow-code-generation-from-strings', () => {
    const r = JSON.parse(node(['--input-type=module', '-e', ESM]));
    expect(r).toEqual({
      out: { id: '1' },
      viaCjs: { email: 'x' },
      express: EXPRESS,
      koa: KOA,
      error: 'function',
      crossSchema: true,
    });
  });

  it('requires from CJS through the exports map', () => {
    const r = JSON.parse(node(['-e', CJS]));
    expect(r).toEqual({
      out: { card: '**** **** **** 1111' },
      express: EXPRESS,
      koa: KOA,
      vault: VAULT,
      logs: ['function', 'function'],
      fetch: 'function',
    });
  });

  it('type-checks TypeScript consumers in ESM and CJS (Node16 resolution)', () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const out = execFileSync(process.execPath, [tsc, '-p', 'test/package/consumer/tsconfig.json'], { cwd: root, encoding: 'utf8' });
    expect(out).toBe('');
    // tsc over the consumers (Fastify's types included) takes longer than the default on a loaded machine.
  }, 120_000);
});

describe('the built vault', () => {
  it('tokenizes through sqliteStore from ESM and CJS, loading better-sqlite3 on demand', () => {
    const script = (kind: 'esm' | 'cjs') => `
${kind === 'esm' ? "import { createVault, keyRing, sqliteStore } from 'fieldguard/vault';" : "const { createVault, keyRing, sqliteStore } = require('fieldguard/vault');"}
const vault = createVault({ store: sqliteStore(':memory:'), keys: keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } }), audit: () => {} });
vault.tokenize(['jane@example.com']).then(async ([t]) => console.log(JSON.stringify({ t: t.slice(0, 4), back: await vault.detokenize([t], { actor: 'a', purpose: 'p' }) })));
`;
    for (const kind of ['esm', 'cjs'] as const) {
      const out = JSON.parse(node(kind === 'esm' ? ['--input-type=module', '-e', script(kind)] : ['-e', script(kind)]));
      expect(out).toEqual({ t: 'tok_', back: ['jane@example.com'] });
    }
  });
});
