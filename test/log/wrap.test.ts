// redactingLogger and isRedactingLogger: one place redacts a line, every logger offers child(), numbers print as masks.
import { Writable } from 'node:stream';
import pino from 'pino';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { redactFormat } from '../../src/log/winston-entry.js';
import { isRedactingLogger, numbersAsText, redactingLogger } from '../../src/log/wrap.js';
import { orderSchema } from '../fixtures/order.js';

const redact = redactor(orderSchema, { serialize: false });
const nowhere = () => new Writable({ write: (_c, _e, cb) => cb() });

function plainLogger() {
  const calls: unknown[][] = [];
  const logger = {
    info: (...a: unknown[]) => void calls.push(['info', ...a]),
    warn: (...a: unknown[]) => void calls.push(['warn', ...a]),
    error: (...a: unknown[]) => void calls.push(['error', ...a]),
  };
  return { logger, calls };
}

describe('isRedactingLogger', () => {
  it('recognizes pino loggers built with pinoOptions, and their children', () => {
    const logger = pino(pinoOptions(orderSchema), nowhere());
    expect(isRedactingLogger(logger)).toBe(true);
    expect(isRedactingLogger(logger.child({ a: 1 }))).toBe(true);
    expect(isRedactingLogger(logger.child({ a: 1 }, { level: 'debug' }).child({ b: 2 }))).toBe(true);
  });

  it('does not vouch for a pino logger whose formatter, hook or onChild is not pinoOptions', () => {
    expect(isRedactingLogger(pino(nowhere()))).toBe(false);
    const o = pinoOptions(orderSchema);
    // Replacing `formatters` drops the log formatter: such a logger does not redact objects.
    expect(isRedactingLogger(pino({ ...o, formatters: { level: (label: string) => ({ level: label }) } }, nowhere()))).toBe(false);
    expect(isRedactingLogger(pino({ ...o, hooks: {} }, nowhere()))).toBe(false);
    expect(isRedactingLogger(pino(o, nowhere()).child({}, { formatters: { log: (x: object) => x } }))).toBe(false);
  });

  it('recognizes winston loggers whose format runs redactFormat, without the probe reaching later formats or transports', () => {
    const seenAfter: unknown[] = [];
    const seenBefore: unknown[] = [];
    const written: string[] = [];
    const spy = (into: unknown[]) => winston.format((info) => (into.push(info.message), info))();
    const stream = new Writable({ write: (c: Buffer, _e, cb) => (written.push(c.toString()), cb()) });
    const logger = winston.createLogger({
      format: winston.format.combine(spy(seenBefore), redactFormat(orderSchema), spy(seenAfter), winston.format.json()),
      transports: [new winston.transports.Stream({ stream })],
    });
    expect(isRedactingLogger(logger)).toBe(true);
    expect(isRedactingLogger(logger.child({ requestId: 'r1' }))).toBe(true);
    expect(seenBefore).toEqual(['']);
    expect(seenAfter).toEqual([]);
    expect(written).toEqual([]);
    expect(isRedactingLogger(winston.createLogger({ format: redactFormat(orderSchema) }))).toBe(true);
    expect(isRedactingLogger(winston.createLogger({ format: winston.format.json() }))).toBe(false);
  });

  it('recognizes its own wrappers, and answers false for anything else, also when inspecting throws', () => {
    const { logger } = plainLogger();
    expect(isRedactingLogger(logger)).toBe(false);
    expect(isRedactingLogger(redactingLogger(logger, redact))).toBe(true);
    expect(isRedactingLogger(redactingLogger(logger, redact).child({ a: 1 }))).toBe(true);
    for (const v of [null, undefined, 'pino', 42, {}]) expect(isRedactingLogger(v)).toBe(false);
    const hostile = new Proxy({}, { get() { throw new Error('no'); } });
    expect(isRedactingLogger(hostile)).toBe(false);
  });
});

describe('redactingLogger', () => {
  it('returns a logger that already redacts as it is, so a line is redacted once', () => {
    const p = pino(pinoOptions(orderSchema), nowhere());
    expect(redactingLogger(p, redact)).toBe(p);
    const w = winston.createLogger({ format: redactFormat(orderSchema) });
    expect(redactingLogger(w, redact)).toBe(w);
    const wrapped = redactingLogger(plainLogger().logger, redact);
    expect(redactingLogger(wrapped, redact)).toBe(wrapped);
  });

  it('offers child() without a native one: bindings redacted once, merged into the first plain object, else passed first', () => {
    const { logger, calls } = plainLogger();
    const child = redactingLogger(logger, redact).child({ requestId: 'r1', customer: { phone: '+1 415-555-0132' } });
    child.info('plain message');
    child.warn({ requestId: 'own', step: 1 }, 'object first');
    child.error('meta last', { note: 'jane.doe@example.com' });
    child.child({ attempt: 2 }).info('grandchild');
    const bound = { requestId: 'r1', customer: { phone: '+* ***-***-**32' } };
    expect(calls).toEqual([
      ['info', bound, 'plain message'],
      ['warn', { ...bound, requestId: 'own', step: 1 }, 'object first'],
      ['error', 'meta last', { ...bound, note: 'j***@example.com' }],
      ['info', { ...bound, attempt: 2 }, 'grandchild'],
    ]);
  });

  it('wraps a native child and redacts its bindings', () => {
    const calls: unknown[] = [];
    const native = { info: (...a: unknown[]) => void calls.push(a), warn() {}, error() {}, child: (b: Record<string, unknown>) => ({ ...native, info: (...a: unknown[]) => void calls.push([b, ...a]) }) };
    redactingLogger(native, redact).child({ email: 'jane.doe@example.com' }).info('hi %s', '123-45-6789');
    expect(calls).toEqual([[{ email: 'j***@example.com' }, 'hi %s', '***-**-6789']]);
  });
});

describe('numbersAsText', () => {
  it.each([
    ['card %d', ['4111 1111 1111 1111'], ['**** **** **** 1111'], 'util', 'card %s'],
    ['%d of %d', [2, 4111111111111111], [2, '************1111'], 'util', '%d of %s'],
    ['%i and %f', ['4111111111111111', 1.5], ['************1111', 1.5], 'util', '%s and %f'],
    ['%d', ['42'], ['42'], 'util', '%d'],
    ['100%% %d', ['4111111111111111'], ['************1111'], 'util', '100%% %s'],
    ['%x %d', ['4111111111111111'], ['************1111'], 'util', '%x %s'],
    ['%x %d', ['a', '4111111111111111'], ['a', '************1111'], 'pino', '%x %s'],
    ['%s %d', ['a', 7], ['a', 7], 'pino', '%s %d'],
    ['no specifiers', ['4111111111111111'], ['************1111'], 'util', 'no specifiers'],
    ['%d', [{ n: 1 }], [{ n: 1 }], 'util', '%d'],
  ] as const)('%j with %j', (format, raw, redacted, grammar, expected) => {
    expect(numbersAsText(format, raw, redacted, grammar)).toBe(expected);
  });
});
