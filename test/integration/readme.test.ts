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

  /** The quick start's schema, for the framework sections' examples, which assume one. */
  const PRELUDE = `import { z } from 'zod';
import { defineSchema, tag } from 'fieldguard';
const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }), card: tag(z.string(), 'secret', { kind: 'cardNumber' }) }));
`;
  const load = async <T>(name: string, source: string): Promise<T> => {
    const file = `${root}/test/integration/.readme-${name}.mts`;
    writeFileSync(file, source);
    cleanup.push(() => rmSync(file, { force: true }));
    return (await import(file)) as T;
  };

  it('the Fastify example scrubs what reply-from forwards and masks what the route answers', async () => {
    const vendor = await startVendor();
    cleanup.push(() => vendor.close());
    const block = blocks.find((b) => b.includes("from 'fieldguard/fastify'"))!;
    expect(block).toContain('await app.listen({ port: 3000 });');
    const source = `${PRELUDE}const order = { email: 'jane@example.com' };\n${block.replace("'https://analytics.example'", JSON.stringify(vendor.url)).replace('await app.listen({ port: 3000 });', 'export { app };')}`;
    const { app } = await load<{ app: { inject(o: object): Promise<{ statusCode: number; body: string }>; close(): Promise<void> } }>('fastify', source);
    cleanup.push(() => app.close());
    const post = await app.inject({ method: 'POST', url: '/analytics/orders', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ id: 'o1', email: 'jane@example.com', card: '4111 1111 1111 1111' }) });
    expect(post.statusCode).toBe(200);
    expect(vendor.received.at(-1)!.body).toBe('{"id":"o1"}');
    const get = await app.inject({ method: 'GET', url: '/orders/o1' });
    expect(JSON.parse(get.body)).toEqual({ id: 'o1', email: 'j***@example.com', card: '**** **** **** 1111' });
  });

  it('the Next.js route handler example forwards { id } only and answers masked', async () => {
    const vendor = await startVendor();
    cleanup.push(() => vendor.close());
    const block = blocks.find((b) => b.includes('app/api/orders/route.ts'))!;
    const route = await load<{ POST(r: Request): Promise<Response>; GET(r: Request, c: { params: Promise<{ id: string }> }): Promise<Response> }>(
      'next',
      `${PRELUDE}const VENDOR = ${JSON.stringify(vendor.url)};\n${block}`,
    );
    const post = await route.POST(new Request('http://x/api/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o1', email: 'jane@example.com', extra: 'x' }) }));
    expect(post.status).toBe(200);
    expect(vendor.received.at(-1)!.body).toBe('{"id":"o1"}');
    const get = await route.GET(new Request('http://x/api/orders/o1'), { params: Promise.resolve({ id: 'o1' }) });
    expect(await get.json()).toEqual({ id: 'o1', email: 'j***@example.com', card: '**** **** **** 1111' });
  });
});
