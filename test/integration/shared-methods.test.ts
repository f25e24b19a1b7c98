// What fieldguard puts on a request or response per request — the guarded answer's write/end/setHeader/writeHead,
// Express's res.json, the logger accessors — behaves as before now that it is functions made once (bound to a
// small object per request, or shared accessors that find the request's state through `this`): guards stack, a
// wrapper between two guards (as compression puts one) is called through, a detached res.json is still masked,
// and every request's logger is its own.
import { createServer } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import Koa from 'koa';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { leaks, orderSchema, sampleOrder } from '../fixtures/order.js';
import { sink } from '../helpers/sink.js';
import { listen } from '../helpers/vendor.js';

const base64 = (s: string): string => Buffer.from(s).toString('base64');
/** The sensitive values found in `text`, raw, URL- or form-encoded or base64. */
function found(text: string): string[] {
  const order = JSON.stringify(sampleOrder());
  return [...leaks(text), ...(text.includes(base64(order)) ? ['the order, base64'] : [])];
}

/**
 * Two requests to a route that records its `log` accessor's getter, assigns its own logger on the
 * first, and logs the customer through the redacting one: each saw its own logger, both through the
 * same getter, and the line holds nothing sensitive.
 */
async function ownLoggers(url: string, getters: readonly unknown[], text: () => string): Promise<void> {
  const first = await (await fetch(`${url}/log?own=1`)).json();
  const second = await (await fetch(`${url}/log`)).json();
  expect(first).toEqual({ own: true, redacting: true });
  expect(second).toEqual({ own: false, redacting: true });
  expect(getters).toHaveLength(2);
  expect(typeof getters[0]).toBe('function');
  expect(getters[1]).toBe(getters[0]);
  expect(text()).toContain('"msg":"seen"');
  expect(found(text())).toEqual([]);
}

/**
 * What a second mask makes of the first one's answer: a masked phone, SSN, card or IBAN no longer
 * reads as one, so its format censors it whole; the rest is masked already and stays as it is.
 */
function maskedTwice(once: string): unknown {
  const v = JSON.parse(once) as { customer: Record<string, unknown>; payment: Record<string, unknown> };
  v.customer['phone'] = '[REDACTED]';
  v.customer['ssn'] = '[REDACTED]';
  v.payment['card'] = '[REDACTED]';
  v.payment['iban'] = '[REDACTED]';
  return v;
}

/** A wrapper of res.write/res.end as compression puts one: the originals kept and called with the response as `this`. */
function wrapEnd(_req: Request, res: Response, next: NextFunction): void {
  const write = res.write;
  const end = res.end;
  let calls = 0;
  res.write = function (this: Response, ...args: unknown[]) {
    calls++;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Response['write'];
  res.end = function (this: Response, ...args: unknown[]) {
    calls++;
    res.setHeader('x-wrapped', String(calls));
    return (end as (...a: unknown[]) => Response).apply(this, args);
  } as Response['end'];
  next();
}

describe('Express: guards made of bound functions', () => {
  const log = sink();
  let url = '';
  let close: () => Promise<void>;
  const getters: unknown[] = [];
  beforeAll(async () => {
    const app = express();
    const logger = pino(log.stream);
    const text = (_req: Request, res: Response): void => void res.type('application/json').send(JSON.stringify(sampleOrder()));
    app.get('/once', fx.maskFields({ schema: orderSchema }), text);
    app.get('/twice', fx.maskFields({ schema: orderSchema }), wrapEnd, fx.maskFields({ schema: orderSchema }), text);
    app.get('/json', fx.maskFields({ schema: orderSchema }), (_req, res) => void res.json(sampleOrder()));
    app.get('/detached', fx.maskFields({ schema: orderSchema }), (_req, res) => {
      const { json } = res;
      json(sampleOrder());
    });
    app.get('/log', fx.redactLogs({ schema: orderSchema, logger }), (req, res) => {
      getters.push(Object.getOwnPropertyDescriptor(req, 'log')?.get);
      const own = { info: () => undefined };
      if (req.query['own'] === '1') (req as unknown as { log: unknown }).log = own;
      const log = (req as unknown as { log: unknown }).log;
      fx.requestLog(req)?.info({ customer: sampleOrder().customer }, 'seen');
      res.json({ own: log === own, redacting: fx.requestLog(req) !== undefined && fx.requestLog(req) !== own });
    });
    ({ url, close } = await listen(createServer(app)));
  });
  afterAll(() => close());

  it('answers through two stacked guards with a wrapper between them, each guard masking once, nothing sensitive in it', async () => {
    const once = await fetch(`${url}/once`);
    const twice = await fetch(`${url}/twice`);
    const [a, b] = [await once.text(), await twice.text()];
    expect(once.status).toBe(200);
    expect(twice.status).toBe(200);
    expect(JSON.parse(b)).toEqual(maskedTwice(a));
    expect(twice.headers.get('x-wrapped')).toBe('1');
    expect(twice.headers.get('content-length')).toBe(String(Buffer.byteLength(b)));
    expect(found(a)).toEqual([]);
    expect(found(b)).toEqual([]);
    expect(JSON.parse(a)).toMatchObject({ customer: { id: 'cus_77', email: 'j***@example.com', phone: '+* ***-***-**32' }, payment: { card: '**** **** **** 1111' } });
  });

  it('masks res.json called detached from the response as it masks res.json', async () => {
    const json = await (await fetch(`${url}/json`)).text();
    const detached = await fetch(`${url}/detached`);
    const body = await detached.text();
    expect(detached.status).toBe(200);
    expect(body).toBe(json);
    expect(found(body)).toEqual([]);
  });

  it('gives each request its own logger through one accessor shared by every request', () => ownLoggers(url, getters, log.text));
});

describe('Koa: guards made of bound functions', () => {
  const log = sink();
  let url = '';
  let close: () => Promise<void>;
  const getters: unknown[] = [];
  beforeAll(async () => {
    const app = new Koa();
    const logger = pino(log.stream);
    app.use(fk.redactLogs({ schema: orderSchema, logger }));
    app.use(async (ctx, next) => {
      if (ctx.path === '/log') {
        getters.push(Object.getOwnPropertyDescriptor(ctx, 'log')?.get);
        const own = { info: () => undefined };
        if (ctx.query['own'] === '1') (ctx as unknown as { log: unknown }).log = own;
        const current = (ctx as unknown as { log: unknown }).log;
        fk.contextLog(ctx)?.info({ customer: sampleOrder().customer }, 'seen');
        ctx.body = { own: current === own, redacting: fk.contextLog(ctx) !== undefined && fk.contextLog(ctx) !== own };
        return;
      }
      await next();
    });
    const mask = fk.maskFields({ schema: orderSchema });
    app.use(async (ctx, next) => {
      if (ctx.path === '/twice') await mask(ctx, next);
      else await next();
    });
    app.use(fk.maskFields({ schema: orderSchema }));
    app.use((ctx) => {
      ctx.type = 'application/json';
      ctx.body = ctx.path === '/text' || ctx.path === '/twice' ? JSON.stringify(sampleOrder()) : sampleOrder();
    });
    ({ url, close } = await listen(createServer(app.callback())));
  });
  afterAll(() => close());

  it('masks an object body and a JSON text the same, under one guard and under two', async () => {
    const bodies = await Promise.all(
      ['/value', '/text', '/twice'].map(async (p) => {
        const r = await fetch(`${url}${p}`);
        return [p, r.status, await r.text()] as const;
      }),
    );
    const [value, text, twice] = bodies;
    for (const [, status, body] of bodies) {
      expect(status).toBe(200);
      expect(found(body)).toEqual([]);
    }
    expect(JSON.parse(text![2])).toEqual(JSON.parse(value![2]));
    expect(JSON.parse(twice![2])).toEqual(maskedTwice(value![2]));
    expect(found(log.text())).toEqual([]);
  });

  it('gives each request its own logger through one accessor shared by every request', () => ownLoggers(url, getters, log.text));
});
