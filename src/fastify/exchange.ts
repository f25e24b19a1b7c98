// The Exchange for Fastify 5: where Fastify keeps the body, the query, the route pattern, the report and the request logger.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mediaType, withSearch } from '../middleware/body.js';
import type { CommonConfig } from '../middleware/config.js';
import type { Exchange } from '../middleware/exchange.js';
import { readBody } from '../middleware/node-body.js';
import { nodeFinished } from '../middleware/node-finish.js';
import type { Report } from '../plan/walk.js';
import { guardSerialization } from './serialize.js';

const REPORT = Symbol.for('fieldguard.report');
const DEFAULT_REFUSALS: Pick<CommonConfig, 'errors' | 'errorFormat'> = Object.freeze({ errors: 'respond', errorFormat: 'fieldguard' });

/**
 * The Exchange of one Fastify request, for one hook. Fastify writes every answer — a serialized
 * object, a string, a Buffer, a stream — through the Node response, so the answer is transformed
 * there; `onValue` only puts the serialization of a value under a guard, so what a value throws while
 * Fastify serializes it is refused as `config` says. The body parsed by Fastify's content-type
 * parsers is `request.body`.
 */
export function fastifyExchange(request: FastifyRequest, reply: FastifyReply, config: Pick<CommonConfig, 'errors' | 'errorFormat'> = DEFAULT_REFUSALS): Exchange<FastifyRequest> {
  return {
    native: request,
    req: request.raw,
    res: reply.raw,
    url: () => request.originalUrl,
    readBody: (limit) => readBody(request.raw, limit),
    finished: (listener) => nodeFinished(reply.raw, listener),
    body: () => request.body,
    setBody(value, text) {
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
      let own: FastifyRequest['log'] | undefined;
      let assigned: FastifyRequest['log'] | undefined;
      const log: PropertyDescriptor = {
        configurable: true,
        enumerable: true,
        get: () => assigned ?? (own ??= make().child({ reqId: request.id }) as unknown as FastifyRequest['log']),
        set: (v: FastifyRequest['log']) => void (assigned = v),
      };
      Object.defineProperty(request, 'log', log);
      Object.defineProperty(reply, 'log', log);
    },
    onValue(_transform, options) {
      // The value's bytes are transformed on the Node response; a guard that only observes them leaves Fastify's errors as they are.
      if (options?.observe !== true) guardSerialization(reply, config);
    },
    next: async () => undefined,
    answer(status, headers, body) {
      void reply.code(status).headers(headers).send(body);
    },
    async fail(error) {
      throw error;
    },
  };
}

/** The last report a fieldguard hook left on this request (counts by path and kind, never values), or `undefined`. */
export function reportOf(request: FastifyRequest): Report | undefined {
  return (request as unknown as Record<symbol, Report | undefined>)[REPORT];
}
