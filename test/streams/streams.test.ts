// Streamed bodies through every framework: vendor streams (SSE, NDJSON, compressed JSON) masked as they pass, uploads scrubbed record by record, bad records cutting the stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS, pieces, type Gateway } from '../integration/apps.js';
import { leaks, MASKED_ORDER, SCRUBBED_ORDER, sampleOrder } from '../fixtures/order.js';
import { read, wire } from './client.js';
import { ndjsonText, sseText, startStreamVendor, type StreamVendor } from './vendor.js';

const MASKED_SSE = `:\n\n${[1, 2].map((id) => `event: order\nid: ${id}\ndata: ${JSON.stringify(MASKED_ORDER)}\n\n`).join('')}event: done\n\n`;
const MASKED_NDJSON = `${JSON.stringify(MASKED_ORDER)}\n${JSON.stringify(MASKED_ORDER)}\n`;

/** Whether this runtime's DecompressionStream reads br: where it does not, the Web adapter refuses a br answer rather than pass it unread. */
const WEB_BROTLI = (() => {
  try {
    new DecompressionStream('br' as CompressionFormat);
    return true;
  } catch {
    return false;
  }
})();

/** A refused answer: 500 with the code, nothing of the vendor's body. */
function expectRefused(res: { status: number; text: string }): void {
  expect(res.status).toBe(500);
  expect(JSON.parse(res.text)).toEqual({ error: { code: 'ERR_MASK_FAILED', message: 'the answer is compressed in a way fieldguard cannot read here, so it cannot be masked' } });
}

/** A request body streamed in 7-character pieces, one per tick. */
function upload(text: string, type: string, extra: Record<string, string> = {}): RequestInit {
  const parts = pieces(text);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setImmediate(r));
      const next = parts.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
  return { method: 'POST', headers: { 'content-type': type, ...extra }, body, duplex: 'half' } as RequestInit;
}

describe.each(FRAMEWORKS)('$name: streamed bodies', (framework) => {
  let vendor: StreamVendor;
  let gw: Gateway;
  beforeAll(async () => {
    vendor = await startStreamVendor();
    gw = await framework.start(vendor.url);
  });
  afterAll(async () => {
    await gw.close();
    await vendor.close();
  });

  describe.each(['identity', 'gzip', 'deflate', 'br'])('a vendor answer in %s', (encoding) => {
    const query = encoding === 'identity' ? '' : `?encoding=${encoding}`;
    // The Web adapter decompresses with the runtime's DecompressionStream, which may not read br.
    const refused = framework.name === 'Web/Hono' && encoding === 'br' && !WEB_BROTLI;

    it('masks each server-sent event as it passes, re-framed without the compression and length of the old bytes', async () => {
      const res = await read(`${gw.url}/vendor/stream/sse${query}`);
      if (refused) return expectRefused(res);
      expect(res.status).toBe(200);
      expect(res.text).toBe(MASKED_SSE);
      expect(res.cut).toBe(false);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('content-encoding')).toBeNull();
      expect(res.headers.get('content-length')).toBeNull();
      expect(res.headers.get('etag')).toBeNull();
      expect(leaks(res.text)).toEqual([]);
    });

    it('masks each NDJSON line as it passes', async () => {
      const res = await read(`${gw.url}/vendor/stream/ndjson${query}`);
      if (refused) return expectRefused(res);
      expect(res.status).toBe(200);
      expect(res.text).toBe(MASKED_NDJSON);
      expect(res.headers.get('content-encoding')).toBeNull();
      expect(res.headers.get('content-length')).toBeNull();
      expect(leaks(res.text)).toEqual([]);
    });

    it('masks a JSON answer whole: decompressed, its Content-Length that of the masked bytes, not truncated, no stale validators', async () => {
      const res = await read(`${gw.url}/vendor/stream/json${query}`);
      if (refused) return expectRefused(res);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual(MASKED_ORDER);
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
      expect(res.headers.get('content-encoding')).toBeNull();
      expect(res.headers.get('etag')).toBeNull();
      expect(leaks(res.text)).toEqual([]);
    });

    it('cuts a server-sent event stream at a malformed event with an error event, nothing of it in clear', async () => {
      const res = await read(`${gw.url}/vendor/stream/bad-sse${query}`);
      if (refused) return expectRefused(res);
      expect(res.status).toBe(200);
      const [first, second, rest] = res.text.split('\n\n');
      expect(first).toBe(`data: ${JSON.stringify(MASKED_ORDER)}`);
      expect(second).toBe(
        'event: error\ndata: {"error":{"code":"ERR_STREAM_MALFORMED","message":"an event\'s data is not valid JSON, so it cannot be rewritten; the stream was cut"}}',
      );
      expect(rest).toBe('');
      expect(leaks(res.text)).toEqual([]);
      const cut = await wire(`${gw.url}/vendor/stream/bad-sse${query}`);
      expect(cut.complete).toBe(false);
      expect(leaks(cut.raw)).toEqual([]);
    });

    it('closes an NDJSON stream at a malformed line, nothing of it in clear', async () => {
      const res = await read(`${gw.url}/vendor/stream/bad-ndjson${query}`);
      if (refused) return expectRefused(res);
      expect(leaks(res.text)).toEqual([]);
      if (res.status === 500) {
        // A compressed stream this short decompresses in one piece: the bad line is met before a byte went out, so the answer is refused whole.
        expect(encoding).not.toBe('identity');
        expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'ERR_MASK_FAILED' } });
        return;
      }
      if (res.text === '') {
        // A Web Response's head is out before its body is read: a short compressed stream decompressed in one piece is cut before its first line.
        expect(framework.name).toBe('Web/Hono');
        expect(encoding).not.toBe('identity');
        expect(res.cut).toBe(true);
      } else expect(res.text).toBe(`${JSON.stringify(MASKED_ORDER)}\n`);
      const cut = await wire(`${gw.url}/vendor/stream/bad-ndjson${query}`);
      expect(cut.complete).toBe(false);
      expect(leaks(cut.raw)).toEqual([]);
    });
  });

  describe.each(['sse', 'ndjson', 'json'])('an answer the handler writes piece by piece (%s)', (kind) => {
    it('is masked, whichever write a value was split across', async () => {
      const res = await read(`${gw.url}/written/${kind}`);
      expect(res.status).toBe(200);
      if (kind === 'sse') expect(res.text).toBe(MASKED_SSE);
      else if (kind === 'ndjson') expect(res.text).toBe(MASKED_NDJSON);
      else {
        expect(JSON.parse(res.text)).toEqual(MASKED_ORDER);
        expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
      }
      expect(leaks(res.text)).toEqual([]);
    });
  });

  describe('a client streaming to the vendor through scrubPII', () => {
    const last = () => vendor.received.at(-1)!;

    it('scrubs each NDJSON line before it is forwarded, chunked, and reports each', async () => {
      const before = gw.reports.length;
      const res = await read(`${gw.url}/vendor/ingest`, upload(ndjsonText(), 'application/x-ndjson'));
      expect(res.status).toBe(200);
      expect(last().body).toBe(`${JSON.stringify(SCRUBBED_ORDER)}\n${JSON.stringify(SCRUBBED_ORDER)}\n`);
      expect(last().headers['transfer-encoding']).toBe('chunked');
      expect(last().headers['content-length']).toBeUndefined();
      // The request's own report (its query: nothing) comes first, then one per line as it passes.
      expect(gw.reports.length - before).toBe(3);
      expect(gw.reports.slice(-2).map((r) => [r.kept, r.dropped])).toEqual([
        [8, 10],
        [8, 10],
      ]);
      expect(leaks(last().body)).toEqual([]);
    });

    it('streams an upload past a JSON body parser mounted before scrubPII (it leaves other types unread)', async () => {
      const res = await read(`${gw.url}/vendor/orders`, upload(ndjsonText(), 'application/x-ndjson'));
      expect(res.status).toBe(200);
      expect(last().url).toBe('/orders');
      expect(last().body).toBe(`${JSON.stringify(SCRUBBED_ORDER)}\n${JSON.stringify(SCRUBBED_ORDER)}\n`);
      expect(leaks(last().body)).toEqual([]);
    });

    it('scrubs each server-sent event', async () => {
      const res = await read(`${gw.url}/vendor/ingest`, upload(sseText(), 'text/event-stream'));
      expect(res.status).toBe(200);
      expect(last().body).toBe(`:\n\n${[1, 2].map((id) => `event: order\nid: ${id}\ndata: ${JSON.stringify(SCRUBBED_ORDER)}\n\n`).join('')}event: done\n\n`);
      expect(leaks(last().body)).toEqual([]);
    });

    it('reads a gzip-compressed upload and forwards it uncompressed', async () => {
      const { gzipSync } = await import('node:zlib');
      const zipped = gzipSync(ndjsonText());
      const res = await read(`${gw.url}/vendor/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
        body: zipped,
      });
      expect(res.status).toBe(200);
      expect(last().body).toBe(`${JSON.stringify(SCRUBBED_ORDER)}\n${JSON.stringify(SCRUBBED_ORDER)}\n`);
      expect(last().headers['content-encoding']).toBeUndefined();
    });

    it('aborts the upload at a malformed line: the vendor gets the scrubbed lines before it, nothing of it', async () => {
      const before = vendor.received.length;
      const bad = `${JSON.stringify(sampleOrder())}\n{"customer":{"email":"jane.doe@example.com"}\n${JSON.stringify(sampleOrder())}\n`;
      const res = await read(`${gw.url}/vendor/ingest`, upload(bad, 'application/x-ndjson')).catch(() => ({ status: 0, text: '', cut: true }));
      expect(res.status === 0 || res.status >= 500 || res.cut).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      const got = vendor.received.slice(before).map((r) => r.body).join('');
      expect(got === '' || got === `${JSON.stringify(SCRUBBED_ORDER)}\n`).toBe(true);
      expect(leaks(got)).toEqual([]);
      expect(leaks(res.text)).toEqual([]);
    });
  });
});
