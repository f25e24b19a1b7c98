// Logs through real pino and winston, from real Express and Koa servers: no raw value anywhere in what was written.
import { createServer } from 'node:http';
import type { Writable } from 'node:stream';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import pino from 'pino';
import winston from 'winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactor } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { redactFormat } from '../../src/log/winston-entry.js';
import { leaks, orderSchema, sampleOrder, SENSITIVE } from '../fixtures/order.js';
import { sink } from '../helpers/sink.js';
import { listen } from '../helpers/vendor.js';

const SECRETS = [...SENSITIVE, 'sk_live_abcdefghijklmnop', 'sid=s3cr3t-session', 'hunter2', '378282246310005'];

const base64 = (s: string) => Buffer.from(s).toString('base64');
/** Every form a secret could take in a log: raw, URL-encoded, form-encoded, base64. */
function everywhere(text: string): string[] {
  return SECRETS.filter((v) => leaks(text, [v]).length > 0 || text.includes(base64(v)));
}

describe('pinoOptions with real pino', () => {
  it('redacts objects, messages, format arguments, child bindings and errors', () => {
    const out = sink();
    const logger = pino(pinoOptions(orderSchema), out.stream);
    const card = '4111 1111 1111 1111';
    logger.info({ order: sampleOrder() }, 'order received');
    logger.info('charged %s for %o and %j', card, { email: 'jane.doe@example.com' }, { ssn: '123-45-6789' });
    logger.child({ customer: { email: 'jane.doe@example.com' }, phone: '+1 415-555-0132' }).warn('retry');
    const err = new Error(`payment failed for ${card}`, { cause: new Error('ssn 123-45-6789') });
    Object.assign(err, { config: { headers: { Authorization: 'Bearer sk_live_abcdefghijklmnop' } } });
    logger.error(err, 'payment failed');
    logger.error({ err }, 'wrapped');
    const text = out.text();
    expect(everywhere(text)).toEqual([]);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0].order.customer).toEqual({ id: 'cus_77', email: 'j***@example.com', name: '[REDACTED]', phone: '+* ***-***-**32', ssn: '***-**-6789' });
    expect(lines[0].msg).toBe('order received');
    expect(lines[1].msg).toBe('charged **** **** **** 1111 for {"email":"j***@example.com"} and {"ssn":"***-**-6789"}');
    expect(lines[2]).toMatchObject({ customer: { email: 'j***@example.com' }, phone: '+* ***-***-**32', msg: 'retry' });
    expect(lines[3].err.message).toBe('payment failed for **** **** **** 1111');
    expect(lines[3].err.config.headers.Authorization).toBe('[REDACTED]');
  });

  it('never throws at the caller and writes valid JSON for hostile values', () => {
    const out = sink();
    const logger = pino(pinoOptions(orderSchema), out.stream);
    const circular: Record<string, unknown> = { note: 'jane.doe@example.com' };
    circular['self'] = circular;
    const getter = { get boom(): string { throw new Error('jane.doe@example.com'); } };
    logger.info({ circular, getter, big: 10n ** 20n, buf: Buffer.from('4111111111111111'), map: new Map([['k', 'jane.doe@example.com']]), set: new Set(['123-45-6789']), when: new Date(0), line: 'a\nb\u2028c' });
    const text = out.text();
    expect(everywhere(text)).toEqual([]);
    expect(text.trim().split('\n')).toHaveLength(1);
    const line = JSON.parse(text);
    expect(line).toMatchObject({ circular: { note: 'j***@example.com', self: '[Circular]' }, getter: { boom: '[Unreadable]' }, big: '100000000000000000000', buf: '[Binary: 16 bytes]', map: { k: 'j***@example.com' }, set: ['***-**-6789'], line: 'a\nb\u2028c' });
  });
});

describe('redactFormat with real winston', () => {
  it('redacts metadata, messages and splat arguments, and keeps levels', () => {
    const out = sink();
    const logger = winston.createLogger({
      format: winston.format.combine(redactFormat(orderSchema), winston.format.splat(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: out.stream })],
    });
    logger.info('order %s from %s', 'ord_1', 'jane.doe@example.com', { order: sampleOrder() });
    logger.warn('card 4111 1111 1111 1111 declined', { headers: { cookie: 'sid=s3cr3t-session', 'x-api-key': 'sk_live_abcdefghijklmnop' } });
    logger.child({ ssn: '123-45-6789' }).error('child');
    const text = out.text();
    expect(everywhere(text)).toEqual([]);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ level: 'info', message: 'order ord_1 from j***@example.com' });
    expect(lines[0].order.payment.card).toBe('**** **** **** 1111');
    expect(lines[1]).toMatchObject({ level: 'warn', message: 'card **** **** **** 1111 declined', headers: { cookie: '[REDACTED]', 'x-api-key': '[REDACTED]' } });
    expect(lines[2]).toMatchObject({ level: 'error', ssn: '***-**-6789' });
  });
});

describe('redactor', () => {
  it('matches schema paths at any depth, secret keys in any case, and returns a copy with serialize: false', () => {
    const r = redactor(orderSchema, { serialize: false, paths: ['**.apiToken'] });
    const input = { wrapper: { deeper: [{ customer: { email: 'jane.doe@example.com' } }] }, API_KEY: 'x', Password: 'hunter2', apiToken: 'abc', nested: { apiToken: 'def' } };
    const copy = r.copy(input);
    expect(copy).toEqual({ wrapper: { deeper: [{ customer: { email: 'j***@example.com' } }] }, API_KEY: '[REDACTED]', Password: '[REDACTED]', apiToken: '[REDACTED]', nested: { apiToken: '[REDACTED]' } });
    expect(input.wrapper.deeper[0]!.customer.email).toBe('jane.doe@example.com');
    expect(redactor(orderSchema, { remove: true, censor: 'redact' })({ customer: { email: 'a@b.co', id: 'x' } })).toBe('{"customer":{"id":"x"}}');
    expect(redactor(undefined, { detect: false })({ note: 'jane@example.com' })).toBe('{"note":"jane@example.com"}');
  });
});

interface Server {
  url: string;
  close(): Promise<void>;
}

/** Logs in the calling convention of the logger: pino takes (object, message), winston (message, meta). */
function logReceived(log: fx.LoggerLike | undefined, flavor: string, order: unknown): void {
  if (flavor === 'pino') log?.info({ order }, 'received card 4111 1111 1111 1111');
  else log?.info('received card 4111 1111 1111 1111', { order });
}

function expressLogged(logger: pino.Logger | winston.Logger, flavor: string): Promise<Server> {
  const app = express();
  app.use(fx.redactLogs({ schema: orderSchema, logger, bodies: true, destination: 'analytics', sample: { '/health': 0 } }));
  app.post('/orders/:id', express.json(), (req, res) => {
    logReceived(fx.requestLog(req), flavor, req.body);
    res.json({ ok: true, echo: req.body });
  });
  app.get('/health', (_req, res) => void res.send('ok'));
  app.get('/boom', () => {
    throw new Error('failed for card 378282246310005');
  });
  app.use((err: Error, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    fx.requestLog(req)?.error(err, "handler failed");
    res.status(500).json({ error: { code: 'ERR_INTERNAL', message: 'internal error' } });
  });
  return listen(createServer(app));
}

function koaLogged(logger: pino.Logger | winston.Logger, flavor: string): Promise<Server> {
  const app = new Koa();
  app.silent = true;
  app.use(fk.redactLogs({ schema: orderSchema, logger, bodies: true, destination: 'analytics', sample: { '/health': 0 } }));
  app.use(bodyParser());
  app.use(async (ctx) => {
    (ctx as Koa.Context & { _matchedRoute?: string })._matchedRoute = ctx.path.startsWith('/orders') ? '/orders/:id' : ctx.path;
    if (ctx.path === '/boom') throw new Error('failed for card 378282246310005');
    if (ctx.path === '/health') {
      ctx.body = 'ok';
      return;
    }
    logReceived(fk.contextLog(ctx), flavor, (ctx.request as unknown as { body: unknown }).body);
    ctx.body = { ok: true, echo: (ctx.request as unknown as { body: unknown }).body };
  });
  return listen(createServer(app.callback()));
}

const loggers = [
  ['pino', (s: Writable) => pino(s)],
  ['winston', (s: Writable) => winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream: s })] })],
] as const;
const servers = [
  ['Express', expressLogged],
  ['Koa', koaLogged],
] as const;

describe.each(servers.flatMap(([sn, start]) => loggers.map(([ln, make]) => ({ name: `${sn} + ${ln}`, start, make, ln }))))('redactLogs: $name', ({ start, make, ln }) => {
  const out = sink();
  let server: Server;
  beforeAll(async () => {
    server = await start(make(out.stream) as never, ln);
  });
  afterAll(() => server.close());

  it('writes one redacted request line with its metadata, and no raw value anywhere', async () => {
    const res = await fetch(`${server.url}/orders/ord_1?email=jane.doe%40example.com&page=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk_live_abcdefghijklmnop', cookie: 'sid=s3cr3t-session; theme=dark', 'x-api-key': 'hunter2' },
      body: JSON.stringify(sampleOrder()),
    });
    expect(res.status).toBe(200);
    await res.text();
    await fetch(`${server.url}/health`).then((r) => r.text());
    const boom = await fetch(`${server.url}/boom`);
    expect(boom.status).toBe(500);
    await boom.text();
    await new Promise((r) => setTimeout(r, 50));
    const text = out.text();
    expect(everywhere(text)).toEqual([]);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const msg = (l: Record<string, unknown>) => l['msg'] ?? l['message'];
    const request = lines.find((l) => msg(l) === 'request completed' && l['status'] === 200)!;
    expect(request).toMatchObject({ method: 'POST', route: '/orders/:id', status: 200, destination: 'analytics', query: { email: 'j***@example.com', page: '2' } });
    expect(request['reqBytes']).toBe(Buffer.byteLength(JSON.stringify(sampleOrder())));
    expect(request['resBytes']).toBeGreaterThan(0);
    expect(typeof request['durationMs']).toBe('number');
    expect((request['headers'] as Record<string, unknown>)['authorization']).toBe('[REDACTED]');
    expect((request['headers'] as Record<string, unknown>)['cookie']).toBe('[REDACTED]');
    expect((request['reqBody'] as { customer: unknown }).customer).toMatchObject({ email: 'j***@example.com' });
    expect(JSON.stringify(request)).not.toContain('/orders/ord_1');
    // Sampled out at rate 0; errors are always logged.
    expect(lines.some((l) => l['route'] === '/health')).toBe(false);
    expect(lines.some((l) => l['status'] === 500 && msg(l) === 'request completed')).toBe(true);
    const child = lines.find((l) => typeof msg(l) === 'string' && String(msg(l)).startsWith('received'))!;
    expect(msg(child)).toBe('received card **** **** **** 1111');
    expect((child['order'] as { payment: { card: string } }).payment.card).toBe('**** **** **** 1111');
  });
});
