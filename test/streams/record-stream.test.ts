// The framework-free record engine: records cut from any chunking, rewritten through a plan, malformed ones refused.
import { describe, expect, it } from 'vitest';
import { compileMask, compileTokenize, FieldguardError } from '../../src/index.js';
import { RecordStream, streamFormat, type RecordApply } from '../../src/middleware/stream.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { orderSchema } from '../fixtures/order.js';

const mask = compileMask({ schema: orderSchema });
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Feeds the text in chunks of `size` bytes (so multi-byte characters split too) and returns all output. */
async function run(format: 'sse' | 'ndjson', text: string, size: number, apply: RecordApply = (v) => mask(v), limit = 1 << 20): Promise<string> {
  const stream = new RecordStream(format, { apply, limit });
  const all = bytes(text);
  let out = '';
  for (let i = 0; i < all.length; i += size) out += await stream.write(all.subarray(i, i + size));
  return out + (await stream.end());
}

const thrown = async (p: Promise<unknown>): Promise<FieldguardError> => {
  try {
    await p;
  } catch (e) {
    return e as FieldguardError;
  }
  throw new Error('did not throw');
};

describe('RecordStream', () => {
  it('names the streamed types', () => {
    expect(streamFormat('text/event-stream; charset=utf-8')).toBe('sse');
    expect(streamFormat('Application/X-NDJSON')).toBe('ndjson');
    expect(streamFormat('application/jsonl')).toBe('ndjson');
    expect(streamFormat('application/json')).toBeUndefined();
  });

  it.each([1, 2, 3, 7, 1000])('masks the same whatever the chunk size (%i bytes), CRLF and multi-byte characters included', async (size) => {
    const sse = 'event: order\r\nid: 7\r\ndata: {"customer":{"email":"jané.doe@example.com"}}\r\n\r\n: ping\r\n\r\ndata: {"id":"ø"}\r\n\r\n';
    expect(await run('sse', sse, size)).toBe('event: order\nid: 7\ndata: {"customer":{"email":"j***@example.com"}}\n\n:\n\ndata: {"id":"ø"}\n\n');
    const nd = '{"customer":{"name":"Jürgen"}}\r\n\n{"id":"a"}';
    expect(await run('ndjson', nd, size)).toBe('{"customer":{"name":"[REDACTED]"}}\n\n{"id":"a"}\n');
  });

  it('joins multi-line data and drops fields clients ignore', async () => {
    expect(await run('sse', 'foo: bar\ndata: {"id":\ndata: "x"}\nretry: 3000\n\n', 5)).toBe('retry: 3000\ndata: {"id":"x"}\n\n');
  });

  it('refuses data that is not JSON, a retry that is not a number, and a record past the limit', async () => {
    expect((await thrown(run('sse', 'data: [DONE]\n\n', 4))).code).toBe('ERR_STREAM_MALFORMED');
    expect((await thrown(run('sse', 'retry: soon\n\n', 4))).code).toBe('ERR_STREAM_MALFORMED');
    expect((await thrown(run('ndjson', '{"customer":{"email":"jane.doe@example.com"}\n', 4))).message).not.toContain('jane');
    expect((await thrown(run('ndjson', `{"id":"${'x'.repeat(200)}"}\n`, 16, undefined, 100))).code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it('resolves a vault plan one record at a time, in order', async () => {
    const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 5).toString('base64') } }), audit: () => undefined });
    const tokenize = compileTokenize({ schema: orderSchema, vault, untagged: 'keep' });
    const out = await run('ndjson', '{"customer":{"email":"a@example.com"}}\n{"customer":{"email":"b@example.com"}}\n', 9, (v) => tokenize(v));
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { customer: { email: string } });
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.customer.email).toMatch(/^tok_/);
    expect(out).not.toContain('@example.com');
  });
});
