// The leak hunt over streamed bodies: canaries split across chunks, compressed, inside server-sent events and NDJSON lines, in both directions and through every framework.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS, pieces, type Gateway } from '../integration/apps.js';
import { read, wire } from '../streams/client.js';
import { ndjsonText, sseText, startStreamVendor, type StreamVendor } from '../streams/vendor.js';
import { canaries, findLeaks, type Canaries } from './canaries.js';

/** An order with a canary in every personal, special and secret field, and in untagged keys. */
function order(c: Canaries): Record<string, unknown> {
  return {
    id: 'ord_9',
    status: 'paid',
    total: 1,
    customer: { id: 'cus_9', email: c.email, name: c.name, phone: c.phone, ssn: c.ssn },
    payment: { card: c.card, iban: c.iban },
    items: [{ sku: 'SKU-9', qty: 1, note: c.health }],
    diagnosis: c.health,
    apiKey: c.apiKey,
    session: { token: c.jwt },
  };
}

describe.each(FRAMEWORKS)('$name: streamed bodies leak nothing', (framework) => {
  let vendor: StreamVendor;
  let gw: Gateway;
  let planted: Canaries[] = [];
  const fresh = (): Canaries => {
    const c = canaries();
    planted.push(c);
    return c;
  };
  beforeAll(async () => {
    vendor = await startStreamVendor({ orders: () => [order(fresh()), order(fresh())] });
    gw = await framework.start(vendor.url);
  });
  afterAll(async () => {
    await gw.close();
    await vendor.close();
  });

  describe.each(['identity', 'gzip', 'br'])('vendor streams in %s', (encoding) => {
    const query = encoding === 'identity' ? '' : `?encoding=${encoding}`;
    it.each(['sse', 'ndjson', 'json', 'bad-sse', 'bad-ndjson'])('%s: no canary on the wire to the client, split across chunks as they were', async (kind) => {
      planted = [];
      const { raw, body } = await wire(`${gw.url}/vendor/stream/${kind}${query}`);
      expect(raw).toMatch(/^HTTP\/1\.1 (200|500)/);
      expect(planted.length).toBeGreaterThan(0);
      expect(findLeaks({ wire: raw, body, reports: JSON.stringify(gw.reports) }, planted)).toEqual([]);
    });
  });

  it.each([
    ['application/x-ndjson', (o: object[]) => ndjsonText(o)],
    ['text/event-stream', (o: object[]) => sseText(o)],
  ] as const)('a %s upload reaches the vendor without a canary, each split across pieces', async (type, text) => {
    planted = [];
    const before = vendor.received.length;
    const res = await read(`${gw.url}/vendor/ingest`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          for (const p of pieces(text([order(fresh()), order(fresh())]))) controller.enqueue(new TextEncoder().encode(p));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    const got = vendor.received.slice(before);
    expect(got.length).toBe(1);
    expect(got[0]!.body).toContain('"id":"ord_9"');
    expect(findLeaks({ body: got[0]!.body, headers: JSON.stringify(got[0]!.headers), answer: res.text, reports: JSON.stringify(gw.reports) }, planted)).toEqual([]);
  });

  it('a malformed upload line carrying a canary never reaches the vendor', async () => {
    planted = [];
    const c = fresh();
    const before = vendor.received.length;
    const bad = `${JSON.stringify(order(c))}\n{"customer":{"email":"${c.email}","card":"${c.card}"}\n`;
    const res = await read(`${gw.url}/vendor/ingest`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: bad }).catch(() => ({ text: '' }));
    await new Promise((r) => setTimeout(r, 100));
    const bodies = vendor.received.slice(before).map((r) => r.body).join('');
    expect(findLeaks({ vendor: bodies, answer: res.text }, planted)).toEqual([]);
  });
});
