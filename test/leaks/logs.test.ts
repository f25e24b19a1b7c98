// The log channels' leak hunt: fresh canaries through real pino (10, and 9 when installed) and winston to real destinations, every byte scanned.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import winston from 'winston';
import { afterAll, describe, expect, it } from 'vitest';
import * as fx from '../../src/express/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { redactFormat } from '../../src/log/winston-entry.js';
import { redactingLogger } from '../../src/log/wrap.js';
import { redactor, WITHHELD } from '../../src/index.js';
import { MASKED_ORDER, orderSchema, sampleOrder } from '../fixtures/order.js';
import { listen } from '../helpers/vendor.js';
import { canaries, findLeaks, type Canaries } from './canaries.js';

const load = createRequire(import.meta.url);
type Pino = typeof pino;
/** pino 10 and pino 9 (installed as the dev alias pino9): the peer range is both. */
const PINOS: Array<readonly [string, Pino]> = [['pino 10', pino]];
try {
  PINOS.push(['pino 9', load('pino9') as Pino]);
} catch {
  // pino 9 is not a dev dependency; the suite runs it when it is there.
}

const dir = mkdtempSync(join(tmpdir(), 'fieldguard-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pino logger writing to a real file through pino's own destination (SonicBoom, synchronous). */
function pinoFile(p: Pino, options: object) {
  const file = join(dir, `${randomUUID()}.log`);
  const logger = p({ base: null, timestamp: false, ...options }, p.destination({ dest: file, sync: true }));
  const text = (): string => readFileSync(file, 'utf8');
  return { logger, bytes: () => readFileSync(file), lines: () => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown), raw: () => text().split('\n').filter((l) => l !== '') };
}

/** pino's types check format strings against their arguments; the leak hunt makes the calls services make anyway. */
type AnyArgs = (...args: unknown[]) => void;
const untyped = (logger: object) => logger as Record<'info' | 'warn' | 'error', AnyArgs>;

/** A winston logger writing to a real stream. */
function winstonStream(format: winston.Logform.Format) {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const logger = winston.createLogger({ format, transports: [new winston.transports.Stream({ stream })] });
  const text = (): string => Buffer.concat(chunks).toString('utf8');
  return { logger, bytes: () => Buffer.concat(chunks), lines: () => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) };
}

/** The masks the default censor writes, computed from the canary rather than from fieldguard. */
const mask = {
  email: (e: string) => `${e[0]}***@${e.slice(e.indexOf('@') + 1)}`,
  card: (c: string) => `**** **** **** ${c.slice(-4)}`,
  cardDigits: (c: string) => `${'*'.repeat(c.replace(/\D/g, '').length - 4)}${c.slice(-4)}`,
  ssn: (s: string) => `***-**-${s.slice(-4)}`,
  iban: (i: string) => `${i.slice(0, 2)}${'*'.repeat(i.length - 6)}${i.slice(-4)}`,
  phone: (p: string) => `${p.slice(0, -2).replace(/\d/g, '*')}${p.slice(-2)}`,
};

function expectNoLeak(bytes: Buffer, c: Canaries | Canaries[]): void {
  expect(findLeaks({ log: bytes }, c)).toEqual([]);
}

/** An Error with a fixed stack, so the line can be pinned exactly. */
function failure(message: string, options?: ErrorOptions, type: 'Error' | 'TypeError' = 'Error'): Error {
  const e = type === 'TypeError' ? new TypeError(message, options) : new Error(message, options);
  e.stack = `${type}: ${message}\n    at charge (/srv/app/pay.js:10:5)`;
  return e;
}
const errorJson = (message: string, type = 'Error') => ({ type, message, stack: `${type}: ${message}\n    at charge (/srv/app/pay.js:10:5)` });

describe.each(PINOS)('%s with pinoOptions: errors (issue 8, item 1)', (_name, p) => {
  it('writes the redacted err.message into msg for logger.error(err) and logger.error({ err })', () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(p, pinoOptions(orderSchema));
    const err = failure(`charge failed for ${c.email} with card ${c.card}`);
    logger.error(err);
    logger.error({ err });
    const masked = `charge failed for ${mask.email(c.email)} with card ${mask.card(c.card)}`;
    expect(lines()).toEqual([
      { level: 50, err: errorJson(masked), msg: masked },
      { level: 50, err: errorJson(masked), msg: masked },
    ]);
    expectNoLeak(bytes(), c);
  });

  it('redacts cause chains and the errors of an AggregateError, and its message in msg', () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(p, pinoOptions(orderSchema));
    const cause = failure(`iban ${c.iban} refused`);
    const retry = failure(`card ${c.card} declined`, { cause: failure(`ssn ${c.ssn} on file`) }, 'TypeError');
    const agg = new AggregateError([retry], `all retries failed for ${c.email}`, { cause });
    agg.stack = `AggregateError: all retries failed for ${c.email}\n    at retry (/srv/app/pay.js:20:3)`;
    logger.error(agg);
    const message = `all retries failed for ${mask.email(c.email)}`;
    expect(lines()).toEqual([
      {
        level: 50,
        err: {
          type: 'AggregateError',
          message,
          stack: `AggregateError: ${message}\n    at retry (/srv/app/pay.js:20:3)`,
          cause: errorJson(`iban ${mask.iban(c.iban)} refused`),
          errors: [{ ...errorJson(`card ${mask.card(c.card)} declined`, 'TypeError'), cause: errorJson(`ssn ${mask.ssn(c.ssn)} on file`) }],
        },
        msg: message,
      },
    ]);
    expectNoLeak(bytes(), c);
  });

  it('redacts an Error given as a later argument: %s, %o, in the message position, or dropped', () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(p, pinoOptions(orderSchema));
    const err = failure(`lookup failed for ${c.email}`);
    const other = failure(`ssn ${c.ssn} mismatch`);
    logger.error('charge failed: %s', err);
    logger.error(err, 'while charging %o', other);
    untyped(logger).error({ orderId: 'ord_1' }, err);
    untyped(logger).warn('retrying', err);
    const m = `lookup failed for ${mask.email(c.email)}`;
    const o = `ssn ${mask.ssn(c.ssn)} mismatch`;
    expect(lines()).toEqual([
      { level: 50, msg: `charge failed: Error: ${m}` },
      { level: 50, err: errorJson(m), msg: `while charging ${JSON.stringify(errorJson(o))}` },
      { level: 50, orderId: 'ord_1', msg: errorJson(m) },
      { level: 40, msg: 'retrying' },
    ]);
    expectNoLeak(bytes(), c);
  });

  it('follows a custom errorKey and messageKey', () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(p, { ...pinoOptions(orderSchema), errorKey: 'error', messageKey: 'message' });
    logger.error({ error: failure(`no account for ${c.email}`) });
    const m = `no account for ${mask.email(c.email)}`;
    expect(lines()).toEqual([{ level: 50, error: errorJson(m), message: m }]);
    expectNoLeak(bytes(), c);
  });
});

describe.each(PINOS)('%s with pinoOptions: prefixes, bindings, numbers (issue 8, item 2)', (_name, p) => {
  it("redacts the root's and each child's msgPrefix, with the message, and what msgPrefix reads", () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(p, { ...pinoOptions(orderSchema), msgPrefix: `[${c.phone}] ` });
    const child = logger.child({}, { msgPrefix: `${c.email} ` });
    const grandchild = child.child({}, { msgPrefix: `${c.ssn} ` });
    logger.info('root');
    child.info('child %s', 'x');
    grandchild.info('grandchild');
    // A value split between the prefix and the message is found in the whole.
    const [local, domain] = c.email.split('@') as [string, string];
    logger.child({}, { msgPrefix: `user ${local}@` }).info(`${domain} signed in`);
    expect(lines()).toEqual([
      { level: 30, msg: `[${mask.phone(c.phone)}] root` },
      { level: 30, msg: `[${mask.phone(c.phone)}] ${mask.email(c.email)} child x` },
      { level: 30, msg: `[${mask.phone(c.phone)}] ${mask.email(c.email)} ${mask.ssn(c.ssn)} grandchild` },
      { level: 30, msg: `[${mask.phone(c.phone)}] user ${mask.email(c.email)} signed in` },
    ]);
    expect(grandchild.msgPrefix).toBe(`[${mask.phone(c.phone)}] ${mask.email(c.email)} ${mask.ssn(c.ssn)} `);
    expectNoLeak(bytes(), c);
  });

  it("redacts setBindings() on a child and on the root, and a child's bindings over several generations", () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(p, pinoOptions(orderSchema));
    const child = logger.child({ requestId: 'r1', customer: { phone: c.phone } });
    child.setBindings({ customer: { email: c.email } });
    child.info('paid');
    child.child({ step: 2 }).info('shipped');
    logger.setBindings({ note: `ssn ${c.ssn}` });
    logger.info('root');
    expect(lines()).toEqual([
      { level: 30, requestId: 'r1', customer: { email: mask.email(c.email) }, msg: 'paid' },
      { level: 30, requestId: 'r1', customer: { email: mask.email(c.email) }, step: 2, msg: 'shipped' },
      { level: 30, note: `ssn ${mask.ssn(c.ssn)}`, msg: 'root' },
    ]);
    expectNoLeak(bytes(), c);
  });

  it('keeps a masked parent binding as it is in a grandchild (no mask of a mask)', () => {
    const c = canaries();
    const { logger, bytes, raw } = pinoFile(p, pinoOptions(orderSchema));
    logger.child({ customer: { phone: c.phone, ssn: c.ssn } }).child({ step: 1 }).child({ step: 2 }).info('deep');
    expect(raw()).toEqual([`{"level":30,"customer":{"phone":"${mask.phone(c.phone)}","ssn":"${mask.ssn(c.ssn)}"},"step":1,"step":2,"msg":"deep"}`]);
    expectNoLeak(bytes(), c);
  });

  it('prints the mask for %d, %i and %f with a card, never NaN and never the digits', () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(p, pinoOptions(orderSchema));
    const digits = Number(c.card.replace(/\D/g, ''));
    untyped(logger).info('charged card %d', c.card);
    untyped(logger).info('charged card %i', digits);
    untyped(logger).info('charged card %f', `${c.card}`);
    untyped(logger).info('%d items at %i, %f%%, %d', 3, 4.7, 0.5, 'abc');
    expect(lines()).toEqual([
      { level: 30, msg: `charged card ${mask.card(c.card)}` },
      { level: 30, msg: `charged card ${mask.cardDigits(c.card)}` },
      { level: 30, msg: `charged card ${mask.card(c.card)}` },
      { level: 30, msg: '3 items at 4, 0.5%, NaN' },
    ]);
    expectNoLeak(bytes(), c);
  });

  it('finds a value split between the template and its arguments, and keeps one line for CR/LF', () => {
    const c = canaries();
    const { logger, bytes, raw, lines } = pinoFile(p, pinoOptions(orderSchema));
    const [local, domain] = c.email.split('@') as [string, string];
    logger.info('user %s@%s', local, domain);
    logger.info('note: %s', `line one\r\nline two ${c.iban}\u2028end`);
    expect(raw()).toHaveLength(2);
    expect(lines()).toEqual([
      { level: 30, msg: `user ${mask.email(c.email)}` },
      { level: 30, msg: `note: line one\r\nline two ${mask.iban(c.iban)}\u2028end` },
    ]);
    expectNoLeak(bytes(), c);
  });
});

describe('winston with redactFormat (issue 8, item 2)', () => {
  it('prints the mask for %d with a card, never NaN', () => {
    const c = canaries();
    const { logger, bytes, lines } = winstonStream(winston.format.combine(redactFormat(orderSchema), winston.format.splat(), winston.format.json()));
    logger.info('charged card %d for %d items', c.card, 3);
    expect(lines()).toEqual([{ level: 'info', message: `charged card ${mask.card(c.card)} for 3 items` }]);
    expectNoLeak(bytes(), c);
  });

  it('redacts a line a format before it already finished, or withholds it when that line is not JSON', () => {
    const c = canaries();
    const json = winstonStream(winston.format.combine(winston.format.json(), redactFormat(orderSchema)));
    json.logger.info('order', { customer: { name: c.name, email: c.email } });
    expect(json.lines()).toEqual([{ level: 'info', message: 'order', customer: { name: '[REDACTED]', email: mask.email(c.email) } }]);
    expectNoLeak(json.bytes(), c);
    const printf = winstonStream(winston.format.combine(winston.format.printf((i) => `${i.level} ${String((i['customer'] as { name: string }).name)}`), redactFormat(orderSchema)));
    printf.logger.info('order', { customer: { name: c.name } });
    expect(printf.lines()).toEqual([{ level: 'error', message: WITHHELD.msg, code: WITHHELD.code }]);
    expectNoLeak(printf.bytes(), c);
  });
});

describe('redactingLogger (issue 8, item 2)', () => {
  it('prints the mask for %d with a card through a console-like logger', () => {
    const c = canaries();
    const written: string[] = [];
    const plain = { info: (...a: unknown[]) => void written.push(JSON.stringify(a)), warn() {}, error() {} };
    redactingLogger(plain, redactor(orderSchema)).info('charged card %d of %d', c.card, 2);
    expect(written).toEqual([JSON.stringify([`charged card %s of %d`, mask.card(c.card), 2])]);
    expectNoLeak(Buffer.from(written.join('\n')), c);
  });
});

/** The order of the README example with fresh canaries in every personal field. */
function canaryOrder(c: Canaries) {
  const o = sampleOrder();
  return { ...o, customer: { id: 'cus_77', email: c.email, name: c.name, phone: c.phone, ssn: c.ssn }, payment: { card: c.card, iban: c.iban }, diagnosis: c.health };
}
function maskedCanaryOrder(c: Canaries) {
  return {
    ...MASKED_ORDER,
    customer: { id: 'cus_77', email: mask.email(c.email), name: '[REDACTED]', phone: mask.phone(c.phone), ssn: mask.ssn(c.ssn) },
    payment: { card: mask.card(c.card), iban: mask.iban(c.iban) },
    diagnosis: '[REDACTED]',
    // The log redactor is the same plan as maskFields: a tagged object keeps its shape, each field masked.
  };
}

async function post(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  return res.status;
}

describe("README's pino(pinoOptions(schema)) + redactLogs + req.log (issue 8, item 7)", () => {
  it('redacts a line once: the card reads **** **** **** 1234, never [REDACTED], never the card', async () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(pino, pinoOptions(orderSchema));
    const app = express();
    app.use(express.json());
    app.use(fx.redactLogs({ schema: orderSchema, logger, destination: 'analytics' }));
    app.post('/orders', (req, res) => {
      fx.requestLog(req)?.info({ order: req.body }, 'received');
      res.sendStatus(202);
    });
    const server = await listen(createServer(app));
    try {
      expect(await post(`${server.url}/orders`, canaryOrder(c))).toBe(202);
    } finally {
      await server.close();
    }
    const [received, request] = lines() as [Record<string, unknown>, Record<string, unknown>];
    expect(received).toEqual({ level: 30, order: maskedCanaryOrder(c), msg: 'received' });
    expect(request).toEqual({
      level: 30,
      method: 'POST',
      route: '/orders',
      status: 202,
      durationMs: expect.any(Number),
      reqBytes: Buffer.byteLength(JSON.stringify(canaryOrder(c))),
      resBytes: 8,
      destination: 'analytics',
      msg: 'request completed',
    });
    expectNoLeak(bytes(), c);
  });

  it('redacts the request line once too when it logs bodies: the card in reqBody reads **** **** **** 1234', async () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile(pino, pinoOptions(orderSchema));
    const app = express();
    app.use(express.json());
    app.use(fx.redactLogs({ schema: orderSchema, logger, bodies: true }));
    app.post('/orders', (_req, res) => void res.sendStatus(202));
    const server = await listen(createServer(app));
    try {
      expect(await post(`${server.url}/orders`, canaryOrder(c))).toBe(202);
    } finally {
      await server.close();
    }
    const request = (lines() as Array<Record<string, unknown>>).find((l) => l['msg'] === 'request completed')!;
    expect(request['reqBody']).toEqual(maskedCanaryOrder(c));
    expectNoLeak(bytes(), c);
  });

  it('does the same with winston and redactFormat', async () => {
    const c = canaries();
    const { logger, bytes, lines } = winstonStream(winston.format.combine(redactFormat(orderSchema), winston.format.splat(), winston.format.json()));
    const app = express();
    app.use(express.json());
    app.use(fx.redactLogs({ schema: orderSchema, logger, destination: 'analytics' }));
    app.post('/orders', (req, res) => {
      fx.requestLog(req)?.info('received', { order: req.body });
      res.sendStatus(202);
    });
    const server = await listen(createServer(app));
    try {
      expect(await post(`${server.url}/orders`, canaryOrder(c))).toBe(202);
    } finally {
      await server.close();
    }
    const received = (lines() as Array<Record<string, unknown>>).find((l) => l['message'] === 'received');
    expect(received).toEqual({ level: 'info', message: 'received', order: maskedCanaryOrder(c) });
    expectNoLeak(bytes(), c);
  });
});

describe('redactLogs with a logger without child (issue 8, item 6)', () => {
  it("offers req.log.child(), which adds the redacted bindings to each call", async () => {
    const c = canaries();
    const written: string[] = [];
    const plain = {
      info: (...a: unknown[]) => void written.push(JSON.stringify(['info', ...a])),
      warn: (...a: unknown[]) => void written.push(JSON.stringify(['warn', ...a])),
      error: (...a: unknown[]) => void written.push(JSON.stringify(['error', ...a])),
    };
    const app = express();
    app.use(express.json());
    app.use(fx.redactLogs({ schema: orderSchema, logger: plain }));
    app.post('/orders', (req, res) => {
      const log = fx.requestLog(req)?.child?.({ requestId: 'r1', customer: { email: c.email } });
      log?.info({ order: { payment: { card: c.card } } }, 'received');
      log?.child?.({ step: 'charge' }).warn(`declined for ${c.ssn}`);
      res.sendStatus(202);
    });
    const server = await listen(createServer(app));
    try {
      expect(await post(`${server.url}/orders`, {})).toBe(202);
    } finally {
      await server.close();
    }
    expect(written.slice(0, 2)).toEqual([
      JSON.stringify(['info', { requestId: 'r1', customer: { email: mask.email(c.email) }, order: { payment: { card: mask.card(c.card) } } }, 'received']),
      JSON.stringify(['warn', { requestId: 'r1', customer: { email: mask.email(c.email) }, step: 'charge' }, `declined for ${mask.ssn(c.ssn)}`]),
    ]);
    expectNoLeak(Buffer.from(written.join('\n')), c);
  });
});
