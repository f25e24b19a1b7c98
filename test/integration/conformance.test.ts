// One conformance suite: every middleware behaviour through Express 5 and 4, Koa 3 and 2, Fastify 5 and Web/Hono, with a real proxy and vendor.
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS, type Gateway } from './apps.js';
import { leaks, MASKED_ORDER, SCRUBBED_ORDER, sampleOrder } from '../fixtures/order.js';
import { startVendor, type Vendor } from '../helpers/vendor.js';

async function send(url: string, init: RequestInit = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/**
 * Posts `body` chunked on `agent`, in slices with a look at the socket between them, as a careful client
 * does: a server that refused and closes the connection is not written to once its answer is in.
 */
function postChunked(agent: Agent, url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let closing = false;
    let answered = false;
    const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      closing = res.headers.connection === 'close';
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (e: NodeJS.ErrnoException) => (answered && (e.code === 'EPIPE' || e.code === 'ECONNRESET') ? undefined : reject(e)));
    void (async () => {
      for (let at = 0; at < body.length; at += 64 * 1024) {
        if (closing || req.destroyed) return;
        req.write(body.subarray(at, at + 64 * 1024));
        await new Promise((r) => setImmediate(r));
      }
      if (!closing) req.end();
    })();
  });
}

function getOn(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe.each(FRAMEWORKS)('$name', (framework) => {
  let vendor: Vendor;
  let gw: Gateway;
  beforeAll(async () => {
    vendor = await startVendor();
    gw = await framework.start(vendor.url);
  });
  afterAll(async () => {
    await gw.close();
    await vendor.close();
  });
  const last = () => vendor.received.at(-1)!;

  it('forwards to the vendor only the fields it may have, with a correct Content-Length', async () => {
    const before = vendor.received.length;
    const res = await send(`${gw.url}/vendor/orders`, json(sampleOrder()));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ ok: true });
    expect(vendor.received.length).toBe(before + 1);
    const got = last();
    expect(got.url).toBe('/orders');
    expect(JSON.parse(got.body)).toEqual(SCRUBBED_ORDER);
    expect(Number(got.headers['content-length'])).toBe(Buffer.byteLength(got.body));
    expect(leaks(got.body)).toEqual([]);
    expect(leaks(JSON.stringify(got.headers))).toEqual([]);
  });

  it('reports counts by path and kind, never values', async () => {
    const report = gw.reports.at(-1)!;
    expect(report).toMatchObject({ kept: 8, dropped: 10, masked: 0, rejected: 0, untagged: 0 });
    expect(report.fields).toContainEqual({ path: 'customer.email', type: 'string', action: 'drop', count: 1, sensitivity: 'personal', kind: 'email' });
    expect(report.fields).toContainEqual({ path: 'items[*].sku', type: 'string', action: 'keep', count: 2, sensitivity: 'public' });
    expect(leaks(JSON.stringify(report))).toEqual([]);
  });

  it('drops keys the schema does not know, __proto__ included, without polluting any prototype', async () => {
    const body = '{"id":"o-2","status":"new","total":1,"customer":{"id":"c","nickname":"jd"},"items":[],"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"extra":"4111 1111 1111 1111"}';
    const res = await send(`${gw.url}/vendor/unparsed`, json(body));
    expect(res.status).toBe(200);
    expect(JSON.parse(last().body)).toEqual({ id: 'o-2', status: 'new', total: 1, customer: { id: 'c' }, items: [] });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(leaks(last().body)).toEqual([]);
    // Behind a body parser: Express's keeps __proto__ as a plain key (then dropped); co-body refuses it (400).
    const before = vendor.received.length;
    const parsed = await send(`${gw.url}/vendor/orders`, json(body));
    if (parsed.status === 200) {
      expect(JSON.parse(last().body)).toEqual({ id: 'o-2', status: 'new', total: 1, customer: { id: 'c' }, items: [] });
    } else {
      expect(parsed.status).toBe(400);
      expect(JSON.parse(parsed.text).error.code).toBe('ERR_INVALID_JSON');
      expect(vendor.received.length).toBe(before);
    }
    expect(leaks(parsed.text + last().body)).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('forwards an empty object as {} and the vendor answers', async () => {
    const res = await send(`${gw.url}/vendor/orders`, json('{}'));
    expect(res.status).toBe(200);
    expect(last().body).toBe('{}');
    expect(last().headers['content-length']).toBe('2');
  });

  it('scrubs URL-encoded forms', async () => {
    const res = await send(`${gw.url}/vendor/forms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'id=o-3&status=new&diagnosis=type+2+diabetes&__proto__=x&diagnosis=flu',
    });
    expect(res.status).toBe(200);
    expect(last().body).toBe('id=o-3&status=new');
    expect(leaks(last().body)).toEqual([]);
  });

  it('reads and scrubs a JSON body no parser consumed', async () => {
    const res = await send(`${gw.url}/vendor/unparsed`, json(sampleOrder()));
    expect(res.status).toBe(200);
    expect(JSON.parse(last().body)).toEqual(SCRUBBED_ORDER);
  });

  it('answers malformed JSON with 400 ERR_INVALID_JSON, echoes nothing and forwards nothing', async () => {
    const before = vendor.received.length;
    for (const path of ['/vendor/orders', '/vendor/unparsed']) {
      const res = await send(`${gw.url}${path}`, json('{"customer":{"email":"jane.doe@example.com", 4111 1111 1111 1111'));
      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toEqual({ error: { code: 'ERR_INVALID_JSON', message: 'the request body is not valid JSON' } });
      expect(leaks(res.text)).toEqual([]);
    }
    expect(vendor.received.length).toBe(before);
  });

  it("answers a body past the parser's limit with 413, forwards nothing, and the connection carries the next request", async () => {
    // One socket: the request after the refusal goes on the same keep-alive connection, unless the server closed it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = vendor.received.length;
      const body = Buffer.from(JSON.stringify({ ...sampleOrder(), pad: 'x'.repeat(1_200_000) }));
      for (let i = 0; i < 3; i++) {
        const refused = await postChunked(agent, `${gw.url}/vendor/orders`, body);
        expect(refused.status).toBe(413);
        expect(leaks(refused.text)).toEqual([]);
        expect(await getOn(agent, `${gw.url}/orders/1`)).toBe(200);
      }
      expect(vendor.received.length).toBe(before);
    } finally {
      agent.destroy();
    }
  });

  it('refuses a content type it cannot inspect with 415 and forwards nothing', async () => {
    const before = vendor.received.length;
    const res = await send(`${gw.url}/vendor/unparsed`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'jane.doe@example.com',
    });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text).error.code).toBe('ERR_UNSUPPORTED_CONTENT_TYPE');
    expect(leaks(res.text)).toEqual([]);
    expect(vendor.received.length).toBe(before);
  });

  it('refuses nesting past maxDepth with 400 ERR_PAYLOAD_TOO_DEEP', async () => {
    const before = vendor.received.length;
    const deep = '{"customer":'.repeat(20) + '"jane.doe@example.com"' + '}'.repeat(20);
    const res = await send(`${gw.url}/vendor/shallow`, json(deep));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.code).toBe('ERR_PAYLOAD_TOO_DEEP');
    expect(leaks(res.text)).toEqual([]);
    expect(vendor.received.length).toBe(before);
  });

  it("answers untagged fields under untagged: 'reject' with 422 and their paths, never their values", async () => {
    const before = vendor.received.length;
    const res = await send(
      `${gw.url}/vendor/strict`,
      json({ ...sampleOrder(), coupon: 'jane.doe@example.com', items: [{ sku: 'A', qty: 1, gift: 'Jane Doe' }] }),
    );
    expect(res.status).toBe(422);
    const body = JSON.parse(res.text);
    expect(body.error.code).toBe('ERR_UNTAGGED_FIELD');
    // Keys the sender chose are never named: each is reported as its parent's path plus `*`.
    expect(body.error.paths).toEqual(['items[*].*', '*']);
    expect(res.text).not.toMatch(/gift|coupon/);
    expect(leaks(res.text)).toEqual([]);
    expect(vendor.received.length).toBe(before);
  });

  it("scrubs the query string with target: 'query' and forwards only what remains", async () => {
    const res = await send(`${gw.url}/vendor/search?q=shoes&email=jane.doe%40example.com&page=2&token=abc`);
    expect(res.status).toBe(200);
    expect(last().method).toBe('GET');
    expect(last().url).toBe('/search?q=shoes&page=2');
    expect(leaks(last().url)).toEqual([]);
  });

  it('masks what the handler answers through res.json / ctx.body', async () => {
    const res = await send(`${gw.url}/orders/1`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual(MASKED_ORDER);
    expect(leaks(res.text)).toEqual([]);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
  });

  it('masks an object sent with res.send, or a JSON string body in Koa', async () => {
    const res = await send(`${gw.url}/orders/1/send`);
    expect(JSON.parse(res.text)).toEqual(MASKED_ORDER);
    expect(leaks(res.text)).toEqual([]);
  });

  it('leaves the masking report on res.locals / ctx.state', async () => {
    await send(`${gw.url}/orders/1/report`);
    const report = gw.reports.at(-1)!;
    expect(report).toMatchObject({ masked: 12, kept: 8, dropped: 0 });
    expect(leaks(JSON.stringify(report))).toEqual([]);
  });

  it("masks the incoming body with on: 'request'", async () => {
    const res = await send(`${gw.url}/masked-in`, json(sampleOrder()));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual(MASKED_ORDER);
    expect(leaks(res.text)).toEqual([]);
  });

  it('masks each element of a list answered with the object schema', async () => {
    const res = await send(`${gw.url}/orders/list`);
    expect(JSON.parse(res.text)).toEqual([MASKED_ORDER, MASKED_ORDER]);
    expect(leaks(res.text)).toEqual([]);
  });

  it.runIf(framework.name.startsWith('Express'))("masks Express 4's legacy res.json(status, body) too", async () => {
    const res = await send(`${gw.url}/orders/legacy`);
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text)).toEqual(MASKED_ORDER);
  });

  it('answers HEAD with the masked length and no body, and 204 without hanging', async () => {
    const head = await send(`${gw.url}/orders/1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    if (framework.name.startsWith('Fastify')) {
      // Fastify's HEAD route measures the unmasked payload and sends no body, so no length is sent rather than the original's.
      expect(head.headers.get('content-length')).toBeNull();
    } else {
      expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(MASKED_ORDER)));
    }
    const none = await send(`${gw.url}/orders/none`);
    expect(none.status).toBe(204);
    expect(none.text).toBe('');
  });

  it('computes the ETag from the masked body, not the original (Express)', async () => {
    const res = await send(`${gw.url}/orders/1`);
    const tag = res.headers.get('etag');
    if (framework.name.startsWith('Express')) {
      const { default: etag } = await import('etag');
      expect(tag).toBe(etag(res.text, { weak: true }));
      expect(tag).not.toBe(etag(JSON.stringify(sampleOrder()), { weak: true }));
    } else {
      expect(tag).toBeNull();
    }
  });

  it('forwards [] and an empty body and completes', async () => {
    const list = await send(`${gw.url}/vendor/orders`, json('[]'));
    expect(list.status).toBe(200);
    expect(vendor.received.at(-1)!.body).toBe('[]');
    const before = vendor.received.length;
    const empty = await send(`${gw.url}/vendor/unparsed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(200);
    expect(vendor.received.length).toBe(before + 1);
    expect(vendor.received.at(-1)!.body).toBe('');
  });

  it('scrubs a chunked body whose sensitive value is split across chunks', async () => {
    const { request } = await import('node:http');
    const body = JSON.stringify({ id: 'chunked', customer: { id: 'c', email: 'jane.doe@example.com' }, items: [] });
    const cut = body.indexOf('jane.doe') + 4;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${gw.url}/vendor/unparsed`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.slice(0, cut));
      setTimeout(() => req.end(body.slice(cut)), 20);
    });
    expect(status).toBe(200);
    expect(JSON.parse(vendor.received.at(-1)!.body)).toEqual({ id: 'chunked', customer: { id: 'c' }, items: [] });
    expect(leaks(vendor.received.at(-1)!.body)).toEqual([]);
  });

  it('keeps 200 interleaved requests apart: each vendor body is its own request, scrubbed', async () => {
    const before = vendor.received.length;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        send(`${gw.url}/vendor/orders`, json({ ...sampleOrder(), id: `ord_${i}`, customer: { ...sampleOrder().customer, id: `cus_${i}`, email: `user${i}@example.com` } })),
      ),
    );
    const bodies = vendor.received.slice(before).map((r) => JSON.parse(r.body) as { id: string; customer: { id: string } });
    expect(bodies).toHaveLength(200);
    for (const b of bodies) {
      expect(b.customer).toEqual({ id: b.id.replace('ord_', 'cus_') });
      expect(JSON.stringify(b)).not.toMatch(/@example\.com/);
    }
    expect(new Set(bodies.map((b) => b.id)).size).toBe(200);
  });
});
