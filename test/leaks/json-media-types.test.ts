// JSON media types beyond application/json (text/json, application/x-amz-json-1.1): read as JSON on
// requests as on answers — scrubbed before they are forwarded, never piped on unread.
// A real Express 5 server and a real vendor on 127.0.0.1, http-proxy-middleware in between.
import { createServer } from 'node:http';
import express5 from 'express';
import { z } from 'zod';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { describe, expect, it } from 'vitest';
import { defineSchema, proxyBody, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fw from '../../src/web/index.js';
import * as ff from '../../src/fastify/index.js';
import Fastify from 'fastify';
import { isJsonMediaType } from '../../src/middleware/body.js';
import { listen, startVendor } from '../helpers/vendor.js';

const EMAIL = 'canary.7Q3x@leak.example';
const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }) }));

describe('isJsonMediaType', () => {
  it.each([
    ['application/json', true],
    ['text/json', true],
    ['application/vnd.api+json', true],
    ['application/x-amz-json-1.1', true],
    ['application/x-amz-json-1.0', true],
    ['application/x-json', true],
    ['application/x-ndjson', false],
    ['application/jsonl', false],
    ['application/jsonlines', false],
    ['text/plain', false],
    ['json', false],
    [undefined, false],
  ])('%s → %s', (type, expected) => expect(isJsonMediaType(type)).toBe(expected));
});

describe('a request body typed with another JSON media type', () => {
  it.each(['text/json', 'application/x-amz-json-1.1'])('Express 5: scrubPII scrubs a %s body before it is forwarded', async (type) => {
    const vendor = await startVendor();
    const app = express5();
    // fixRequestBody writes a parsed body back only for application/json and *+json types; proxyBody writes what fieldguard rewrote.
    app.post('/vendor/*rest', fx.scrubPII({ schema }), createProxyMiddleware({ target: vendor.url, pathRewrite: { '^/vendor': '' }, on: { proxyReq: proxyBody } }));
    const s = await listen(createServer(app));
    try {
      const r = await fetch(`${s.url}/vendor/contacts`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ id: 'c-1', email: EMAIL }) });
      await r.text();
      expect(r.status).toBe(200);
      expect(vendor.received).toHaveLength(1);
      const body = JSON.parse(vendor.received[0]!.body) as Record<string, unknown>;
      expect(body['id']).toBe('c-1');
      expect(body['email']).not.toBe(EMAIL);
      const wire = vendor.wire();
      for (const form of [EMAIL, encodeURIComponent(EMAIL), Buffer.from(EMAIL).toString('base64')]) expect(wire).not.toContain(form);
    } finally {
      await s.close();
      await vendor.close();
    }
  });
});

describe('an untyped answer that starts like JSON but is several JSON texts', () => {
  const lines = [{ id: 'o-1', email: EMAIL }, { id: 'o-2', email: EMAIL }].map((r) => JSON.stringify(r)).join('\n');
  it('Express 5: refused with ERR_MASK_FAILED, no record in clear', async () => {
    const app = express5();
    app.get('/orders', fx.maskFields({ schema }), (_req, res) => void res.send(lines));
    const s = await listen(createServer(app));
    try {
      const r = await fetch(`${s.url}/orders`);
      const text = await r.text();
      expect(r.status).toBe(500);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'ERR_MASK_FAILED' } });
      expect(text).not.toContain(EMAIL);
    } finally {
      await s.close();
    }
  });
  it('Web: refused with ERR_MASK_FAILED, no record in clear', async () => {
    const handler = fw.maskFields({ schema })(async () => new Response(lines));
    const res = await handler(new Request('http://127.0.0.1/orders'));
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'ERR_MASK_FAILED' } });
    expect(text).not.toContain(EMAIL);
  });
});

describe('a URL that does not decode', () => {
  it('Fastify: errorHandler() as frameworkErrors answers ERR_INVALID_URL without quoting the path', async () => {
    const app = Fastify({ frameworkErrors: ff.errorHandler() });
    app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await fetch(`${url}/users/${encodeURIComponent(EMAIL)}%ZZ`);
      const text = await r.text();
      expect(r.status).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'ERR_INVALID_URL' } });
      for (const form of [EMAIL, encodeURIComponent(EMAIL), 'canary']) expect(text).not.toContain(form);
    } finally {
      await app.close();
    }
  });
});
