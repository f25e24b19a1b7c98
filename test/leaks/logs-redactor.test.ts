// Log leaks that only the redactor's walk can close: written end to end through real pino and winston, skipped until the walk does it.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import winston from 'winston';
import { afterAll, describe, expect, it } from 'vitest';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { redactFormat } from '../../src/log/winston-entry.js';
import { orderSchema } from '../fixtures/order.js';
import { canaries, findLeaks, type Canaries } from './canaries.js';

const dir = mkdtempSync(join(tmpdir(), 'fieldguard-logs-redactor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pino logger built with pinoOptions, writing to a real file through pino's own destination. */
function pinoFile() {
  const file = join(dir, `${randomUUID()}.log`);
  const logger = pino({ base: null, timestamp: false, ...pinoOptions(orderSchema) }, pino.destination({ dest: file, sync: true }));
  return { logger, bytes: () => readFileSync(file), lines: () => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) };
}

/** A winston logger with redactFormat first, writing to a real stream. */
function winstonStream() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const logger = winston.createLogger({
    format: winston.format.combine(redactFormat(orderSchema), winston.format.splat(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, bytes: () => Buffer.concat(chunks), lines: () => Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) };
}

const mask = {
  email: (e: string) => `${e[0]}***@${e.slice(e.indexOf('@') + 1)}`,
  card: (c: string) => `**** **** **** ${c.slice(-4)}`,
  cardDigits: (c: string) => `${'*'.repeat(c.replace(/\D/g, '').length - 4)}${c.slice(-4)}`,
  ssn: (s: string) => `***-**-${s.slice(-4)}`,
};

function expectNoLeak(bytes: Buffer, c: Canaries | Canaries[], extra: readonly string[] = []): void {
  expect(findLeaks({ log: bytes }, c)).toEqual([]);
  const text = bytes.toString('utf8');
  for (const v of extra) expect(text).not.toContain(v);
}

// Issue 8, item 2 (boxed primitives). The redactor must treat a String, Number, Boolean or BigInt
// object as the primitive it wraps (`valueOf()`): a schema path censors it as that string, an
// uncovered one runs the detectors on it — today it walks the object, and a String becomes
// { "0": "c", "1": "a", … }, the value character by character.
describe('boxed primitives (redactor walk)', () => {
  it('masks new String(email), new String(text with a card) and new Number(card digits) like their primitives, through pino', () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile();
    const digits = c.card.replace(/\D/g, '');
    logger.info({ customer: { email: new String(c.email) }, note: new String(`card ${c.card}`), n: new Number(digits) }, 'boxed');
    expect(lines()).toEqual([{ level: 30, customer: { email: mask.email(c.email) }, note: `card ${mask.card(c.card)}`, n: mask.cardDigits(c.card), msg: 'boxed' }]);
    expectNoLeak(bytes(), c);
  });

  it('masks new String(email) through winston', () => {
    const c = canaries();
    const { logger, bytes, lines } = winstonStream();
    logger.info('boxed', { customer: { email: new String(c.email) }, note: new String(`ssn ${c.ssn}`) });
    expect(lines()).toEqual([{ level: 'info', message: 'boxed', customer: { email: mask.email(c.email) }, note: `ssn ${mask.ssn(c.ssn)}` }]);
    expectNoLeak(bytes(), c);
  });
});

// Issue 8, item 3 (keys that hold personal data). The redactor must run the detectors on every
// object key and every Map key (`String(key)`) as it does on uncovered strings, and write the
// masked key (schema paths still match on the original key). Today keys are copied as they are.
describe('object keys and Map keys (redactor walk)', () => {
  it('masks personal data in object keys, Map keys and binding keys, through pino', () => {
    const c = canaries();
    const { logger, bytes, lines } = pinoFile();
    logger.child({ seen: { [c.ssn]: true } }).info({ counts: { [c.email]: 3 }, byCard: new Map([[c.card, 1]]) }, 'keys');
    expect(lines()).toEqual([{ level: 30, seen: { [mask.ssn(c.ssn)]: true }, counts: { [mask.email(c.email)]: 3 }, byCard: { [mask.card(c.card)]: 1 }, msg: 'keys' }]);
    expectNoLeak(bytes(), c);
  });

  it('masks personal data in object keys and Map keys, through winston', () => {
    const c = canaries();
    const { logger, bytes, lines } = winstonStream();
    logger.info('keys', { counts: { [c.email]: 3 }, byCard: new Map([[c.card, 1]]) });
    expect(lines()).toEqual([{ level: 'info', message: 'keys', counts: { [mask.email(c.email)]: 3 }, byCard: { [mask.card(c.card)]: 1 } }]);
    expectNoLeak(bytes(), c);
  });
});

// Issue 8, item 4 (credential key names). The redactor must censor every key for which
// `secretKeyMatcher(opts.keys)` from src/log/secret-keys.ts answers true, instead of comparing
// against its list of exact names: the values below are nothing any detector recognizes, so only
// the key name protects them. `authorType` and `tokens_count` must stay as they are.
describe('credential key names (redactor walk)', () => {
  const secrets = () => ({
    'x-auth-token': randomBytes(12).toString('hex'),
    'x-session-id': randomBytes(12).toString('hex'),
    'x-access-token': randomBytes(12).toString('hex'),
    'x-goog-api-key': randomBytes(12).toString('hex'),
    newPassword: randomBytes(12).toString('hex'),
    apiToken: randomBytes(12).toString('hex'),
    sessionToken: randomBytes(12).toString('hex'),
    secretKey: randomBytes(12).toString('hex'),
    auth: randomBytes(12).toString('hex'),
  });
  const censored = (s: Record<string, string>) => Object.fromEntries(Object.keys(s).map((k) => [k, '[REDACTED]']));

  it('censors every spelling of a credential name at any depth, through pino', () => {
    const s = secrets();
    const { logger, bytes, lines } = pinoFile();
    logger.info({ req: { headers: s }, authorType: 'admin', tokens_count: 12 }, 'credentials');
    expect(lines()).toEqual([{ level: 30, req: { headers: censored(s) }, authorType: 'admin', tokens_count: 12, msg: 'credentials' }]);
    expectNoLeak(bytes(), [], Object.values(s));
  });

  it('censors every spelling of a credential name at any depth, through winston', () => {
    const s = secrets();
    const { logger, bytes, lines } = winstonStream();
    logger.info('credentials', { req: { headers: s }, authorType: 'admin', tokens_count: 12 });
    expect(lines()).toEqual([{ level: 'info', message: 'credentials', req: { headers: censored(s) }, authorType: 'admin', tokens_count: 12 }]);
    expectNoLeak(bytes(), [], Object.values(s));
  });
});
