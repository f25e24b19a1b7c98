// fieldguard/fastify: every middleware as a Fastify 5 hook, each a behaviour of the core run over the Fastify Exchange, and the plugin that reads `config.fieldguard`.
import { Readable } from 'node:stream';
import type { FastifyError, FastifyPluginCallback, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { pinoOptions, type PinoOptionsOptions } from '../log/pino.js';
import type { FieldSchema } from '../schema/define.js';
import { toFieldguardError } from '../errors.js';
import type { LoggerLike, RedactingLogger } from '../log/wrap.js';
import { resolveCommon, type CommonOptions } from '../middleware/config.js';
import { errorBehaviour, type ErrorHandlerOptions } from '../middleware/error-handler.js';
import type { Behaviour } from '../middleware/exchange.js';
import { logsBehaviour, type RedactLogsOptions } from '../middleware/logs.js';
import { maskBehaviour, type MaskOptions } from '../middleware/mask.js';
import { protectBehaviour, type ProtectOptions } from '../middleware/protect.js';
import type { Destinations } from '../destinations/define.js';
import type { DestinationName } from '../schema/types.js';
import { scrubBehaviour, type ScrubOptions } from '../middleware/scrub.js';
import { detokenizeBehaviour, tokenizeBehaviour, type DetokenizeFieldsOptions, type DetokenizeRequest, type TokenizeFieldsOptions } from '../middleware/tokenize.js';
import { peer } from '../peer.js';
import type { Report } from '../plan/walk.js';
import { answeredSent, fastifyExchange, reportOf, requestLog, type PreParsing } from './exchange.js';

export type { CommonOptions, PinoOptionsOptions, DetokenizeRequest, ErrorHandlerOptions, LoggerLike, MaskOptions, ProtectOptions, RedactingLogger, RedactLogsOptions, Report, ScrubOptions, TokenizeFieldsOptions };
export { reportOf, requestLog };

/**
 * A fieldguard guard: an async Fastify hook, for a route's `preHandler` (or `preValidation`, or
 * `preParsing`, where it reads the body itself and hands Fastify's parser the rewritten one) or its
 * `config.fieldguard` list. In `onRequest` it works on the query and the answer; a body it would have
 * to read there is refused with `ERR_INVALID_OPTIONS`, as Fastify's parser reads it later.
 */
export type FastifyGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | Readable | undefined>;

/** Options of {@link detokenizeFields} for Fastify: `authorize` and `actor` receive the request. */
export type FastifyDetokenizeOptions<S extends FieldSchema = FieldSchema> = DetokenizeFieldsOptions<FastifyRequest, S>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** fieldguard guards run as this route's last `preHandler` hooks, in order, when the {@link fieldguard} plugin is registered. */
    fieldguard?: readonly FastifyGuard[];
  }
}

function guard(name: string, behaviour: Behaviour<FastifyRequest>, options: CommonOptions): FastifyGuard {
  // The factory validated the options; how refusals are answered is read from them once, here.
  const config = resolveCommon(options);
  // Two declared parameters: Fastify takes an async hook of three for one that calls `done` (in onRequest, preHandler).
  const hook = async (request: FastifyRequest, reply: FastifyReply, ...rest: unknown[]): Promise<FastifyReply | Readable | undefined> => {
    // As a preParsing hook a guard is handed the payload stream, and hands Fastify's parser the body it rewrote.
    const parsing: PreParsing | undefined = rest[0] instanceof Readable ? { payload: undefined } : undefined;
    try {
      await behaviour(fastifyExchange(request, reply, config, parsing));
    } catch (e) {
      // `errors: 'throw'` hands the FieldguardError to Fastify's error handler; nothing of a foreign error is passed on.
      throw toFieldguardError(e);
    }
    // An answered refusal stops the route once it is sent: the handler (a proxy) never runs.
    if ((await answeredSent(reply)) || reply.sent) return reply;
    const body = parsing?.payload;
    return body === undefined ? undefined : typeof body === 'string' ? Readable.from([Buffer.from(body)]) : body;
  };
  Object.defineProperty(hook, 'name', { value: name });
  return hook;
}

/**
 * Data minimization for Fastify 5: keeps only the fields `allow` selects (default: public and
 * internal), drops the rest and every field no tag covers — in the body and in the URL's query —
 * before the handler runs, so `reply.from()` of @fastify/reply-from (or @fastify/http-proxy, which
 * forwards the raw URL's query and `request.body`) sends the vendor nothing else. A URL whose path
 * holds an email, a card or a credential is refused. Refusals answer `{ error: { code, message,
 * paths? } }` (or are thrown to the app's error handler with `errors: 'throw'`) and nothing is
 * forwarded. The report is `reportOf(request)`.
 *
 * @example
 * ```ts
 * app.post('/vendor/orders', { preHandler: scrubPII({ schema }) }, (request, reply) => reply.from('/orders'));
 * ```
 */
export function scrubPII<S extends FieldSchema>(options: ScrubOptions<S>): FastifyGuard {
  return guard('scrubPIIHook', scrubBehaviour('scrubPII', options, arguments.length), options);
}

/**
 * Partial masking for Fastify 5. With `on: 'response'` (default) it masks what the handler answers
 * in every form Fastify sends — a serialized object, a JSON string or Buffer, a stream of a JSON
 * type — on the Node response, after Fastify's serializers and `onSend` hooks (so a compressed
 * answer is read and re-sent uncompressed). With `on: 'request'` it masks the incoming body.
 *
 * @example
 * ```ts
 * app.get('/orders/:id', { preHandler: maskFields({ schema }) }, async () => order);
 * ```
 */
export function maskFields<S extends FieldSchema>(options: MaskOptions<S>): FastifyGuard {
  return guard('maskFieldsHook', maskBehaviour('maskFields', options, arguments.length), options);
}

/**
 * Reversible protection for Fastify: replaces the selected fields (default: personal and above)
 * with vault tokens — the incoming body and query by default, or with `on: 'response'` the answer.
 * A vault that is down answers 503 `ERR_VAULT_UNAVAILABLE` and nothing is forwarded.
 *
 * @example
 * ```ts
 * app.post('/crm/contacts', { preHandler: tokenizeFields({ schema, vault, namespace: 'crm' }) }, (request, reply) => reply.from('/contacts'));
 * ```
 */
export function tokenizeFields<S extends FieldSchema>(options: TokenizeFieldsOptions<S>): FastifyGuard {
  return guard('tokenizeFieldsHook', tokenizeBehaviour('tokenizeFields', options, arguments.length), options);
}

/**
 * Turns tokens back into values for an authorized caller — by default in the answer.
 * `authorize(request, { paths, kinds, purpose })` must return true, else 403
 * `ERR_DETOKENIZE_FORBIDDEN`; every resolution and refusal is an audit event.
 *
 * @example
 * ```ts
 * app.get('/support/orders/:id', { preHandler: detokenizeFields({ schema, vault, purpose: 'support',
 *   authorize: (request) => request.headers['x-role'] === 'support' }) }, handler);
 * ```
 */
export function detokenizeFields<S extends FieldSchema>(options: FastifyDetokenizeOptions<S>): FastifyGuard {
  return guard('detokenizeFieldsHook', detokenizeBehaviour<FastifyRequest, S>('detokenizeFields', options, arguments.length), options);
}

/**
 * A destination's whole policy in front of a route, in one walk and one vault batch; each request
 * feeds the runtime inventory (`flows()`). Refusals answer like scrubPII's.
 *
 * @example
 * ```ts
 * app.post('/analytics/events', { preHandler: protect({ schema, destinations, destination: 'analytics' }) }, forward);
 * ```
 */
export function protect<S extends FieldSchema, D extends Destinations, N extends DestinationName<D>>(options: ProtectOptions<S, D, N>): FastifyGuard {
  return guard('protectHook', protectBehaviour('protect', options, arguments.length), options);
}

/**
 * Request logging without personal data, through Fastify's own pino logger: pass `logger: app.log`
 * (built with `pinoOptions(schema)` from `fieldguard/pino`, it redacts every line Fastify writes
 * itself). Per request, `request.log` and `reply.log` become one child that redacts whatever is logged through it
 * (`requestLog(request)` returns it even after the app assigned another logger to `request.log`), and
 * one line is written when the answer finished: method, route pattern, status, latency, sizes,
 * destination, the query redacted; bodies and headers only with `bodies: true`.
 *
 * @example
 * ```ts
 * const app = Fastify({ logger: pinoOptions(schema), disableRequestLogging: true });
 * app.addHook('onRequest', redactLogs({ schema, logger: app.log }));
 * ```
 */
export function redactLogs(options: RedactLogsOptions): FastifyGuard {
  return guard('redactLogsHook', logsBehaviour('redactLogs', options, arguments.length), {});
}

/**
 * A Fastify error handler that answers Fastify's content-type parser errors and fieldguard's own in
 * fieldguard's shape (or RFC 9457 with `format: 'problem'`): Fastify's JSON parser error quotes the
 * malformed body, this one never does. Other errors are answered as Fastify would.
 *
 * @example
 * ```ts
 * app.setErrorHandler(errorHandler());
 * ```
 */
export function errorHandler(options?: ErrorHandlerOptions): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const handle = errorBehaviour('errorHandler', options ?? {}, arguments.length);
  return function fieldguardErrorHandler(error, request, reply) {
    if (handle(fastifyExchange(request, reply), error)) return reply;
    // Inside an error handler Fastify sends a value that is not an Error as the answer's body, with status 200:
    // a thrown `{ message, email }` would reach the client whole. It is answered as an Error that quotes nothing.
    if (!((error as unknown) instanceof Error)) void reply.code(500).send(Object.assign(new Error('the route failed'), { statusCode: 500 }));
    else void reply.send(error);
    return reply;
  };
}

/** Fastify's `logger` option in its object form. */
export type FastifyLoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

/**
 * Fastify's `logger` option from a FieldSchema: `pinoOptions(schema)` of `fieldguard/pino`, typed
 * for Fastify, so every line Fastify's pino writes — its own, `app.log`'s, `request.log`'s — is
 * redacted by schema, key name and detection. Spread your own pino options beside it (a `stream`, a
 * `level`); replacing `formatters`, `hooks` or `serializers.err` turns the redaction off.
 *
 * @example
 * ```ts
 * const app = Fastify({ logger: { ...loggerOptions(schema), level: 'info' }, disableRequestLogging: true });
 * ```
 */
export function loggerOptions(schema: FieldSchema | undefined, options: PinoOptionsOptions = {}): FastifyLoggerOptions {
  // pino's own options, which Fastify passes to pino as they are; only Fastify's type of `serializers.err` differs.
  return pinoOptions(schema, options) as unknown as FastifyLoggerOptions;
}

/** Options of the {@link fieldguard} plugin. */
export interface FieldguardPluginOptions {
  /** Guards run on every route of the registering scope before its own `config.fieldguard` ones. Default none. */
  readonly guards?: readonly FastifyGuard[];
}

/** The streamed types the plugin lets through unread, for their records to be rewritten in passing. */
const STREAMED_TYPES: readonly string[] = ['text/event-stream', 'application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'];

type FastifyPlugin = (plugin: FastifyPluginCallback<FieldguardPluginOptions>, meta: { fastify: string; name: string }) => FastifyPluginCallback<FieldguardPluginOptions>;

/**
 * The Fastify plugin that reads route-level options: the guards in a route's `config.fieldguard`
 * (and the plugin's own `guards`) run as its last `preHandler` hooks. It also registers a
 * pass-through parser for streamed bodies (`text/event-stream`, NDJSON types) unless one is
 * registered already: the request stream becomes `request.body`, so a guard rewrites its records
 * as `reply.from` pipes it to the vendor. Wrapped with fastify-plugin,
 * it applies to the scope that registers it and its children, and to routes declared after it —
 * never to a sibling scope.
 *
 * @example
 * ```ts
 * await app.register(fieldguard);
 * app.post('/vendor/orders', { config: { fieldguard: [scrubPII({ schema })] } }, (request, reply) => reply.from('/orders'));
 * ```
 */
export const fieldguard: FastifyPluginCallback<FieldguardPluginOptions> = peer<FastifyPlugin>('fastify-plugin', '^5.0.0', 'fieldguard/fastify')(
  function fieldguardPlugin(app, options, done) {
    const scoped = options.guards ?? [];
    // Streamed bodies (server-sent events, NDJSON) are left unread by Fastify: the request stream itself
    // becomes the body, so a guard rewrites its records as the forwarder (reply.from) pipes it on.
    for (const type of STREAMED_TYPES) {
      if (!app.hasContentTypeParser(type)) app.addContentTypeParser(type, (_request, payload, parsed) => parsed(null, payload));
    }
    app.addHook('onRoute', (route) => {
      const own = route.config?.fieldguard ?? [];
      if (scoped.length === 0 && own.length === 0) return;
      const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
      route.preHandler = [...existing, ...scoped, ...own] as typeof existing;
    });
    done();
  },
  { fastify: '5.x', name: 'fieldguard' },
);

export default fieldguard;
