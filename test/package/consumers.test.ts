// The packed tarball in fresh consumer projects: strict types with only the peers a user has (no @types of optional peers), and beside pino-http.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = `${root}/node_modules/typescript/bin/tsc`;
const dirs: string[] = [];

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function typecheck(dir: string): string {
  try {
    run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], dir);
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? e);
  }
}

/** A fresh project with the tarball and the given packages, and a strict tsconfig that checks libraries too. */
function project(name: string, deps: readonly string[], files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `fieldguard-${name}-`));
  dirs.push(dir);
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', dir], root)) as Array<{ filename: string }>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, version: '0.0.0', type: 'module' }));
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed[0]!.filename), ...deps], dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: Object.keys(files).filter((f) => f.endsWith('.ts')),
    }),
  );
  return dir;
}

let lean = '';
let pinoHttp = '';

beforeAll(() => {
  if (!existsSync(`${root}/dist/index.js`)) run(npm, ['run', 'build'], root);
  // Core, vault (Redis only), pino bridge and winston bridge: none of the optional peers' @types installed.
  lean = project('lean', ['zod@4.6.7', '@types/node@20.19.43', 'pino@10.4.0', 'winston@3.19.0'], {
    'app.ts': `
import { z } from 'zod';
import { compileScrub, defineSchema, tag, type Report } from 'fieldguard';
import { createVault, keyRing, memoryStore, redisStore, type RedisClientLike } from 'fieldguard/vault';
import { pinoOptions } from 'fieldguard/pino';
import { redactFormat } from 'fieldguard/winston';
import pino from 'pino';
import winston from 'winston';
const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.email(), 'personal', { kind: 'email' }) }));
export const report: Report = compileScrub({ schema })({ id: '1', email: 'a@b.c' }).report;
export const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32).toString('base64') } }) });
export const shared = (client: RedisClientLike) => createVault({ store: redisStore(client), keys: keyRing({ keys: { k1: Buffer.alloc(32).toString('base64') } }) });
export const logger = pino(pinoOptions(schema));
export const wlogger = winston.createLogger({ format: winston.format.combine(redactFormat(schema), winston.format.json()), transports: [new winston.transports.Console()] });
`,
  });
  // README's quickstart in a project that also uses pino-http, whose req.log is a pino Logger.
  pinoHttp = project('pino-http', ['zod@4.6.7', '@types/node@20.19.43', 'express@5.3.0', '@types/express@5.0.6', 'pino@10.4.0', 'pino-http@11.0.0', 'http-proxy-middleware@3.0.11'], {
    'app.ts': `
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import { z } from 'zod';
import { defineSchema, tag } from 'fieldguard';
import { errorHandler, maskFields, redactLogs, requestLog, scrubPII } from 'fieldguard/express';
import { pinoOptions } from 'fieldguard/pino';

const schema = defineSchema(z.object({
  id: tag(z.string(), 'public'),
  email: tag(z.string(), 'personal', { kind: 'email' }),
  card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
}));
const logger = pino(pinoOptions(schema));
const app = express();
app.use(pinoHttp({ logger }));
app.use(redactLogs({ schema, logger }));
app.post('/analytics/orders', express.json(), scrubPII({ schema }),
  createProxyMiddleware({ target: 'https://analytics.example', on: { proxyReq: fixRequestBody } }));
app.get('/orders/:id', maskFields({ schema }), (req, res) => {
  req.log.info('pino-http logger');
  requestLog(req)?.info({ id: req.params.id }, 'fieldguard logger');
  res.json({ id: req.params.id, email: 'jane@example.com', card: '4111 1111 1111 1111' });
});
app.use(errorHandler());
export default app;
`,
  });
}, 300_000);

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('consumer projects from the packed tarball', () => {
  it('type-check strictly (skipLibCheck off) without @types/better-sqlite3, @types/express, logform types or undici', () => {
    expect(typecheck(lean)).toBe('');
    // tsc over the whole packed package with skipLibCheck off: seconds alone, much longer beside other test files.
  }, 180_000);

  it('type-check README’s quickstart beside pino-http, whose req.log fieldguard does not redeclare', () => {
    expect(typecheck(pinoHttp)).toBe('');
  }, 180_000);
});
