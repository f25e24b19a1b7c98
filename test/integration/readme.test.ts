// Every example in README runs: the quick start against a real local vendor, through the built package.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listen, startVendor } from '../helpers/vendor.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README', () => {
  const cleanup: Array<() => unknown> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('the quick start scrubs what goes to the vendor and masks what it answers', async () => {
    const vendor = await startVendor();
    cleanup.push(() => vendor.close());
    const quick = blocks[0]!;
    expect(quick).toContain("app.listen(3000);");
    // The same code, with the vendor on 127.0.0.1 and the app exported instead of listening on 3000.
    const source = quick.replace("'https://analytics.example'", JSON.stringify(vendor.url)).replace('app.listen(3000);', 'export { app };');
    const file = `${root}/test/integration/.readme-quickstart.mts`;
    writeFileSync(file, source);
    cleanup.push(() => rmSync(file, { force: true }));
    const { app } = (await import(file)) as { app: Parameters<typeof createServer>[1] };
    const server = await listen(createServer(app) as Server);
    cleanup.push(() => server.close());

    const post = await fetch(`${server.url}/analytics/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'o1', email: 'jane@example.com', card: '4111 1111 1111 1111', extra: 'x' }),
    });
    expect(post.status).toBe(200);
    expect(vendor.received.at(-1)!.body).toBe('{"id":"o1"}');
    const get = await fetch(`${server.url}/orders/o1`);
    expect(await get.json()).toEqual({ id: 'o1', email: 'j***@example.com', card: '**** **** **** 1111' });
    const bad = await fetch(`${server.url}/analytics/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"jane@example.com",' });
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'ERR_INVALID_JSON', message: 'the request body is not valid JSON' } });
    expect(text).not.toContain('jane');
  });
});
