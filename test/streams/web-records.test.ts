// Streamed records through the Web adapter's handler wrappers, no framework: uploads tokenized and protected line by line, answers detokenized and masked event by event, records over the limit cutting the stream.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import * as fw from '../../src/web/index.js';
import { defineDestinations } from '../../src/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { leaks, MASKED_ORDER, orderSchema, sampleOrder } from '../fixtures/order.js';
import { pieces } from '../integration/apps.js';
import { ndjsonText, sseText } from './vendor.js';

/** A stream of the text in 7-character pieces, so every value is split across chunks. */
function split(text: string): ReadableStream<Uint8Array> {
  const parts = pieces(text);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = parts.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
}

const upload = (text: string, type = 'application/x-ndjson'): Request =>
  new Request('http://gateway.test/ingest', { method: 'POST', headers: { 'content-type': type }, body: split(text), duplex: 'half' } as RequestInit);

const answer = (text: string, type: string) => async (): Promise<Response> => new Response(split(text), { headers: { 'content-type': type } });

/** Reads a stream to its end or its error: what was read, and the error. */
async function drain(res: Response): Promise<{ text: string; error: unknown }> {
  const reader = res.body!.getReader();
  let text = '';
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (e) {
    return { text, error: e };
  }
}

describe('streamed records through Web handler wrappers', () => {
  it('masks each event of a handler that returns an event stream, exactly', async () => {
    const res = await fw.maskFields({ schema: orderSchema })(answer(sseText(), 'text/event-stream'))(new Request('http://gateway.test/orders'));
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const { text, error } = await drain(res);
    expect(error).toBeUndefined();
    expect(text).toBe(`:\n\n${[1, 2].map((id) => `event: order\nid: ${id}\ndata: ${JSON.stringify(MASKED_ORDER)}\n\n`).join('')}event: done\n\n`);
    expect(leaks(text)).toEqual([]);
  });

  it('tokenizes an NDJSON upload line by line, and detokenizes the events of an answer for an authorized caller only', async () => {
    const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 5).toString('base64') } }), audit: () => undefined });
    let stored = '';
    const save = fw.tokenizeFields({ schema: orderSchema, vault, namespace: 'crm' })(async (request: Request) => {
      expect(request.headers.get('content-length')).toBeNull();
      stored = await request.text();
      return new Response(null, { status: 201 });
    });
    expect((await save(upload(ndjsonText()))).status).toBe(201);
    const lines = stored.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(leaks(stored)).toEqual([]);
    const token = (JSON.parse(lines[0]!) as { customer: { email: string } }).customer.email;
    expect(token).not.toBe(sampleOrder().customer.email);
    const events = `${lines
      .slice(0, 2)
      .map((l) => `data: ${l}\n\n`)
      .join('')}`;
    const load = fw.detokenizeFields({ schema: orderSchema, vault, namespace: 'crm', purpose: 'support', authorize: (request) => request.headers.get('x-role') === 'support' })(
      answer(events, 'text/event-stream'),
    );
    const denied = await load(new Request('http://gateway.test/orders'));
    expect(denied.status).toBe(403);
    expect(leaks(await denied.text())).toEqual([]);
    const allowed = await drain(await load(new Request('http://gateway.test/orders', { headers: { 'x-role': 'support' } })));
    expect(allowed.error).toBeUndefined();
    const restored = allowed.text
      .split('\n\n')
      .filter((e) => e !== '')
      .map((e) => JSON.parse(e.replace(/^data: /, '')) as ReturnType<typeof sampleOrder>);
    expect(restored.map((o) => o.customer.email)).toEqual([sampleOrder().customer.email, sampleOrder().customer.email]);
  });

  it('protects an upload line by line with the destination policy', async () => {
    const destinations = defineDestinations({ support: { vendor: 'Helpdesk', region: 'IE', lawfulBasis: 'contract', purpose: 'support', rules: { public: 'keep', personal: 'mask' } } });
    let got = '';
    const forward = fw.protect({ schema: orderSchema, destinations, destination: 'support' })(async (request: Request) => {
      got = await request.text();
      return new Response(null, { status: 202 });
    });
    expect((await forward(upload(ndjsonText()))).status).toBe(202);
    const lines = got.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(2);
    expect((JSON.parse(lines[0]!) as { customer: { email: string } }).customer.email).toBe(MASKED_ORDER.customer.email);
    expect(leaks(got)).toEqual([]);
  });

  it('errors an upload at a malformed line: the handler reads the lines before it, never that one', async () => {
    const bad = `${JSON.stringify(sampleOrder())}\n{"customer":{"email":"${sampleOrder().customer.email}"}\n`;
    let read: { text: string; error: unknown } | undefined;
    const forward = fw.scrubPII({ schema: orderSchema })(async (request: Request) => {
      read = await drain(new Response(request.body));
      return new Response(null, { status: 502 });
    });
    await forward(upload(bad));
    expect(read!.error).toMatchObject({ code: 'ERR_STREAM_MALFORMED' });
    expect(leaks(read!.text)).toEqual([]);
  });

  it('cuts an event stream at a record longer than the limit, with an error event, nothing of it passed', async () => {
    const big = sampleOrder() as Record<string, unknown>;
    big['items'] = Array.from({ length: 60 }, (_, i) => ({ sku: `SKU-${i}`, qty: 1, note: sampleOrder().items[0]!.note }));
    const text = `data: ${JSON.stringify(sampleOrder())}\n\ndata: ${JSON.stringify(big)}\n\n`;
    const res = await fw.maskFields({ schema: orderSchema, limit: 2048 })(answer(text, 'text/event-stream'))(new Request('http://gateway.test/orders'));
    const { text: out, error } = await drain(res);
    expect(error).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE' });
    const [first, second, rest] = out.split('\n\n');
    expect(first).toBe(`data: ${JSON.stringify(MASKED_ORDER)}`);
    expect(second).toBe('event: error\ndata: {"error":{"code":"ERR_PAYLOAD_TOO_LARGE","message":"a streamed record is longer than 2048 characters, the most fieldguard holds to rewrite it; the stream was cut"}}');
    expect(rest).toBe('');
    expect(leaks(out)).toEqual([]);
  });

  it('still writes the request line, redacted, when a streamed answer is cut', async () => {
    const lines: string[] = [];
    const logger = pino({}, new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }));
    const bad = `data: ${JSON.stringify(sampleOrder())}\n\ndata: {"email":"${sampleOrder().customer.email}"\n\n`;
    const handler = fw.compose(fw.redactLogs({ schema: orderSchema, logger }), fw.maskFields({ schema: orderSchema }))(answer(bad, 'text/event-stream'));
    const { error } = await drain(await handler(new Request('http://gateway.test/orders')));
    expect(error).toMatchObject({ code: 'ERR_STREAM_MALFORMED' });
    await new Promise((r) => setTimeout(r, 20));
    expect(lines).toHaveLength(1);
    expect(leaks(lines.join(''))).toEqual([]);
  });
});
