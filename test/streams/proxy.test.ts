// Streams behind http-proxy-middleware's own responseInterceptor, detokenized event streams, and answers too large to hold.
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { Readable } from 'node:stream';
import { createProxyMiddleware, responseInterceptor } from 'http-proxy-middleware';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTokenize, defineSchema, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { leaks, MASKED_ORDER, orderSchema } from '../fixtures/order.js';
import { listen } from '../helpers/vendor.js';
import { pieces } from '../integration/apps.js';
import { read } from './client.js';
import { startStreamVendor, type StreamVendor } from './vendor.js';

let vendor: StreamVendor;
beforeAll(async () => void (vendor = await startStreamVendor()));
afterAll(() => vendor.close());

describe("behind http-proxy-middleware's responseInterceptor", () => {
  let gw: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    const app = express();
    // The interceptor buffers and decompresses the vendor's answer itself, then writes it with its own Content-Length.
    const proxy = createProxyMiddleware({
      target: vendor.url,
      selfHandleResponse: true,
      pathRewrite: { '^/vendor': '' },
      on: { proxyRes: responseInterceptor(async (buffer) => buffer) },
    });
    app.get('/vendor/stream/:kind', fx.maskFields({ schema: orderSchema }), proxy);
    gw = await listen(createServer(app));
  });
  afterAll(() => gw.close());

  it.each(['gzip', 'br', 'deflate'])('masks a %s JSON answer whole, with the length of the masked bytes (no truncation, no stale length)', async (encoding) => {
    const res = await fetch(`${gw.url}/vendor/stream/json?encoding=${encoding}`);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(MASKED_ORDER);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
    expect(leaks(text)).toEqual([]);
  });

  it('masks an event stream the interceptor buffered, dropping the length it set for the unmasked bytes', async () => {
    const res = await fetch(`${gw.url}/vendor/stream/sse?encoding=gzip`);
    const text = await res.text();
    expect(res.headers.get('content-length')).toBeNull();
    expect(text).toContain(`data: ${JSON.stringify(MASKED_ORDER)}\n\n`);
    expect(leaks(text)).toEqual([]);
  });
});

describe('detokenizeFields over an event stream', () => {
  const contact = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }) }));
  const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 3).toString('base64') } }), audit: () => undefined });

  it('resolves the tokens of each event, one vault batch per event, in order', async () => {
    const tokenize = compileTokenize({ schema: contact, vault });
    const events = await Promise.all(['a@example.com', 'b@example.com', 'c@example.com'].map(async (email, i) => (await tokenize({ id: `c-${i}`, email })).value));
    expect(JSON.stringify(events)).not.toContain('@example.com');
    const app = express();
    app.get('/feed', fx.detokenizeFields({ schema: contact, vault, purpose: 'support', authorize: () => true }), (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of pieces(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''))) res.write(piece);
      res.end();
    });
    const gw = await listen(createServer(app));
    try {
      const text = await (await fetch(`${gw.url}/feed`)).text();
      expect(text).toBe(['a', 'b', 'c'].map((l, i) => `data: {"id":"c-${i}","email":"${l}@example.com"}\n\n`).join(''));
    } finally {
      await gw.close();
    }
  });
});

describe('JSON answers streamed by the handler', () => {
  const big = (): string[] => ['{"customer":{"email":"jane.doe@example.com"},', `"pad":"${'x'.repeat(4096)}"}`];
  const koaApp = (): Parameters<typeof createServer>[1] => {
    const app = new Koa();
    app.use(fk.maskFields({ schema: orderSchema, limit: 1024 }));
    app.use((ctx) => {
      ctx.type = 'application/json';
      ctx.body = Readable.from(big());
    });
    return app.callback();
  };
  const expressApp = (): Parameters<typeof createServer>[1] => {
    const app = express();
    app.get('/', fx.maskFields({ schema: orderSchema, limit: 1024 }), (_req, res) => {
      res.setHeader('content-type', 'application/json');
      const [head, tail] = big();
      res.write(head);
      res.end(tail);
    });
    return app;
  };

  it.each([
    ['Koa: a stream body typed JSON', koaApp],
    ['Express: res.write/res.end of JSON', expressApp],
  ])('%s larger than the limit is refused loudly, never sent unmasked', async (_name, make) => {
    const gw = await listen(createServer(make()));
    try {
      const res = await fetch(gw.url);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'ERR_MASK_FAILED' } });
      expect(leaks(text)).toEqual([]);
    } finally {
      await gw.close();
    }
  });

  it('an event longer than the limit cuts the stream, nothing of it sent', async () => {
    const app = express();
    app.get('/', fx.maskFields({ schema: orderSchema, limit: 1024 }), (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"ord_1"}\n\n');
      res.end(`data: {"customer":{"email":"jane.doe@example.com"},"pad":"${'x'.repeat(4096)}"}\n\n`);
    });
    const gw = await listen(createServer(app));
    try {
      const { text, cut } = await read(gw.url);
      expect(cut).toBe(true);
      expect(text).toMatch(/^(data: \{"id":"ord_1"\}\n\nevent: error\ndata: \{"error":\{"code":"ERR_PAYLOAD_TOO_LARGE"|\{"error":\{"code":"ERR_MASK_FAILED")/);
      expect(leaks(text)).toEqual([]);
    } finally {
      await gw.close();
    }
  });
});

describe('live event streams', () => {
  const event = (email: string): string => `data: ${JSON.stringify({ id: 'ord_1', customer: { email } })}\n\n`;
  const maskedEvent = (first: string): string => `data: {"id":"ord_1","customer":{"email":"${first}***@example.com"}}\n\n`;

  /** Reads events one by one: the next is written only after the client saw the one before, so nothing may wait for the end. */
  async function converse(url: string, release: () => void): Promise<string[]> {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const seen: string[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
      while (text.includes('\n\n')) {
        const at = text.indexOf('\n\n') + 2;
        seen.push(text.slice(0, at));
        text = text.slice(at);
        release();
      }
    }
    return seen;
  }

  it('Express: an event flushed early reaches the client masked before the next is written', async () => {
    let release: () => void = () => undefined;
    const app = express();
    app.get('/live', fx.maskFields({ schema: orderSchema }), async (_req, res) => {
      res.setHeader('content-type', 'text/event-stream');
      res.flushHeaders();
      for (const email of ['jane.doe@example.com', 'bob@example.com']) {
        const seen = new Promise<void>((r) => (release = r));
        res.write(event(email));
        await seen;
      }
      res.end();
    });
    const gw = await listen(createServer(app));
    try {
      expect(await converse(`${gw.url}/live`, () => release())).toEqual([maskedEvent('j'), maskedEvent('b')]);
    } finally {
      await gw.close();
    }
  });

  it('Koa: a PassThrough body written over time is masked event by event', async () => {
    const { PassThrough } = await import('node:stream');
    let release: () => void = () => undefined;
    const app = new Koa();
    app.use(fk.maskFields({ schema: orderSchema }));
    app.use((ctx) => {
      const body = new PassThrough();
      ctx.type = 'text/event-stream';
      ctx.body = body;
      void (async () => {
        for (const email of ['jane.doe@example.com', 'bob@example.com']) {
          const seen = new Promise<void>((r) => (release = r));
          body.write(event(email));
          await seen;
        }
        body.end();
      })();
    });
    const gw = await listen(createServer(app.callback()));
    try {
      expect(await converse(gw.url, () => release())).toEqual([maskedEvent('j'), maskedEvent('b')]);
    } finally {
      await gw.close();
    }
  });
});
