// Percent-encoded values in log lines: a URL logged as it arrived (Fastify's own "request completed" line carries Node's IncomingMessage.url) is read decoded, through winston and pino alike.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createServer, type ServerResponse } from 'node:http';
import pino from 'pino';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
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
      expect(findLeaks({ line, text: redact.text(`GET /v/${seg} failed`) }, only), `${kind} ${_name}`).toEqual([]);
    }
  });

  it('writes the decoded text with the finding masked, and leaves encoded text without findings as it is', () => {
    const redact = redactor(undefined);
    expect(redact({ url: '/v/scrub-path/orders;ref=4111%201111%201111%201111' })).toBe('{"url":"/v/scrub-path/orders;ref=**** **** **** 1111"}');
    expect(redact.text('card=4111+1111+1111+1111')).toBe('card=**** **** **** 1111');
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
