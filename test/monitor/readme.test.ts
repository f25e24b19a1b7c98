// README's monitoring example runs as written, with its free names (keys, alerts, schema, app, proxyToCrm) defined around it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listen, startVendor } from '../helpers/vendor.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const section = readme.slice(readme.indexOf('## Monitoring outbound flows'));
const example = /```ts\n([\s\S]*?)```/.exec(section)![1]!;

describe('README: Monitoring outbound flows', () => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('is 15 lines, and its kill switch refuses with 503 while nothing reaches the vendor', async () => {
    expect(example.trimEnd().split('\n')).toHaveLength(15);
    const vendor = await startVendor();
    cleanup.push(() => vendor.close());
    const preamble = [
      "import express from 'express';",
      "import { z } from 'zod';",
      "import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';",
      "import { defineSchema, tag } from '../../src/index.js';",
      "import { keyRing } from '../../src/vault/index.js';",
      "const keys = keyRing({ keys: { k: Buffer.alloc(32, 1).toString('base64') } });",
      'const alerts: unknown[] = [];',
      "const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }) }));",
      'const app = express();',
      `const proxyToCrm = createProxyMiddleware({ target: ${JSON.stringify(vendor.url)}, pathRewrite: { '^/crm': '' }, on: { proxyReq: fixRequestBody } });`,
    ].join('\n');
    const body = example.replace("from 'fieldguard/express'", "from '../../src/express/index.js'").replace("from 'fieldguard'", "from '../../src/index.js'");
    const file = `${root}/test/monitor/.readme-monitor.mts`;
    writeFileSync(file, `${preamble}\n${body}\nexport { app, destinations, monitor, decoy };\n`);
    cleanup.push(() => rmSync(file, { force: true }));
    const mod = (await import(file)) as { app: Parameters<typeof createServer>[1]; destinations: { resume(n: string): void }; monitor: { close(): Promise<void> }; decoy: string };
    cleanup.push(() => mod.monitor.close());
    const server = await listen(createServer(mod.app) as Server);
    cleanup.push(() => server.close());
    const send = (email: string) => fetch(`${server.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'c1', email }) });
    const suspended = await send('jane@example.com');
    expect(suspended.status).toBe(503);
    expect((await suspended.json()).error.code).toBe('ERR_DESTINATION_SUSPENDED');
    expect(vendor.received).toHaveLength(0);
    mod.destinations.resume('crm');
    expect((await send('jane@example.com')).status).toBe(200);
    expect(vendor.received).toHaveLength(1);
    expect(vendor.received[0]!.body).not.toContain('jane');
    expect((await send(mod.decoy)).status).toBe(403);
    expect(vendor.received).toHaveLength(1);
  });
});
