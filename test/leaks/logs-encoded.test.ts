// Percent-encoded values in log lines: a URL logged as it arrived (Fastify's own "request completed" line carries Node's IncomingMessage.url) is read decoded, through winston and pino alike.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
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
 * A real Node server whose handler logs the request and the response whole, as services do with
 * Express's `req` and `res` and as Fastify's own request line does with its Request and Reply.
 */
async function loggedRequest(log: (req: IncomingMessage, res: ServerResponse) => void, path: string): Promise<number> {
  const server = createServer((req, res) => {
    res.statusCode = 422;
    res.setHeader('set-cookie', 'sid=s3ss10n-0f-the-client');
    res.end('{}');
    log(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t0ken-of-the-client' }, body: '{"id":"x"}' });
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
 * `reply.log` even without a Fastify logger — the Reply, its Node ServerResponse and, inside,
 * the Request, its params and the IncomingMessage whose `url` is the path as it arrived.
 */
async function fastifyGateway(logger: pino.Logger | winston.Logger, paths: readonly string[]): Promise<Array<{ status: number; code: unknown }>> {
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
    const answers: Array<{ status: number; code: unknown }> = [];
    for (const path of paths) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"x"}' });
      answers.push({ status: res.status, code: ((await res.json()) as { error?: { code?: unknown } }).error?.code });
    }
    return answers;
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

const winstonLogger = (out: ReturnType<typeof collect>): winston.Logger =>
  winston.createLogger({ level: 'info', format: winston.format.combine(redactFormat(orderSchema), winston.format.splat(), winston.format.json()), transports: [new winston.transports.Stream({ stream: out.stream })] });

/** The canaries of a path: a card (the detectors know it) and a diagnosis in free text (they cannot). */
function pathCanaries(): { card: string; health: string; paths: readonly [string, string]; leaks: (text: string) => unknown[] } {
  const c = canaries();
  const paths = [`/v/scrub-path/orders;ref=${c.card.replace(/ /g, '%20')}`, `/v/scrub-path/orders/ref-${encodeURIComponent(c.health)}`] as const;
  return { card: c.card, health: c.health, paths, leaks: (text) => findLeaks({ log: text }, { card: c.card, health: c.health } as unknown as ReturnType<typeof canaries>) };
}

const REQUEST = { method: 'POST', url: '[REDACTED]', headers: expect.objectContaining({ 'content-type': 'application/json', authorization: '[REDACTED]' }) };
const RESPONSE = { statusCode: 422, headers: expect.objectContaining({ 'set-cookie': '[REDACTED]' }) };

describe('a Node request and response logged whole: method, status and headers, never the URL', () => {
  it.each([
    ['winston with redactFormat', 'winston'],
    ['pino with pinoOptions', 'pino'],
  ] as const)('%s', async (_name, which) => {
    const { paths, leaks } = pathCanaries();
    const out = collect();
    const logger = which === 'winston' ? winstonLogger(out) : pino(pinoOptions(orderSchema), out.stream);
    const logWhole = (req: IncomingMessage, res: ServerResponse): void => {
      if (which === 'winston') (logger as winston.Logger).info('request completed', { req, res });
      else (logger as pino.Logger).info({ req, res }, 'request completed');
    };
    for (const path of paths) expect(await loggedRequest(logWhole, path)).toBe(422);
    const written = await lines(out, 2);
    expect(written.map((l) => [l['req'], l['res']])).toEqual([
      [REQUEST, RESPONSE],
      [REQUEST, RESPONSE],
    ]);
    expect(leaks(out.text())).toEqual([]);
    expect(out.text()).not.toMatch(/t0ken-of-the-client|s3ss10n-0f-the-client|scrub-path/);
  });

  it('a framework wrapper (raw, req/res) and a ClientRequest are shown the same way; an Error with a req keeps its own record', async () => {
    const redact = redactor(undefined, { serialize: false });
    const { paths } = pathCanaries();
    let seen: unknown;
    await loggedRequest((req, res) => {
      class Wrapper {
        constructor(readonly raw: unknown) {}
      }
      const koaLike = Object.assign(Object.create({ toJSON: () => ({ url: req.url }) }) as object, { req, res, originalUrl: req.url });
      const err = Object.assign(new Error('upstream failed'), { req: { path: req.url } });
      const outbound = httpRequest({ host: '127.0.0.1', port: 9, method: 'PUT', path: paths[1] });
      outbound.on('error', () => undefined);
      outbound.destroy();
      seen = redact.copy({ request: new Wrapper(req), reply: new Wrapper(res), ctx: koaLike, err, outbound });
    }, paths[1]);
    expect(seen).toEqual({
      request: REQUEST,
      reply: RESPONSE,
      ctx: { request: REQUEST, response: RESPONSE },
      err: expect.objectContaining({ type: 'Error', message: 'upstream failed' }),
      outbound: { method: 'PUT', path: '[REDACTED]', headers: expect.any(Object) },
    });
  });
});

describe('Fastify 5: a canary in the URL path, and the request line Fastify logs through request.log', () => {
  it.each([
    ['winston with redactFormat', 'winston'],
    ['pino with pinoOptions', 'pino'],
  ] as const)('%s: the card is refused (422 ERR_SENSITIVE_URL), the diagnosis forwarded, and neither is logged', async (_name, which) => {
    const { paths, leaks } = pathCanaries();
    const out = collect();
    const logger = which === 'winston' ? winstonLogger(out) : pino(pinoOptions(orderSchema), out.stream);
    expect(await fastifyGateway(logger, paths)).toEqual([
      { status: 422, code: 'ERR_SENSITIVE_URL' },
      { status: 200, code: undefined },
    ]);
    // redactLogs' own line and Fastify's for each request.
    const written = await lines(out, 4);
    // winston, called pino's way (object first), takes Fastify's object as the message.
    const fastify = written.map((l) => (which === 'winston' ? l['message'] : l)).filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null && 'res' in m);
    expect(fastify.map((m) => m['res'])).toEqual([
      { statusCode: 422, headers: expect.any(Object) },
      { statusCode: 200, headers: expect.any(Object) },
    ]);
    expect(leaks(out.text())).toEqual([]);
    expect(out.text()).not.toContain('scrub-path/orders');
  });
});
