// Percent-encoded values in log lines: a URL logged as it arrived (Fastify's own "request completed" line carries Node's IncomingMessage.url) is read decoded, through winston and pino alike.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createServer, type ServerResponse } from 'node:http';
import Fastify from 'fastify';
import pino from 'pino';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import * as ff from '../../src/fastify/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { redactFormat } from '../../src/log/winston-entry.js';
import { redactingLogger } from '../../src/log/wrap.js';
import { redactor } from '../../src/index.js';
import { orderSchema } from '../fixtures/order.js';
import { canaries, findLeaks, type CanaryKind } from './canaries.js';

/** Everything a logger writes, as text. */
function collect(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const ENCODINGS: ReadonlyArray<readonly [string, (v: string) => string]> = [
  ['spaces as %20', (v) => v.replace(/[ %?#/]/g, encodeURIComponent)],
  ['encoded once', encodeURIComponent],
  ['encoded twice', (v) => encodeURIComponent(encodeURIComponent(v))],
  ['every byte escaped', (v) => [...Buffer.from(v)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')],
  ['form-encoded spaces', (v) => v.replace(/ /g, '+')],
];

/** The kinds the detectors find in free text. */
const DETECTED: readonly CanaryKind[] = ['email', 'card', 'ssn', 'iban', 'jwt', 'apiKey'];

describe('the log redactor reads percent-encoded text decoded', () => {
  it.each(ENCODINGS)('%s: no canary of a detected kind is left, in any encoding, in a string, a key or a message', (_name, encode) => {
    const c = canaries();
    const redact = redactor(undefined);
    for (const kind of DETECTED) {
      const seg = encode(c[kind]);
      const line = redact({ url: `/v/orders;ref=${seg}`, [`/k/${seg}`]: 1, nested: { raw: { url: `/a?q=${seg}` } } });
      const only = { [kind]: c[kind] } as unknown as ReturnType<typeof canaries>;
      const text = redact.text(`GET /v/${seg} failed`);
      expect(findLeaks({ line, text }, only), `${kind} ${_name}`).toEqual([]);
      // The value as it was written, in whatever escapes, is gone too.
      expect([line.includes(seg), text.includes(seg)], `${kind} ${_name}`).toEqual([false, false]);
    }
  });

  it('writes the decoded text with the finding masked, and leaves encoded text without findings as it is', () => {
    const redact = redactor(undefined);
    expect(redact({ url: '/v/scrub-path/orders;ref=4111%201111%201111%201111' })).toBe('{"url":"/v/scrub-path/orders;ref=**** **** **** 1111"}');
    expect(redact.text('card=4111+1111+1111+1111')).toBe('card=**** **** **** 1111');
    expect(redact.text('%34%31%31%31%20%31%31%31%31%20%31%31%31%31%20%31%31%31%31')).toBe('**** **** **** 1111');
    // A value glued to a word by -, _ or . is read apart (the detectors want a boundary before it).
    expect([redact.text('orders/ref-4111 1111 1111 1111'), redact.text('id_4111111111111111'), redact.text('v.4111 1111 1111 1111')]).toEqual([
      'orders/ref **** **** **** 1111',
      'id ************1111',
      'v **** **** **** 1111',
    ]);
    expect(redact.text('node-20 req_3 v1.2.3')).toBe('node-20 req_3 v1.2.3');
    expect(redact({ url: '/v/orders/a%2Fb?q=50%25&x=1+2' })).toBe('{"url":"/v/orders/a%2Fb?q=50%25&x=1+2"}');
    expect(redact.text('100% done, 4%% left')).toBe('100% done, 4%% left');
  });

  it('reads it so through a console-like logger wrapped by redactingLogger', () => {
    const written: unknown[][] = [];
    const log = redactingLogger({ info: (...a: unknown[]) => void written.push(a), warn: () => undefined, error: () => undefined }, redactor(undefined));
    log.info({ req: { url: '/pay/4111%201111%201111%201111' } }, 'in %s', '/pay/4111%201111%201111%201111');
    expect(written).toEqual([[{ req: { url: '/pay/**** **** **** 1111' } }, 'in %s', '/pay/**** **** **** 1111']]);
  });
});

/**
 * A real Node server whose handler logs what Fastify's "request completed" line logs,
 * `{ res: reply, responseTime }` with the reply holding its Node ServerResponse (`raw`), and that
 * the IncomingMessage whose `url` is the path as it arrived (percent escapes kept).
 */
async function loggedRequest(log: (reply: { raw: ServerResponse }) => void, path: string): Promise<number> {
  const server = createServer((_req, res) => {
    res.statusCode = 422;
    res.end('{}');
    log({ raw: res });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' });
    await res.text();
    return res.status;
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/**
 * A Fastify 5 gateway whose request log is redactLogs' `request.log` over the given logger, with a
 * scrubPII route under any path, and an onResponse hook (as apps have for metrics or reports): with
 * one, Fastify logs its own "request completed" line, `{ res: reply, responseTime }`, through
 * `reply.log` even without a Fastify logger — the reply, its Node ServerResponse and, inside, the
 * IncomingMessage whose `url` is the path as it arrived.
 */
async function fastifyRefuses(logger: pino.Logger | winston.Logger, path: string): Promise<{ status: number; code: unknown }> {
  const app = Fastify();
  app.addHook('onRequest', ff.redactLogs({ schema: orderSchema, logger }));
  app.addHook('onResponse', async () => undefined);
  app.setErrorHandler(ff.errorHandler());
  await app.register(async (scope) => {
    scope.route({ method: 'POST', url: '/v/scrub-path/*', preHandler: [ff.scrubPII({ schema: orderSchema })], handler: async () => ({ ok: true }) });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' });
    return { status: res.status, code: ((await res.json()) as { error?: { code?: unknown } }).error?.code };
  } finally {
    app.server.closeAllConnections();
    await app.close();
  }
}

/** Waits until the logger has written `n` lines (winston's stream transport writes later than the call). */
async function lines(out: { text: () => string }, n: number): Promise<Array<Record<string, unknown>>> {
  const read = (): Array<Record<string, unknown>> => out.text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (let i = 0; i < 100 && read().length < n; i++) await new Promise((r) => setTimeout(r, 20));
  return read();
}

/** The `url` of the IncomingMessage inside the logged line: `res` is the reply, `raw` its ServerResponse, `req` the request. */
const completedUrl = (line: Record<string, unknown>): unknown => (((line['res'] as Record<string, unknown>)['raw'] as Record<string, unknown>)['req'] as Record<string, unknown>)['url'];

describe("a request logged whole, as Fastify's own request line logs it, with a card in its URL path", () => {
  const card = '4111 1111 1111 1111';
  const path = `/v/scrub-path/orders;ref=${card.replace(/ /g, '%20')}`;

  it('winston with redactFormat: the url inside the logged reply reads the mask', async () => {
    const out = collect();
    const logger = winston.createLogger({ level: 'info', format: winston.format.combine(redactFormat(orderSchema), winston.format.splat(), winston.format.json()), transports: [new winston.transports.Stream({ stream: out.stream })] });
    // Fastify calls its request logger pino's way, object first: winston takes the object as the message.
    expect(await loggedRequest((reply) => (logger.info as (...a: unknown[]) => void)({ res: reply, responseTime: 1 }, 'request completed'), path)).toBe(422);
    const [line] = await lines(out, 1);
    expect(completedUrl(line!['message'] as Record<string, unknown>)).toBe('/v/scrub-path/orders;ref=**** **** **** 1111');
    expect(findLeaks({ winston: out.text() }, { card } as unknown as ReturnType<typeof canaries>)).toEqual([]);
  });

  it('pino with pinoOptions: the url inside the logged reply reads the mask', async () => {
    const out = collect();
    const logger = pino(pinoOptions(orderSchema), out.stream);
    expect(await loggedRequest((reply) => logger.info({ res: reply, responseTime: 1 }, 'request completed'), path)).toBe(422);
    const [line] = await lines(out, 1);
    expect(line!['msg']).toBe('request completed');
    expect(completedUrl(line!)).toBe('/v/scrub-path/orders;ref=**** **** **** 1111');
    expect(findLeaks({ pino: out.text() }, { card } as unknown as ReturnType<typeof canaries>)).toEqual([]);
  });
});

describe('Fastify 5: a card in the URL path, refused, and the request line Fastify logs through request.log', () => {
  const card = '4111 1111 1111 1111';
  const path = `/v/scrub-path/orders;ref=${card.replace(/ /g, '%20')}`;

  it('winston with redactFormat: 422 ERR_SENSITIVE_URL, and the url inside the logged reply reads the mask', async () => {
    const out = collect();
    const logger = winston.createLogger({ level: 'info', format: winston.format.combine(redactFormat(orderSchema), winston.format.splat(), winston.format.json()), transports: [new winston.transports.Stream({ stream: out.stream })] });
    expect(await fastifyRefuses(logger, path)).toEqual({ status: 422, code: 'ERR_SENSITIVE_URL' });
    // redactLogs' own line and Fastify's, which winston, called pino's way (object first), takes as an object message.
    const written = await lines(out, 2);
    const fastifyLine = written.find((l) => typeof l['message'] === 'object' && l['message'] !== null && 'res' in (l['message'] as object));
    expect(fastifyLine, out.text().slice(0, 300)).toBeDefined();
    expect(completedUrl(fastifyLine!['message'] as Record<string, unknown>)).toBe('/v/scrub-path/orders;ref=**** **** **** 1111');
    expect(findLeaks({ winston: out.text() }, { card } as unknown as ReturnType<typeof canaries>)).toEqual([]);
  });

  it('pino with pinoOptions: 422 ERR_SENSITIVE_URL, and the url inside the logged reply reads the mask', async () => {
    const out = collect();
    const logger = pino(pinoOptions(orderSchema), out.stream);
    expect(await fastifyRefuses(logger, path)).toEqual({ status: 422, code: 'ERR_SENSITIVE_URL' });
    const written = await lines(out, 2);
    const fastifyLine = written.find((l) => l['msg'] === 'request completed' && 'res' in l);
    expect(fastifyLine, out.text().slice(0, 300)).toBeDefined();
    expect(completedUrl(fastifyLine!)).toBe('/v/scrub-path/orders;ref=**** **** **** 1111');
    expect(findLeaks({ pino: out.text() }, { card } as unknown as ReturnType<typeof canaries>)).toEqual([]);
  });
});
