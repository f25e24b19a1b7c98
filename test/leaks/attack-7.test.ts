// Attack 7: an outside review of the per-request rewrite (786b4fd..73e990b: bound methods on the response, shared log
// accessors, PendingValue class instances). Real servers on 127.0.0.1, real fetch. Each case asserts what should happen.
// - NEW (848b910): a vault store sees every new value in clear in the AllocateItem it is handed (PendingValue's
//   TypeScript-`private` fields are plain own enumerable properties). Passes at 608aab8.
// - PRE-EXISTING (fails at 608aab8 too): a guarded response ended/sent twice sends the second body raw (Express 4/5,
//   Koa 2/3 with ctx.respond = false, Fastify's common `reply.send(x); return x` in an async handler).
// - PRE-EXISTING, lower severity: digests of the unmasked body (Content-Digest, Repr-Digest, Digest on GET and HEAD;
//   Content-MD5 on HEAD) go out with the masked answer: a hash oracle for the hidden values, like the ETag the guard drops.
// What held: see the report of this review (stacked guards, wrappers, detached/rebound methods, pipes, writeHead with
// arrays, HEAD, res.json/jsonp forms, ndjson/SSE, detokenize under mask, log accessors under concurrency).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { inspect } from 'node:util';
import express from 'express';
import express4 from 'express4';
import type { Request, Response } from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import Koa2 from 'koa2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, keyRing, memoryStore, type AllocateItem, type VaultStore } from '../../src/vault/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import * as ff from '../../src/fastify/index.js';
import * as fw from '../../src/web/index.js';
import { leaks, orderSchema, sampleOrder } from '../fixtures/order.js';
import { listen } from '../helpers/vendor.js';
import { canaries, findLeaks } from './canaries.js';

/** Every header of an answer, as one text. */
function headerText(r: globalThis.Response): string {
  const out: string[] = [];
  r.headers.forEach((value, name) => void out.push(`${name}: ${value}`));
  return out.join('\n');
}

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });

describe('attack 7: what a vault store is handed', () => {
  // docs/vault.md: "The store never holds a value in clear". A store (VaultStore is documented as the interface to
  // implement "to plug in another database") that serializes, clones or logs the items it is handed must see only
  // fingerprints and the sealed record. Since 848b910 every AllocateItem is a PendingValue whose TypeScript-`private`
  // fields (value, kind, namespace, build...) are ordinary own enumerable properties: the value in clear.
  it('an AllocateItem serialized, cloned, spread or inspected by the store carries no value in clear', async () => {
    const c = canaries();
    const inner = memoryStore();
    const seen: Record<string, string> = {};
    let n = 0;
    const store: VaultStore = {
      ...inner,
      async allocate(items: readonly AllocateItem[], now: number, signal?: AbortSignal) {
        const k = n++;
        // What a document-database or HTTP-backed store, a worker-thread store or a debug log line would do with them.
        seen[`json#${k}`] = JSON.stringify(items);
        seen[`inspect#${k}`] = inspect(items, { depth: 5, getters: false });
        seen[`spread#${k}`] = JSON.stringify(items.map((i) => ({ ...i })));
        seen[`values#${k}`] = String(items.map((i) => Object.values(i)).flat(2));
        seen[`keys#${k}`] = items.map((i) => Object.keys(i).join(',')).join(';');
        return inner.allocate(items, now, signal);
      },
    };
    const vault = createVault({ store, keys });
    const tokens = await vault.tokenizeMany(
      [
        { value: c.email, kind: 'email' },
        { value: c.card, kind: 'cardNumber' },
        { value: c.ssn, kind: 'ssn' },
        { value: c.name },
      ],
      'crm',
    );
    expect(tokens).toHaveLength(4);
    for (const t of tokens) expect(t).not.toContain(c.email);
    expect(Object.keys(seen).length).toBeGreaterThan(0);
    expect(findLeaks(seen, c), JSON.stringify(seen).slice(0, 1500)).toEqual([]);
    await vault.close();
  });

  it('a store that copies the items it is handed (spread) still gets their records, built once', async () => {
    const c = canaries();
    const inner = memoryStore();
    let records = 0;
    const store: VaultStore = {
      ...inner,
      async allocate(items: readonly AllocateItem[], now: number, signal?: AbortSignal) {
        const copies = items.map((i) => ({ ...i }));
        records += copies.filter((i) => typeof i.record === 'object' && i.record !== null).length;
        for (const i of copies) expect(Object.keys(i).sort()).toEqual(['fingerprints', 'record']);
        return inner.allocate(copies, now, signal);
      },
    };
    const vault = createVault({ store, keys });
    const [first] = await vault.tokenizeMany([{ value: c.email, kind: 'email' }], 'crm');
    const [again] = await vault.tokenizeMany([{ value: c.email, kind: 'email' }], 'crm');
    expect(records).toBe(2);
    expect(again).toBe(first);
    expect(await vault.detokenize([first!], { actor: 'test', purpose: 'test', namespace: 'crm', kind: 'email' })).toEqual([c.email]);
    await vault.close();
  });
});

// A guarded answer is held back until its transformation is done, so the response's headers are not sent yet and a
// second res.end()/res.send() of the same response (an Express handler missing a `return` after send, a double end)
// is not refused by Node or Express (ERR_HTTP_HEADERS_SENT) as it would be without the guard. The guard has put
// itself in 'pass' mode at the first end, so the second end goes straight to Node's end: the raw body is sent and
// the masked one is dropped. Pre-existing (same at 608aab8), not caused by the bound-method rewrite.
for (const [name, make] of [
  ['Express 5', express],
  ['Express 4', express4 as unknown as typeof express],
] as const) {
  describe(`attack 7: ${name}, a guarded response ended twice`, () => {
    let url = '';
    let close: () => Promise<void>;
    const text = (): string => JSON.stringify(sampleOrder());
    beforeAll(async () => {
      const app = make();
      const mask = (): ReturnType<typeof fx.maskFields> => fx.maskFields({ schema: orderSchema });
      app.get('/once', mask(), (_req: Request, res: Response) => void res.type('json').send(text()));
      app.get('/send-twice', mask(), (_req: Request, res: Response) => {
        res.type('json').send(text());
        // The missing `return` of many handlers: without the guard this throws ERR_HTTP_HEADERS_SENT.
        try {
          res.type('json').send(text());
        } catch {
          // refused: what should happen
        }
      });
      app.get('/end-twice', mask(), (_req: Request, res: Response) => {
        res.setHeader('content-type', 'application/json');
        res.end(text());
        try {
          res.end(text());
        } catch {
          // refused
        }
      });
      ({ url, close } = await listen(createServer(app)));
    });
    afterAll(() => close());

    for (const path of ['/send-twice', '/end-twice']) {
      it(`${path}: answers the masked body (or refuses), never the raw one`, async () => {
        const once = await (await fetch(`${url}/once`)).text();
        expect(leaks(once)).toEqual([]);
        const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
        const body = await r.text();
        const headers = headerText(r);
        expect(leaks(body)).toEqual([]);
        expect(leaks(headers)).toEqual([]);
        expect(r.status).toBe(200);
        expect(JSON.parse(body)).toEqual(JSON.parse(once));
      });
    }
  });
}

// The same on Koa when the app answers on the Node response itself (ctx.respond = false), as an app that streams or
// proxies does. Pre-existing (same at 608aab8).
for (const [name, K] of [
  ['Koa 3', Koa],
  ['Koa 2', Koa2 as unknown as typeof Koa],
] as const) {
  describe(`attack 7: ${name}, ctx.res ended twice under maskFields`, () => {
    let url = '';
    let close: () => Promise<void>;
    beforeAll(async () => {
      const app = new K();
      app.use(fk.maskFields({ schema: orderSchema }));
      app.use((ctx) => {
        const text = JSON.stringify(sampleOrder());
        if (ctx.path === '/once') {
          ctx.type = 'json';
          ctx.body = text;
          return;
        }
        ctx.respond = false;
        ctx.res.statusCode = 200;
        ctx.res.setHeader('content-type', 'application/json');
        ctx.res.end(text);
        try {
          ctx.res.end(text);
        } catch {
          // refused
        }
      });
      ({ url, close } = await listen(createServer(app.callback())));
    });
    afterAll(() => close());

    it('answers the masked body, never the raw one', async () => {
      const once = await (await fetch(`${url}/once`)).text();
      expect(leaks(once)).toEqual([]);
      const r = await fetch(`${url}/end-twice`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      expect(leaks(body)).toEqual([]);
      expect(leaks(headerText(r))).toEqual([]);
      expect(r.status).toBe(200);
      expect(JSON.parse(body)).toEqual(JSON.parse(once));
    });
  });
}

// Fastify: an async handler that calls reply.send() and also returns a value (a common mistake Fastify answers with a
// "Reply was already sent" warning, sending the first answer only). Under maskFields the first answer is held back,
// so Fastify sees a response not yet ended and sends the returned value too: raw. Pre-existing (same at 608aab8).
describe('attack 7: Fastify, reply.send() and a returned value under maskFields', () => {
  it('answers the masked body, never the raw one', async () => {
    const app = Fastify();
    app.addHook('onRequest', ff.maskFields({ schema: orderSchema }));
    app.get('/once', async (_req, reply) => {
      reply.type('application/json');
      return JSON.stringify(sampleOrder());
    });
    app.get('/send-and-return', async (_req, reply) => {
      reply.type('application/json');
      reply.send(JSON.stringify(sampleOrder()));
      return JSON.stringify(sampleOrder());
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      const once = await (await fetch(`http://127.0.0.1:${port}/once`)).text();
      expect(leaks(once)).toEqual([]);
      const r = await fetch(`http://127.0.0.1:${port}/send-and-return`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      expect(leaks(body)).toEqual([]);
      expect(leaks(headerText(r))).toEqual([]);
      expect(r.status).toBe(200);
      expect(JSON.parse(body)).toEqual(JSON.parse(once));
    } finally {
      await app.close();
    }
  });
});

// Digest headers the app computed over its (unmasked) body describe bytes the client never gets: on a GET they are a
// hash oracle for the masked values (and a wrong integrity check), on a HEAD as well; the guard drops ETag and removes
// Content-MD5 from a masked GET, but not these. Pre-existing (same at 608aab8).
describe('attack 7: Express, digest headers of the unmasked body', () => {
  let url = '';
  let close: () => Promise<void>;
  const text = JSON.stringify(sampleOrder());
  const sha = createHash('sha256').update(text).digest('base64');
  const md5 = createHash('md5').update(text).digest('base64');
  beforeAll(async () => {
    const app = express();
    app.get('/order', fx.maskFields({ schema: orderSchema }), (_req: Request, res: Response) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('Content-Digest', `sha-256=:${sha}:`);
      res.setHeader('Repr-Digest', `sha-256=:${sha}:`);
      res.setHeader('Digest', `SHA-256=${sha}`);
      res.setHeader('Content-MD5', md5);
      res.end(text);
    });
    ({ url, close } = await listen(createServer(app)));
  });
  afterAll(() => close());

  for (const method of ['GET', 'HEAD']) {
    it(`${method}: no header carries a digest of the unmasked body`, async () => {
      const r = await fetch(`${url}/order`, { method });
      const body = await r.text();
      expect(r.status).toBe(200);
      expect(leaks(body)).toEqual([]);
      const headers = headerText(r);
      expect(leaks(headers)).toEqual([]);
      expect(headers).not.toContain(sha);
      expect(headers).not.toContain(md5);
    });
  }
});

// The seal on a guarded answer must not hold back fieldguard's own refusal: a transform that fails, or an answer that
// is not JSON, sent twice, is refused with the guard's error (no hang, nothing of either body).
describe('attack 7: a refused answer sent twice', () => {
  let url = '';
  let close: () => Promise<void>;
  const text = (): string => JSON.stringify(sampleOrder());
  beforeAll(async () => {
    const app = express();
    const failing = fx.maskFields({
      schema: orderSchema,
      formats: {
        kinds: {
          email: () => {
            throw new Error('format failed');
          },
        },
      },
    });
    const twice = (body: () => string) => (_req: Request, res: Response) => {
      res.type('json').send(body());
      try {
        res.type('json').send(body());
      } catch {
        // refused
      }
    };
    app.get('/format-fails', failing, twice(text));
    app.get('/not-json', fx.maskFields({ schema: orderSchema }), twice(() => `${text()} and more`));
    ({ url, close } = await listen(createServer(app)));
  });
  afterAll(() => close());

  for (const path of ['/format-fails', '/not-json']) {
    it(`${path}: 500 ERR_MASK_FAILED, nothing of the body`, async () => {
      const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      expect(r.status).toBe(500);
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'ERR_MASK_FAILED' } });
      expect(leaks(body)).toEqual([]);
      expect(leaks(headerText(r))).toEqual([]);
    });
  }
});

// The same digests on a Web-standard handler: the masked Response is rebuilt from the original's headers.
describe('attack 7: Web, digest headers of the unmasked body', () => {
  const text = JSON.stringify(sampleOrder());
  const sha = createHash('sha256').update(text).digest('base64');
  const md5 = createHash('md5').update(text).digest('base64');
  const digests = { 'content-type': 'application/json', 'content-digest': `sha-256=:${sha}:`, 'repr-digest': `sha-256=:${sha}:`, digest: `SHA-256=${sha}`, 'content-md5': md5, etag: `"${sha}"` };
  for (const method of ['GET', 'HEAD']) {
    it(`${method}: no header carries a digest of the unmasked body`, async () => {
      const handler = fw.maskFields({ schema: orderSchema })(async () => new Response(method === 'HEAD' ? null : text, { headers: digests }));
      const r = await handler(new Request('http://127.0.0.1/order', { method }));
      const body = await r.text();
      expect(r.status).toBe(200);
      expect(leaks(body)).toEqual([]);
      const headers = headerText(r);
      expect(headers).not.toContain(sha);
      expect(headers).not.toContain(md5);
      if (method === 'GET') expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    });
  }
});

// An answer transformed as a value by an asynchronous plan (tokenizeFields on the answer, through the vault): while
// the vault works, a second answer of the handler (a raw `res.send` after `res.json`) must not go out in its place.
describe('attack 7: a second answer while the vault tokenizes the first', () => {
  let url = '';
  let close: () => Promise<void>;
  beforeAll(async () => {
    const vault = createVault({ store: memoryStore(), keys });
    const app = express();
    const tokenize = fx.tokenizeFields({ schema: orderSchema, vault, on: 'response' });
    app.get('/once', tokenize, (_req: Request, res: Response) => void res.json(sampleOrder()));
    app.get('/twice', tokenize, (_req: Request, res: Response) => {
      res.json(sampleOrder());
      try {
        res.type('json').send(JSON.stringify(sampleOrder()));
      } catch {
        // refused
      }
    });
    ({ url, close } = await listen(createServer(app)));
  });
  afterAll(() => close());

  it('answers the tokenized order, never the raw one', async () => {
    const once = await fetch(`${url}/once`);
    const a = await once.text();
    expect(once.status).toBe(200);
    expect(leaks(a)).toEqual([]);
    const r = await fetch(`${url}/twice`, { signal: AbortSignal.timeout(5000) });
    const body = await r.text();
    expect(leaks(body)).toEqual([]);
    expect(leaks(headerText(r))).toEqual([]);
    expect(r.status).toBe(200);
    expect(Object.keys(JSON.parse(body)).sort()).toEqual(Object.keys(JSON.parse(a)).sort());
  });
});
