// fieldguard/koa: every middleware for Koa 2 and 3, each a behaviour of the core run over the Koa Exchange.
import type { Context, Middleware } from 'koa';
import type { LoggerLike, RedactingLogger } from '../log/wrap.js';
import type { CommonOptions } from '../middleware/config.js';
import { errorBehaviour, type ErrorHandlerOptions } from '../middleware/error-handler.js';
import type { Behaviour } from '../middleware/exchange.js';
import { logsBehaviour, type RedactLogsOptions } from '../middleware/logs.js';
import { maskBehaviour, type MaskOptions } from '../middleware/mask.js';
import { protectBehaviour, type ProtectOptions } from '../middleware/protect.js';
import type { Destinations } from '../destinations/define.js';
import type { FieldSchema } from '../schema/define.js';
import type { DestinationName } from '../schema/types.js';
import { scrubBehaviour, type ScrubOptions } from '../middleware/scrub.js';
import { detokenizeBehaviour, tokenizeBehaviour, type DetokenizeFieldsOptions, type DetokenizeRequest, type TokenizeFieldsOptions } from '../middleware/tokenize.js';
import type { Report } from '../plan/walk.js';
import { telemetryBehaviour, type DpTelemetryOptions, type TelemetryControl, type TelemetryEvent, type TelemetryMetric, type TelemetryRelease } from '../middleware/telemetry.js';
import { contextLog, koaExchange, REPORT_KEY } from './exchange.js';

export type { CommonOptions, DetokenizeRequest, ErrorHandlerOptions, LoggerLike, MaskOptions, ProtectOptions, RedactingLogger, RedactLogsOptions, Report, ScrubOptions, TokenizeFieldsOptions };
export type { DpTelemetryOptions, TelemetryControl, TelemetryEvent, TelemetryMetric, TelemetryRelease };
export { REPORT_KEY, contextLog };

/** Options of {@link detokenizeFields} for Koa: `authorize` and `actor` receive the context. */
export type KoaDetokenizeOptions<S extends FieldSchema = FieldSchema> = DetokenizeFieldsOptions<Context, S>;

function mount(name: string, behaviour: Behaviour<Context>): Middleware {
  const middleware: Middleware = (ctx, next) => behaviour(koaExchange(ctx, next));
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

/**
 * Data minimization for Koa 2 and 3: keeps only the fields `allow` selects (default: public
 * and internal), drops the rest and every field no tag covers — in the body and in the URL's
 * query — before the request goes on to a proxy, a handler, a queue. A URL whose path holds an
 * email, a card or a credential is refused. Refusals answer `{ error: { code, message, paths? } }`
 * (or are thrown with `errors: 'throw'`) and nothing is forwarded.
 *
 * Mount it after `@koa/bodyparser` (it also replaces `ctx.request.rawBody` and sets `ctx.req.body`
 * for connect-style proxies) or alone (it reads an unparsed JSON or form body itself). The report
 * is left on `ctx.state.fieldguard`.
 *
 * @example
 * ```ts
 * router.post('/vendor/orders', bodyParser(), scrubPII({ schema }), forwardToVendor);
 * ```
 */
export function scrubPII<S extends FieldSchema>(options: ScrubOptions<S>): Middleware {
  return mount('scrubPIIMiddleware', scrubBehaviour('scrubPII', options, arguments.length));
}

/**
 * Partial masking for Koa 2 and 3. With `on: 'response'` (default) it masks what the handler
 * answers in every form Koa allows — `ctx.body` objects and arrays, and strings, Buffers and
 * streams of a JSON type (or untyped JSON) — the guard against excessive data exposure
 * (OWASP API3:2023). Untagged strings are scanned by the detectors. With `on: 'request'` it masks
 * the incoming body.
 *
 * @example
 * ```ts
 * router.get('/orders/:id', maskFields({ schema }), (ctx) => { ctx.body = order; });
 * // { customer: { email: 'j***@example.com' }, card: '**** **** **** 1111' }
 * ```
 */
export function maskFields<S extends FieldSchema>(options: MaskOptions<S>): Middleware {
  return mount('maskFieldsMiddleware', maskBehaviour('maskFields', options, arguments.length));
}

/**
 * Reversible protection for Koa: replaces the selected fields (default: personal and above)
 * with vault tokens — the incoming body by default, or with `on: 'response'` what the handler
 * answers. One vault round trip per request. If the vault is down or slow the answer is 503
 * `ERR_VAULT_UNAVAILABLE` and nothing is forwarded.
 *
 * @example
 * ```ts
 * router.post('/crm/contacts', bodyParser(), tokenizeFields({ schema, vault, namespace: 'crm' }), forwardToCrm);
 * ```
 */
export function tokenizeFields<S extends FieldSchema>(options: TokenizeFieldsOptions<S>): Middleware {
  return mount('tokenizeFieldsMiddleware', tokenizeBehaviour('tokenizeFields', options, arguments.length));
}

/**
 * Turns tokens back into values for an authorized caller — by default in what the handler
 * answers. `authorize(ctx, { paths, kinds, purpose })` must return true, else 403
 * `ERR_DETOKENIZE_FORBIDDEN`. Only tokens of this namespace, at a position of their kind, resolve;
 * every resolution and refusal is an audit event (who, why, which paths; never a value).
 *
 * @example
 * ```ts
 * router.get('/support/orders/:id', detokenizeFields({ schema, vault, purpose: 'support',
 *   authorize: (ctx) => ctx.get('x-role') === 'support', actor: (ctx) => ctx.get('x-user') || 'unknown' }), handler);
 * ```
 */
export function detokenizeFields<S extends FieldSchema>(options: KoaDetokenizeOptions<S>): Middleware {
  return mount('detokenizeFieldsMiddleware', detokenizeBehaviour<Context, S>('detokenizeFields', options, arguments.length));
}

/**
 * A destination's whole policy in front of a route: every field gets the action the destination
 * declared for its path, kind or level, in one walk and one vault batch; the body and the query;
 * each request feeds the runtime inventory (`flows()`). Refusals answer like scrubPII's.
 *
 * @example
 * ```ts
 * router.post('/analytics/events', bodyParser(), protect({ schema, destinations, destination: 'analytics' }), forward);
 * ```
 */
export function protect<S extends FieldSchema, D extends Destinations, N extends DestinationName<D>>(options: ProtectOptions<S, D, N>): Middleware {
  return mount('protectMiddleware', protectBehaviour('protect', options, arguments.length));
}

/**
 * Request logging without personal data: one line per request with method, route pattern (never
 * the matched URL), status, latency, sizes and destination; the query redacted; bodies and
 * headers only with `bodies: true`, and only through the redactor. An error thrown downstream is
 * logged redacted and made safe to print before it is thrown on. `contextLog(ctx)` (also `ctx.log`)
 * is a child logger that redacts everything logged through it.
 *
 * @example
 * ```ts
 * app.use(redactLogs({ schema, logger: pino(), destination: 'analytics' }));
 * app.use((ctx) => { contextLog(ctx)?.info({ order: ctx.request.body }, 'received'); ctx.status = 202; });
 * ```
 */
export function redactLogs(options: RedactLogsOptions): Middleware {
  return mount('redactLogsMiddleware', logsBehaviour('redactLogs', options, arguments.length));
}

/**
 * A Koa middleware, mounted first, that answers body-parser and fieldguard errors in fieldguard's
 * shape (or RFC 9457 with `format: 'problem'`). co-body's JSON error carries the raw body
 * (`err.body`) and quotes it in its message; this one answers 400 `ERR_INVALID_JSON` instead and
 * lets other errors through.
 *
 * @example
 * ```ts
 * app.use(errorHandler());
 * app.use(bodyParser());
 * ```
 */
export function errorHandler(options?: ErrorHandlerOptions): Middleware {
  const handle = errorBehaviour('errorHandler', options ?? {}, arguments.length);
  return async function fieldguardErrorHandler(ctx, next) {
    try {
      await next();
    } catch (err) {
      if (!handle(koaExchange(ctx, next), err)) throw err;
    }
  };
}

/**
 * Differentially private telemetry for Koa: each finished request becomes one value per metric,
 * held in memory for one `window`; at its end the destination receives only noisy aggregates (discrete
 * Laplace, ε per window split over the metrics), never an event. `flush()` releases now, `close()`
 * releases and stops. Privacy is per event, or per subject with `subject` and `contributions`.
 *
 * @example
 * ```ts
 * const telemetry = dpTelemetry({ destination: 'https://metrics.example/v1/aggregates', epsilon: 1, window: 60_000,
 *   metrics: { requests: { type: 'count' }, latency: { type: 'mean', value: (e) => e.durationMs, lower: 0, upper: 2000 } } });
 * app.use(telemetry);
 * ```
 */
export function dpTelemetry(options: DpTelemetryOptions<Context>): Middleware & TelemetryControl {
  const { behaviour, control } = telemetryBehaviour<Context>('dpTelemetry', options);
  return Object.assign(mount('dpTelemetryMiddleware', behaviour), control);
}
