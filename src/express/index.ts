// fieldguard/express: every middleware for Express 4 and 5, each a behaviour of the core run over the Express Exchange.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { toFieldguardError } from '../errors.js';
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
import { expressExchange, REPORT_KEY, requestLog } from './exchange.js';

export type { CommonOptions, DetokenizeRequest, ErrorHandlerOptions, LoggerLike, MaskOptions, ProtectOptions, RedactingLogger, RedactLogsOptions, Report, ScrubOptions, TokenizeFieldsOptions };
export type { DpTelemetryOptions, TelemetryControl, TelemetryEvent, TelemetryMetric, TelemetryRelease };
export { REPORT_KEY, requestLog };

/** Options of {@link detokenizeFields} for Express: `authorize` and `actor` receive the request. */
export type ExpressDetokenizeOptions<S extends FieldSchema = FieldSchema> = DetokenizeFieldsOptions<Request, S>;

function mount(name: string, behaviour: Behaviour<Request>): RequestHandler {
  const middleware: RequestHandler = (req, res, next) => {
    // Express 4 does not catch a rejected promise; nothing of a foreign error is passed on.
    behaviour(expressExchange(req, res, next)).catch((e: unknown) => next(toFieldguardError(e)));
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

/**
 * Data minimization for Express 4 and 5: keeps only the fields `allow` selects (default: public
 * and internal), drops the rest and every field no tag covers — in the body and in the URL's
 * query — before the request goes on to a proxy, a handler, a queue. A URL whose path holds an
 * email, a card or a credential is refused. Refusals answer `{ error: { code, message, paths? } }`
 * (or go to `next(err)` with `errors: 'next'`) and nothing is forwarded.
 *
 * Mount it after `express.json()` / `express.urlencoded()` (or alone: it reads an unparsed JSON
 * or form body itself) and before `createProxyMiddleware({ on: { proxyReq: fixRequestBody } })`.
 * The report is left on `res.locals.fieldguard`.
 *
 * @example
 * ```ts
 * app.post('/vendor/orders', express.json(), scrubPII({ schema }),
 *   createProxyMiddleware({ target: VENDOR, on: { proxyReq: fixRequestBody } }));
 * ```
 */
export function scrubPII<S extends FieldSchema>(options: ScrubOptions<S>): RequestHandler {
  return mount('scrubPIIMiddleware', scrubBehaviour('scrubPII', options, arguments.length));
}

/**
 * Partial masking for Express 4 and 5. With `on: 'response'` (default) it masks what the handler
 * answers in every form Express allows — `res.json`, `res.send`, `res.jsonp`, `res.write`/`res.end`
 * and piped streams of a JSON type (or untyped JSON) — the guard against excessive data exposure
 * (OWASP API3:2023). Untagged strings are scanned by the detectors. With `on: 'request'` it masks
 * the incoming body.
 *
 * @example
 * ```ts
 * app.get('/orders/:id', maskFields({ schema }), (req, res) => res.json(order));
 * // { customer: { email: 'j***@example.com' }, card: '**** **** **** 1111' }
 * ```
 */
export function maskFields<S extends FieldSchema>(options: MaskOptions<S>): RequestHandler {
  return mount('maskFieldsMiddleware', maskBehaviour('maskFields', options, arguments.length));
}

/**
 * Reversible protection for Express: replaces the selected fields (default: personal and above)
 * with vault tokens — the incoming body by default, or with `on: 'response'` what the handler
 * answers. One vault round trip per request. If the vault is down or slow the answer is 503
 * `ERR_VAULT_UNAVAILABLE` and nothing is forwarded.
 *
 * @example
 * ```ts
 * app.post('/crm/contacts', express.json(), tokenizeFields({ schema, vault, namespace: 'crm' }), proxyToCrm);
 * ```
 */
export function tokenizeFields<S extends FieldSchema>(options: TokenizeFieldsOptions<S>): RequestHandler {
  return mount('tokenizeFieldsMiddleware', tokenizeBehaviour('tokenizeFields', options, arguments.length));
}

/**
 * Turns tokens back into values for an authorized caller — by default in what the handler
 * answers. `authorize(req, { paths, kinds, purpose })` must return true, else 403
 * `ERR_DETOKENIZE_FORBIDDEN`. Only tokens of this namespace, at a position of their kind, resolve;
 * every resolution and refusal is an audit event (who, why, which paths; never a value).
 *
 * @example
 * ```ts
 * app.get('/support/orders/:id', detokenizeFields({ schema, vault, purpose: 'support',
 *   authorize: (req) => req.get('x-role') === 'support', actor: (req) => req.get('x-user') ?? 'unknown' }), handler);
 * ```
 */
export function detokenizeFields<S extends FieldSchema>(options: ExpressDetokenizeOptions<S>): RequestHandler {
  return mount('detokenizeFieldsMiddleware', detokenizeBehaviour<Request, S>('detokenizeFields', options, arguments.length));
}

/**
 * A destination's whole policy in front of a route: every field gets the action the destination
 * declared for its path, kind or level, in one walk and one vault batch; the body and the query;
 * each request feeds the runtime inventory (`flows()`). Refusals answer like scrubPII's.
 *
 * @example
 * ```ts
 * app.post('/analytics/events', express.json(), protect({ schema, destinations, destination: 'analytics' }), proxyToAnalytics);
 * ```
 */
export function protect<S extends FieldSchema, D extends Destinations, N extends DestinationName<D>>(options: ProtectOptions<S, D, N>): RequestHandler {
  return mount('protectMiddleware', protectBehaviour('protect', options, arguments.length));
}

/**
 * Request logging without personal data: one line per request with method, route pattern (never
 * the matched URL), status, latency, sizes and destination; the query redacted; bodies and
 * headers only with `bodies: true`, and only through the redactor. `requestLog(req)` (also
 * `req.log`) is a child logger that redacts everything logged through it.
 *
 * @example
 * ```ts
 * app.use(redactLogs({ schema, logger: pino(), destination: 'analytics' }));
 * app.post('/orders', (req, res) => { requestLog(req)?.info({ order: req.body }, 'received'); res.sendStatus(202); });
 * ```
 */
export function redactLogs(options: RedactLogsOptions): RequestHandler {
  return mount('redactLogsMiddleware', logsBehaviour('redactLogs', options, arguments.length));
}

/**
 * An Express error handler, mounted last, that answers body-parser and fieldguard errors in
 * fieldguard's shape (or RFC 9457 with `format: 'problem'`). body-parser's own JSON error quotes the
 * malformed body; this one never does. Other errors go on to the next handler.
 *
 * @example
 * ```ts
 * app.use(errorHandler({ format: 'problem' }));
 * ```
 */
export function errorHandler(options?: ErrorHandlerOptions): ErrorRequestHandler {
  const handle = errorBehaviour('errorHandler', options ?? {}, arguments.length);
  return function fieldguardErrorHandler(err: unknown, req, res, next) {
    if (!handle(expressExchange(req, res, next), err)) next(err);
  };
}

/**
 * Differentially private telemetry for Express: each finished request becomes one value per metric,
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
export function dpTelemetry(options: DpTelemetryOptions<Request>): RequestHandler & TelemetryControl {
  const { behaviour, control } = telemetryBehaviour<Request>('dpTelemetry', options);
  return Object.assign(mount('dpTelemetryMiddleware', behaviour), control);
}
