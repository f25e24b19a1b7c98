// Express responses and requests turned into dictionaries before fieldguard puts its interceptors on them: the
// answer is still masked in every form, over many responses (so that the engine's optimized code sees them), and the
// object keeps its prototype and properties. Real servers on 127.0.0.1 port 0.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import express, { type Response } from 'express';
import pino from 'pino';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSchema, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import { listen } from '../helpers/vendor.js';

const schema = defineSchema(
  z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }), card: tag(z.string(), 'special', { kind: 'cardNumber' }) }),
);
const email = 'shape.canary@example.com';
const card = '4111 1111 1111 1111';
const order = { id: 'o-1', email, card };
const text = JSON.stringify(order);

/** Every way an Express handler can answer JSON, each one route. */
const answers: Record<string, (res: Response) => void> = {
  json: (res) => void res.json(order),
  jsonp: (res) => void res.jsonp(order),
  'send(object)': (res) => void res.send(order),
  'send(string), typed': (res) => void res.type('application/json').send(text),
  'send(string), untyped': (res) => void res.send(text),
  'send(Buffer)': (res) => void res.type('application/json').send(Buffer.from(text)),
  'write and end, split inside the email': (res) => {
    res.setHeader('content-type', 'application/json');
    const cut = text.indexOf('canary');
    res.write(text.slice(0, cut));
    res.end(text.slice(cut));
  },
  'writeHead with headers, then end': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', etag: '"abc"' });
    res.end(text);
  },
  'gzip with its own length': (res) => {
    const z = gzipSync(text);
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(z.length) });
    res.end(z);
  },
};

let server: { url: string; close(): Promise<void> };
const seen: Array<{ protoKept: boolean; symbolsLeft: number }> = [];
beforeAll(async () => {
  const app = express();
  const sub = express();
  const quiet = pino(new Writable({ write: (_c, _e, cb) => cb() }));
  // redactLogs first: its byte counters go on the response (and req.log on the request) before maskFields' interceptors.
  app.use(fx.redactLogs({ schema, logger: quiet, bodies: true }));
  app.use(fx.maskFields({ schema }));
  app.use((req, res, next) => {
    const proto = Object.getPrototypeOf(res) as object;
    res.on('finish', () => {
      seen.push({
        protoKept: Object.getPrototypeOf(res) === proto || Object.getPrototypeOf(res) === sub.response,
        symbolsLeft: [...Object.getOwnPropertySymbols(res), ...Object.getOwnPropertySymbols(req)].filter((s) => String(s.description).startsWith('fieldguard.shape')).length,
      });
    });
    next();
  });
  Object.entries(answers).forEach(([, answer], i) => app.get(`/a/${i}`, (_req, res) => answer(res)));
  // A mounted sub-app sets the response's prototype again: the interceptors are the response's own, so they stay.
  sub.get('/json', (_req, res) => void res.json(order));
  sub.get('/send', (_req, res) => void res.type('json').send(text));
  app.use('/sub', sub);
  server = await listen(createServer(app));
});
afterAll(async () => {
  await server.close();
});

function expectMasked(body: string): void {
  expect(body).not.toContain(email);
  expect(body).not.toContain('shape.canary');
  expect(body.replace(/\D/g, '')).not.toContain('41111111');
}

describe('Express interceptors on a response made a dictionary first', () => {
  it.each(Object.keys(answers).map((name, i) => [name, i] as const))('%s: masked on each of 300 responses', async (_name, i) => {
    for (let n = 0; n < 300; n++) {
      const res = await fetch(`${server.url}/a/${i}`);
      const body = await res.text();
      expect(res.status).toBe(200);
      expectMasked(body);
      expect(JSON.parse(body)).toMatchObject({ id: 'o-1', email: 's***@example.com' });
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
      expect(res.headers.get('etag')).not.toBe('"abc"');
    }
  });

  it('a mounted sub-app: masked through res.json and res.send', async () => {
    for (const path of ['/sub/json', '/sub/send']) {
      for (let n = 0; n < 50; n++) {
        const body = await (await fetch(`${server.url}${path}`)).text();
        expectMasked(body);
      }
    }
  });

  it('a HEAD shows neither the unmasked length nor an ETag of it', async () => {
    const res = await fetch(`${server.url}/a/0`, { method: 'HEAD' });
    expect(res.headers.get('content-length')).not.toBe(String(Buffer.byteLength(text)));
  });

  it('leaves the prototype as Express set it and none of its own markers on the request or response', () => {
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.protoKept)).toBe(true);
    expect(seen.every((s) => s.symbolsLeft === 0)).toBe(true);
  });
});
