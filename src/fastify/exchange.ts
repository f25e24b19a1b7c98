// The Exchange for Fastify 5: where Fastify keeps the body, the query, the route pattern, the report and the request logger.
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FieldguardError } from '../errors.js';
import { mediaType, withSearch } from '../middleware/body.js';
import type { CommonConfig } from '../middleware/config.js';
import type { Exchange } from '../middleware/exchange.js';
import { readBody } from '../middleware/node-body.js';
import { defineLogger } from '../middleware/log-slot.js';
import { nodeFinished } from '../middleware/node-finish.js';
import type { RedactingLogger } from '../log/wrap.js';
import type { Report } from '../plan/walk.js';
import { guardSerialization } from './serialize.js';

const REPORT = Symbol.for('fieldguard.report');
const ANSWERED = Symbol.for('fieldguard.fastify.answered');
const LOG = Symbol.for('fieldguard.fastify.log');
const DEFAULT_REFUSALS: Pick<CommonConfig, 'errors' | 'errorFormat'> = Object.freeze({ errors: 'respond', errorFormat: 'fieldguard' });

/**
 * The Exchange of one Fastify request, for one hook. Fastify writes every answer — a serialized
 * object, a string, a Buffer, a stream — through the Node response, so the answer is transformed
 * there; `onValue` only puts the serialization of a value under a guard, so what a value throws while
 * Fastify serializes it is refused as `config` says. The body parsed by Fastify's content-type
 * parsers is `request.body`.
 */
export function fastifyExchange(
  request: FastifyRequest,
  reply: FastifyReply,
  config: Pick<CommonConfig, 'errors' | 'errorFormat'> = DEFAULT_REFUSALS,
  parsing?: PreParsing,
): Exchange<FastifyRequest> {
  return {
    native: request,
    req: request.raw,
    res: reply.raw,
    url: () => request.originalUrl,
    async readBody(limit) {
      // Before the preParsing stage Fastify's parser is still to read the stream: read here, it would wait for bytes that never come.
      if (parsing === undefined && beforeBody(request)) {
        throw new FieldguardError(
          'ERR_INVALID_OPTIONS',
          "a fieldguard guard ran in onRequest, before Fastify reads the body, so it cannot rewrite it; mount it on preParsing, preValidation or preHandler",
        );
      }
      const text = await readBody(request.raw, limit);
      if (parsing !== undefined) parsing.payload ??= text;
      return text;
    },
    finished: (listener) => nodeFinished(reply.raw, listener),
    body: () => request.body,
    setBody(value, text) {
      if (parsing !== undefined) {
        // In preParsing the rewritten bytes are the stream Fastify's parser reads next (the framing was rewritten to match).
        parsing.payload = value instanceof Readable ? value : text;
        return;
      }
      // A parser that left the body as text (a form, `parseAs: 'string'`) gets text back. A body no parser read
      // becomes what Fastify's own JSON parser would have made of it — an object for application/json, which
      // @fastify/reply-from re-encodes — and text for any other type (application/vnd.api+json, a form), which it
      // forwards as it is: an object of another type it cannot send at all.
      const before = request.body;
      const json = mediaType(request.raw.headers['content-type']) === 'application/json';
      request.body = typeof before === 'string' || (before === undefined && !json) ? text : value;
    },
    setQuery(value, search) {
      // @fastify/reply-from and @fastify/http-proxy forward the query of the raw URL; Fastify's logger prints it.
      request.raw.url = withSearch(request.raw.url ?? '/', search);
      Object.defineProperty(request, 'originalUrl', { value: withSearch(request.originalUrl, search), configurable: true });
      request.query = value;
    },
    route: () => request.routeOptions.url,
    report(r) {
      Object.defineProperty(request, REPORT, { value: r, configurable: true, writable: true });
    },
    logger(make) {
      // Fastify's own request logger becomes the redacting one, keeping the request id it binds; made on first use.
      // `reply.log` is the same request's logger (Fastify hands handlers both), so it is the redacting one too.
      defineLogger([request, reply], LOG, () => make().child({ reqId: request.id }) as RedactingLogger, true);
    },
    onValue(_transform, options) {
      // The value's bytes are transformed on the Node response; a guard that only observes them leaves Fastify's errors as they are.
      if (options?.observe !== true) guardSerialization(reply, config);
    },
    next: async () => undefined,
    answer(status, headers, body) {
      (reply as unknown as Record<symbol, boolean>)[ANSWERED] = true;
      void reply.code(status).headers(headers).send(body);
    },
    async fail(error) {
      throw error;
    },
  };
}

/** What a guard run as a preParsing hook hands Fastify's parser: the body it read, or the one it rewrote. */
export interface PreParsing {
  payload: string | Readable | undefined;
}

/** Whether Fastify has not come to this request's body yet: it sets the payload stream when the preParsing stage begins, after onRequest. */
function beforeBody(request: FastifyRequest): boolean {
  return !Object.getOwnPropertySymbols(request).some((s) => s.description === 'fastify.RequestPayloadStream');
}

/**
 * Resolves once a refusal a guard answered was sent (or the client went away). Fastify runs the next
 * hook and the handler unless the reply is sent when a hook resolves, and an async `onSend` hook of
 * the app's defers that: a handler behind a refusal would forward the body it refused.
 */
export async function answeredSent(reply: FastifyReply): Promise<boolean> {
  if ((reply as unknown as Record<symbol, boolean>)[ANSWERED] !== true) return false;
  const res = reply.raw;
  if (!res.writableEnded && !res.destroyed) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('finish', done);
        res.off('close', done);
        resolve();
      };
      res.on('finish', done);
      res.on('close', done);
    });
  }
  return true;
}

/**
 * The redacting logger `redactLogs` made for this request — whatever the app assigned to
 * `request.log` since — or `undefined` when no `redactLogs` hook ran for it.
 *
 * @example
 * ```ts
 * app.post('/orders', async (request) => { requestLog(request)?.info({ order: request.body }, 'received'); return { ok: true }; });
 * ```
 */
export function requestLog(request: FastifyRequest): RedactingLogger | undefined {
  return (request as unknown as Record<symbol, RedactingLogger | undefined>)[LOG];
}

/** The last report a fieldguard hook left on this request (counts by path and kind, never values), or `undefined`. */
export function reportOf(request: FastifyRequest): Report | undefined {
  return (request as unknown as Record<symbol, Report | undefined>)[REPORT];
}
