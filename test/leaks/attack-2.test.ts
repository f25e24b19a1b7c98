// A second outside leak hunt. Each `it.fails` is an attack that succeeds today: its body asserts that
// nothing leaks, so it fails until the cause is fixed (the comment names the channel and the reproduction).
// Each plain `it` is an attack that was refused correctly, kept as a regression.
// Real Express 5 / Koa 3 servers on 127.0.0.1 and real Web-standard Request/Response objects.
import { createServer, request as httpRequest } from 'node:http';
import express5 from 'express';
import Koa from 'koa';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSchema, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import * as fw from '../../src/web/index.js';
import { listen } from '../helpers/vendor.js';

const EMAIL = 'canary.7Q3x@leak.example';
const CARD = '4111111111111111';
const SSN = '078-05-1120';

const schema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
    ssn: tag(z.string(), 'special', { kind: 'ssn' }),
  }),
);
const record = { id: 'o-1', email: EMAIL, card: CARD, ssn: SSN };

/** Every canary, raw and in the common encodings, found in a text. */
function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const c of [EMAIL, CARD, SSN]) {
    const forms = [c, encodeURIComponent(c), Buffer.from(c).toString('base64'), c.replace(/\D/g, '').length >= 9 ? c.replace(/\D/g, '') : '\u0000none'];
    if (forms.some((f) => text.includes(f))) found.push(c);
  }
  return found;
}

/** A raw GET over one socket: status, headers and the body bytes as latin1. */
async function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// 1. `text/json` is a JSON MIME type (WHATWG MIME Sniffing §4.6: "application/json or text/json, or a
//    subtype ending in +json"), and clients parse it as JSON — but the response interceptor's verdict
//    treats it as "another type" and passes it unread.
describe('answers typed text/json', () => {
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    const app = express5();
    app.get('/orders/:id', fx.maskFields({ schema }), (_req, res) => {
      res.type('text/json').send(JSON.stringify(record));
    });
    server = await listen(createServer(app));
  });
  afterAll(async () => server.close());

  // LEAK — channel: the HTTP answer to the client (maskFields, Express 5). Reproduction:
  // `res.type('text/json').send(JSON.stringify({ email, card, ssn }))` behind maskFields answers every
  // value in clear. Cause: src/middleware/response.ts typeVerdict() (only application/json and *+json
  // are 'json'; text/json falls to 'pass'); the Web adapter has the same rule in src/web/wire.ts (line ~112).
  it.fails('Express 5: maskFields masks a text/json answer', async () => {
    const r = await get(server.url, '/orders/o-1');
    expect(r.status).toBe(200);
    expect(leaksIn(r.body)).toEqual([]);
  });

  // Same leak through the Web adapter (src/web/wire.ts answerVerdict).
  it.fails('Web: maskFields masks a text/json Response', async () => {
    const handler = fw.maskFields({ schema })(async () => new Response(JSON.stringify(record), { headers: { 'content-type': 'text/json' } }));
    const res = await handler(new Request('http://127.0.0.1/orders/o-1'));
    expect(leaksIn(await res.text())).toEqual([]);
  });

  // Same leak through Koa 3.
  it.fails('Koa 3: maskFields masks a text/json ctx.body', async () => {
    const app = new Koa();
    app.use(fk.maskFields({ schema }));
    app.use((ctx) => {
      ctx.type = 'text/json';
      ctx.body = JSON.stringify(record);
    });
    const s = await listen(createServer(app.callback()));
    try {
      const r = await get(s.url, '/orders/o-1');
      expect(leaksIn(r.body)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
