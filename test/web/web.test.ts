// fieldguard/web beyond the conformance suite: a Next.js-style route module against a real vendor, compressed and oversized bodies, HEAD, thrown refusals, logging, tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib';
import pino from 'pino';
import { Writable } from 'node:stream';
import { FieldguardError } from '../../src/index.js';
import * as fw from '../../src/web/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { leaks, MASKED_ORDER, SCRUBBED_ORDER, SENSITIVE, orderSchema, sampleOrder } from '../fixtures/order.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';
import * as route from '../fixtures/web/orders-route.js';

const post = (body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }): Request =>
  new Request('http://gateway.test/api/orders', { method: 'POST', headers, body });

let vendor: Vendor;
beforeAll(async () => {
  vendor = await startVendor();
  route.config.vendor = vendor.url;
});
afterAll(() => vendor.close());

describe('a Next.js-style route module', () => {
  it('POST forwards the scrubbed order to the real vendor with fetch, and nothing else', async () => {
    const res = await route.POST(post(JSON.stringify(sampleOrder())));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const got = vendor.received.at(-1)!;
    expect(JSON.parse(got.body)).toEqual(SCRUBBED_ORDER);
    expect(Number(got.headers['content-length'])).toBe(Buffer.byteLength(got.body));
    expect(leaks(vendor.wire())).toEqual([]);
  });

  it('GET masks the answer and keeps the params Next.js passes', async () => {
    const res = await route.GET(new Request('http://gateway.test/api/orders/o-9'), { params: Promise.resolve({ id: 'o-9' }) });
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ ...MASKED_ORDER, id: 'o-9' });
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(leaks(text)).toEqual([]);
  });

  it('refuses malformed JSON with 400 before the vendor is called, quoting nothing', async () => {
    const before = vendor.received.length;
    const res = await route.POST(post('{"customer":{"email":"jane.doe@example.com", 4111'));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('ERR_INVALID_JSON');
    expect(leaks(text)).toEqual([]);
    expect(vendor.received.length).toBe(before);
  });
});

describe('request bodies on the Web', () => {
  const echo = fw.scrubPII({ schema: orderSchema })(async (request: Request) => new Response(await request.text(), { headers: { 'content-type': 'application/json' } }));

  it('reads gzip and deflate bodies with DecompressionStream and scrubs them', async () => {
    for (const [encoding, bytes] of [['gzip', gzipSync(JSON.stringify(sampleOrder()))], ['deflate', deflateSync(JSON.stringify(sampleOrder()))]] as const) {
      const res = await echo(post(new Uint8Array(bytes), { 'content-type': 'application/json', 'content-encoding': encoding }));
      expect(res.status).toBe(200);
      expect(JSON.parse(await res.text())).toEqual(SCRUBBED_ORDER);
    }
  });

  it('refuses br (no DecompressionStream for it here) with 415, the handler never called', async () => {
    let called = false;
    const guarded = fw.scrubPII({ schema: orderSchema })(async () => {
      called = true;
      return new Response('{}');
    });
    const res = await guarded(post(new Uint8Array(brotliCompressSync(JSON.stringify(sampleOrder()))), { 'content-type': 'application/json', 'content-encoding': 'br' }));
    expect(res.status).toBe(415);
    expect(JSON.parse(await res.text()).error.code).toBe('ERR_UNSUPPORTED_CONTENT_TYPE');
    expect(called).toBe(false);
  });

  it('stops reading past the limit, after decompression (a small gzip cannot expand past it)', async () => {
    const bomb = gzipSync(JSON.stringify({ id: 'x'.repeat(200_000) }));
    expect(bomb.length).toBeLessThan(2_000);
    const guarded = fw.scrubPII({ schema: orderSchema, limit: 10_000 })(async () => new Response('{}'));
    const res = await guarded(post(new Uint8Array(bomb), { 'content-type': 'application/json', 'content-encoding': 'gzip' }));
    expect(res.status).toBe(413);
    expect(JSON.parse(await res.text()).error.code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it('scrubs a streamed body without a Content-Length, split inside a value', async () => {
    const text = JSON.stringify({ id: 's', customer: { id: 'c', email: 'jane.doe@example.com' }, items: [] });
    const cut = text.indexOf('jane.doe') + 4;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(text.slice(0, cut)));
        c.enqueue(new TextEncoder().encode(text.slice(cut)));
        c.close();
      },
    });
    const res = await echo(new Request('http://gateway.test/api/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit));
    expect(await res.text()).toBe('{"id":"s","customer":{"id":"c"},"items":[]}');
  });

  it("throws the FieldguardError to the framework with errors: 'throw', the handler never called", async () => {
    const guarded = fw.scrubPII({ schema: orderSchema, untagged: 'reject', errors: 'throw' })(async () => new Response('{}'));
    const error = await guarded(post(JSON.stringify({ coupon: 'jane.doe@example.com' }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FieldguardError);
    expect((error as FieldguardError).code).toBe('ERR_UNTAGGED_FIELD');
    expect(leaks(JSON.stringify(error) + String(error))).toEqual([]);
  });
});

describe('answers on the Web', () => {
  const masked = (make: () => Response) => fw.maskFields({ schema: orderSchema })(async () => make());

  it('masks a gzip answer and sends it uncompressed with its new length, no ETag', async () => {
    const res = await masked(() => new Response(new Uint8Array(gzipSync(JSON.stringify(sampleOrder()))), { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', etag: '"abc"' } }))(new Request('http://x/'));
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(MASKED_ORDER);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
  });

  it('answers 500 instead of a br answer it cannot read, or a JSON answer that is not JSON', async () => {
    for (const make of [
      () => new Response(new Uint8Array(brotliCompressSync(JSON.stringify(sampleOrder()))), { headers: { 'content-type': 'application/json', 'content-encoding': 'br' } }),
      () => new Response(`{"email":"jane.doe@example.com",`, { headers: { 'content-type': 'application/json' } }),
    ]) {
      const res = await masked(make)(new Request('http://x/'));
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('ERR_MASK_FAILED');
      expect(leaks(text)).toEqual([]);
    }
  });

  it('masks an untyped answer that starts like JSON, and passes others through unread', async () => {
    const json = await masked(() => new Response(JSON.stringify(sampleOrder())))(new Request('http://x/'));
    expect(JSON.parse(await json.text())).toEqual(MASKED_ORDER);
    const csv = await masked(() => new Response('id,status\no-1,new', { headers: { 'content-type': 'text/csv' } }))(new Request('http://x/'));
    expect(await csv.text()).toBe('id,status\no-1,new');
    const plain = await masked(() => new Response('hello'))(new Request('http://x/'));
    expect(await plain.text()).toBe('hello');
  });

  it('answers HEAD with the masked length and no body', async () => {
    const res = await masked(() => Response.json(sampleOrder()))(new Request('http://x/', { method: 'HEAD' }));
    expect(res.body).toBeNull();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(MASKED_ORDER)));
  });
});

describe('redactLogs and tokens on the Web', () => {
  it('writes one redacted line when the answer was read, and requestLog redacts what the handler logs', async () => {
    const lines: string[] = [];
    const logger = pino({ base: null }, new Writable({ write: (c: Buffer, _e, cb) => void (lines.push(c.toString()), cb()) }));
    const guarded = fw.redactLogs({ schema: orderSchema, logger, bodies: true, destination: 'vendor' })(async (request: Request) => {
      fw.requestLog(request)?.info({ order: sampleOrder() }, 'received');
      return Response.json({ ok: true });
    });
    const res = await guarded(new Request('http://x/api/orders?email=jane.doe%40example.com', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk_live_abcdef123456' }, body: '{}' }));
    expect(await res.text()).toBe('{"ok":true}');
    await new Promise((r) => setTimeout(r, 20));
    const all = lines.join('');
    expect(lines).toHaveLength(2);
    const line = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(line).toMatchObject({ method: 'POST', status: 200, destination: 'vendor', resBytes: 11, msg: 'request completed' });
    for (const s of [...SENSITIVE, 'sk_live_abcdef123456', 'jane.doe%40example.com']) expect(all).not.toContain(s);
    expect(leaks(all)).toEqual([]);
  });

  it('tokenizes what goes to the vendor and resolves it for an authorized caller only', async () => {
    const events: unknown[] = [];
    const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 3).toString('base64') } }), audit: (e) => void events.push(e) });
    let stored = '';
    const save = fw.tokenizeFields({ schema: orderSchema, vault, namespace: 'crm' })(async (request: Request) => {
      stored = await request.text();
      return new Response(null, { status: 201 });
    });
    expect((await save(post(JSON.stringify(sampleOrder())))).status).toBe(201);
    expect(leaks(stored)).toEqual([]);
    const load = fw.detokenizeFields({ schema: orderSchema, vault, namespace: 'crm', purpose: 'support', authorize: (request) => request.headers.get('x-role') === 'support' })(
      async () => new Response(stored, { headers: { 'content-type': 'application/json' } }),
    );
    const denied = await load(new Request('http://x/'));
    expect(denied.status).toBe(403);
    expect(leaks(await denied.text())).toEqual([]);
    const allowed = await load(new Request('http://x/', { headers: { 'x-role': 'support' } }));
    expect((JSON.parse(await allowed.text()) as { customer: { email: string } }).customer.email).toBe('jane.doe@example.com');
    expect(events.length).toBeGreaterThanOrEqual(2);
  });
});
