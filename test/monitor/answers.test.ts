// Vendor answers read for their shape whatever carries them: compressed (gzip, deflate, br) through a proxied route and guardFetch, and through the Web adapter and Fastify.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSigned } from '../helpers/tls.js';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type Alert } from '../../src/index.js';
import * as ff from '../../src/fastify/index.js';
import * as fw from '../../src/web/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import { listen } from '../helpers/vendor.js';
import { crm, gateway, post, schema, testClock, type App } from './helpers.js';

type Coding = 'gzip' | 'deflate' | 'br' | 'identity';
const ENCODE: Record<Coding, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync, identity: (b) => b };

/** A local vendor that answers `answer` in the coding the test sets (chunked, no Content-Length, as compressing servers do). */
let answer: unknown = { id: 'c1', status: 'active' };
let coding: Coding = 'gzip';
let raw: Buffer | undefined;
let vendor: App;
const tls = selfSigned();
const secure = createHttps(tls, answerWith);
let secureUrl = '';
function answerWith(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const body = raw ?? ENCODE[coding](Buffer.from(JSON.stringify(answer)));
    res.writeHead(200, { 'content-type': 'application/json', ...(coding === 'identity' ? {} : { 'content-encoding': coding }) });
    res.end(body);
  });
}
beforeAll(async () => {
  vendor = await listen(createServer(answerWith));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  secureUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await vendor.close();
  await new Promise<void>((r) => secure.close(() => r()));
});

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

/** Three learning windows of `call`, then the answer changes: the alert's paths, or [] when none. */
async function drift(call: () => Promise<void>, changed: unknown, make: (d: ReturnType<typeof crm>) => Promise<App | undefined>, url = vendor.url): Promise<{ paths: string[]; alerts: Alert[] }> {
  answer = { id: 'c1', status: 'active' };
  const destinations = crm(url);
  const clock = testClock();
  const alerts: Alert[] = [];
  const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined, signals: { outboundDrift: false } });
  const app = await make(destinations);
  try {
    for (let w = 0; w < 3; w++) {
      await call();
      await call();
      await settle();
      clock.advance(1000);
      await monitor.flush();
    }
    expect(alerts).toEqual([]);
    answer = changed;
    await call();
    await settle();
    await monitor.flush();
    const found = alerts.filter((a) => a.signal === 'responseDrift');
    return { paths: found.flatMap((a) => [...(a.paths ?? [])]).sort(), alerts };
  } finally {
    await monitor.close();
    await app?.close();
  }
}

const CHANGED = { id: 'c1', status: 2, riskScore: 0.4, owner: 'jane.doe@example.com' };
const EXPECTED = ['added owner:string', 'added riskScore:number', 'retyped status:number'];

describe.each(['gzip', 'deflate', 'br', 'identity'] as const)('a vendor answering %s', (c) => {
  it('through a proxied Express route: its shape is read after decompression', async () => {
    coding = c;
    let app: App | undefined;
    const { paths, alerts } = await drift(
      async () => {
        const r = await post(app!, { id: 'o1', contacts: [{ email: 'jane@example.com' }] });
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body)).toMatchObject({ id: 'c1' });
      },
      CHANGED,
      async (d) => (app = await gateway('Express', d, vendor.url)),
    );
    expect(paths).toEqual(EXPECTED);
    expect(JSON.stringify(alerts)).not.toMatch(/jane/);
  });

  it('through guardFetch', async () => {
    coding = c;
    let f: ReturnType<typeof guardFetch> | undefined;
    const { paths } = await drift(
      async () => {
        const r = await f!(`${secureUrl}/v1/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o1', contacts: [{ email: 'jane@example.com' }] }) });
        expect(r.status).toBe(200);
        expect(await r.json()).toMatchObject({ id: 'c1' });
      },
      CHANGED,
      async (d) => {
        f = guardFetch({ destinations: d, schemaFor: () => schema, ca: tls.cert });
        return undefined;
      },
      secureUrl,
    );
    expect(paths).toEqual(EXPECTED);
  });
});

describe('an answer that cannot be read has no shape, and the request is untouched', () => {
  it('a corrupt gzip body, and a bomb past the cap, pass through without an alert or a crash', async () => {
    coding = 'gzip';
    let app: App | undefined;
    const bomb = gzipSync(Buffer.from(`{"a":"${'x'.repeat(4_000_000)}"}`));
    const { paths } = await drift(
      async () => {
        const r = await post(app!, { id: 'o1', contacts: [{ email: 'jane@example.com' }] });
        expect(r.status).toBe(200);
      },
      CHANGED,
      async (d) => {
        app = await gateway('Express', d, vendor.url);
        return app;
      },
    ).finally(() => (raw = undefined));
    expect(paths).toEqual(EXPECTED);
    // Now garbage and a 4 MB inflation: no new alert, the answers still reach the client as sent.
    for (const body of [Buffer.from('not gzip at all'), bomb]) {
      raw = body;
      const destinations = crm(vendor.url);
      const alerts: Alert[] = [];
      const monitor = createMonitor({ destinations, clock: testClock().now, window: 1000, history: 8, warmup: 1, onAlert: (a) => void alerts.push(a), audit: () => undefined });
      const a = await gateway('Express', destinations, vendor.url);
      const r = await fetch(`${a.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' }, body: '{"id":"o1","contacts":[]}' });
      await r.arrayBuffer().catch(() => undefined);
      await settle();
      await monitor.flush();
      expect(alerts.filter((x) => x.signal === 'responseDrift')).toEqual([]);
      await monitor.close();
      await a.close();
    }
    raw = undefined;
  });
});

describe('responseDrift on the Web adapter and on Fastify', () => {
  it('learns the shape of a Web-standard Response through the Exchange', async () => {
    coding = 'identity';
    let handler: ((r: Request) => Promise<Response>) | undefined;
    const { paths, alerts } = await drift(
      async () => {
        const r = await handler!(new Request('http://gateway.local/crm/contacts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o1', contacts: [{ email: 'jane@example.com' }] }) }));
        expect(r.status).toBe(200);
        expect(await r.json()).toMatchObject({ id: 'c1' });
      },
      CHANGED,
      async (d) => {
        handler = fw.protect({ schema, destinations: d, destination: 'crm' })(async (request: Request) =>
          fetch(`${vendor.url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() }),
        );
        return undefined;
      },
    );
    expect(paths).toEqual(EXPECTED);
    expect(JSON.stringify(alerts)).not.toMatch(/jane/);
  });

  it.each(['identity', 'gzip'] as const)('learns the shape of a Fastify reply-from answer (%s)', async (c) => {
    coding = c;
    let app: App | undefined;
    const { paths } = await drift(
      async () => {
        const r = await post(app!, { id: 'o1', contacts: [{ email: 'jane@example.com' }] });
        expect(r.status).toBe(200);
      },
      CHANGED,
      async (d) => {
        const f = Fastify();
        await f.register(replyFrom, { base: vendor.url });
        f.post('/crm/contacts', { preHandler: ff.protect({ schema, destinations: d, destination: 'crm' }) }, (_request, reply) => reply.from('/contacts'));
        await f.listen({ port: 0, host: '127.0.0.1' });
        const address = f.server.address() as { port: number };
        app = { url: `http://127.0.0.1:${address.port}`, close: () => f.close() };
        return app;
      },
    );
    expect(paths).toEqual(EXPECTED);
  });
});
