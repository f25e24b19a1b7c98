// redactLogs' request line, redacted by redactLogs (any logger) or by the logger itself (pinoOptions): the same line, one walk.
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../../src/express/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { leaks, orderSchema, sampleOrder, SENSITIVE } from '../fixtures/order.js';
import { listen } from '../helpers/vendor.js';

interface Server {
  url: string;
  close(): Promise<void>;
}

function collector(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function app(logger: pino.Logger): Promise<Server> {
  const a = express();
  a.use(fx.redactLogs({ schema: orderSchema, logger, bodies: true }));
  a.post('/orders/:id', express.json(), (req, res) => void res.json({ ok: true, echo: req.body }));
  return listen(createServer(a));
}

const VARYING = ['time', 'pid', 'hostname', 'durationMs'];
const stable = (l: Record<string, unknown>) => Object.fromEntries(Object.entries(l).filter(([k]) => !VARYING.includes(k)));
// Headers that differ between two requests (the port the server listens on).
const withoutHost = (l: Record<string, unknown>) => ({ ...l, headers: { ...(l['headers'] as object), host: undefined } });

describe('the request line of redactLogs', () => {
  const plain = collector();
  const redacting = collector();
  let servers: Server[];
  beforeAll(async () => {
    servers = [await app(pino(plain.stream)), await app(pino(pinoOptions(orderSchema), redacting.stream))];
  });
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('is the same whether redactLogs redacts it or the logger does, and carries no raw value', async () => {
    for (const s of servers) {
      const res = await fetch(`${s.url}/orders/ord_1?email=jane.doe%40example.com&card=4111+1111+1111+1111&page=2`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk_live_abcdefghijklmnop', 'x-note': 'call +44 20 7946 0958' },
        body: JSON.stringify({ ...sampleOrder(), note: 'mail jane.doe@example.com' }),
      });
      await res.text();
    }
    await new Promise((r) => setTimeout(r, 50));
    const [a] = plain.lines();
    const [b] = redacting.lines();
    expect(a).toBeDefined();
    expect(withoutHost(stable(a!))).toEqual(withoutHost(stable(b!)));
    expect(a!['query']).toEqual({ email: 'j***@example.com', card: '**** **** **** 1111', page: '2' });
    expect((a!['headers'] as Record<string, unknown>)['authorization']).toBe('[REDACTED]');
    expect((a!['headers'] as Record<string, unknown>)['x-note']).toBe('call +** ** **** **58');
    expect((a!['reqBody'] as Record<string, unknown>)['note']).toBe('mail j***@example.com');
    expect(Object.keys(a!)).toEqual(['level', 'time', 'pid', 'hostname', 'method', 'route', 'status', 'durationMs', 'reqBytes', 'resBytes', 'query', 'headers', 'reqBody', 'resBody', 'msg']);
    const text = JSON.stringify([a, b]);
    expect(leaks(text, ['jane.doe@example.com', '4111 1111 1111 1111', '4111+1111+1111+1111', 'sk_live_abcdefghijklmnop', '7946 0958', ...SENSITIVE])).toEqual([]);
  });
});

