// fieldguard/web: every middleware over Web-standard Request/Response — handler wrappers for Next.js route handlers, Hono, Deno, Bun, workers.
import type { LoggerLike, RedactingLogger } from '../log/wrap.js';
import { resolveCommon, type CommonOptions } from '../middleware/config.js';
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
import { counted, reportOf, requestLog, setQueryRead, setRoute, startCall, webExchange, type WebHandler } from './exchange.js';

export type { CommonOptions, DetokenizeRequest, ErrorHandlerOptions, LoggerLike, MaskOptions, ProtectOptions, RedactingLogger, RedactLogsOptions, Report, ScrubOptions, TokenizeFieldsOptions, WebHandler };
export { reportOf, requestLog };
export { json } from './json.js';

/**
 * A fieldguard guard over Web-standard handlers: it wraps a `(request, ...args) => Response` handler
 * into one of the same shape, which rewrites the Request before the handler sees it and the Response
 * before it is returned. Guards compose: `maskFields(o)(scrubPII(o)(handler))`, or {@link compose}.
 */
export type WebGuard = <Args extends unknown[]>(handler: WebHandler<Args>) => (request: Request, ...args: Args) => Promise<Response>;

/** Options of {@link detokenizeFields} for Web handlers: `authorize` and `actor` receive the Request. */
export type WebDetokenizeOptions<S extends FieldSchema = FieldSchema> = DetokenizeFieldsOptions<Request, S>;

function guard(name: string, behaviour: Behaviour<Request>, options: CommonOptions): WebGuard {
  // The factory validated the options; the limits and error format are read from them once, here.
  const config = resolveCommon(options);
  return <Args extends unknown[]>(handler: WebHandler<Args>) => {
    const guarded = async (request: Request, ...args: Args): Promise<Response> => {
      const call = startCall(request);
      try {
        await behaviour(webExchange(call, handler, args, config));
      } catch (e) {
        // Thrown on (`errors: 'throw'`, or what the handler threw): the request line still gets written.
        const status = typeof (e as { status?: unknown } | null)?.status === 'number' ? (e as { status: number }).status : 500;
        for (const l of call.finished) l({ status, bytes: 0, aborted: false });
        throw e;
      }
      return counted(call.response ?? new Response(null, { status: 500 }), call.finished);
    };
    Object.defineProperty(guarded, 'name', { value: name });
    return guarded;
  };
}

/**
 * Data minimization for Web-standard handlers: keeps only the fields `allow` selects (default:
 * public and internal), drops the rest and every field no tag covers — in the body (JSON or form,
 * read here with the limit; gzip and deflate decompressed, other encodings refused) and in the URL's
 * query — so the handler gets a Request that carries nothing else, ready to `fetch` to a vendor. A
 * URL whose path holds an email, a card or a credential is refused. Refusals answer
 * `{ error: { code, message, paths? } }` (or are thrown with `errors: 'throw'`) and the handler is
 * never called. The report is `reportOf(request)`.
 *
 * @example
 * ```ts
 * export const POST = scrubPII({ schema })(async (request) =>
 *   fetch(`${VENDOR}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() }));
 * ```
 */
export function scrubPII<S extends FieldSchema>(options: ScrubOptions<S>): WebGuard {
  return guard('scrubPIIHandler', scrubBehaviour('scrubPII', options, arguments.length), options);
}

/**
 * Partial masking for Web-standard handlers. With `on: 'response'` (default) it masks the Response
 * the handler returns when it is JSON (or untyped and starts like JSON): read up to the limit
 * (gzip and deflate decompressed), masked, and rebuilt with a matching Content-Length and no
 * Content-Encoding or ETag. Anything it cannot read answers 500 instead. With `on: 'request'` it
 * masks the incoming body.
 *
 * @example
 * ```ts
 * export const GET = maskFields({ schema })(async () => Response.json(order));
 * ```
 */
export function maskFields<S extends FieldSchema>(options: MaskOptions<S>): WebGuard {
  return guard('maskFieldsHandler', maskBehaviour('maskFields', options, arguments.length), options);
}

/**
 * Reversible protection for Web-standard handlers: replaces the selected fields (default: personal
 * and above) with vault tokens — the incoming body and query by default, or with `on: 'response'`
 * the answer. A vault that is down answers 503 `ERR_VAULT_UNAVAILABLE` and the handler is not called.
 *
 * @example
 * ```ts
 * export const POST = tokenizeFields({ schema, vault, namespace: 'crm' })(forwardToCrm);
 * ```
 */
export function tokenizeFields<S extends FieldSchema>(options: TokenizeFieldsOptions<S>): WebGuard {
  return guard('tokenizeFieldsHandler', tokenizeBehaviour('tokenizeFields', options, arguments.length), options);
}

/**
 * Turns tokens back into values for an authorized caller — by default in the answer.
 * `authorize(request, { paths, kinds, purpose })` must return true, else 403
 * `ERR_DETOKENIZE_FORBIDDEN`; every resolution and refusal is an audit event.
 *
 * @example
 * ```ts
 * export const GET = detokenizeFields({ schema, vault, purpose: 'support',
 *   authorize: (request) => request.headers.get('x-role') === 'support' })(loadOrder);
 * ```
 */
export function detokenizeFields<S extends FieldSchema>(options: WebDetokenizeOptions<S>): WebGuard {
  return guard('detokenizeFieldsHandler', detokenizeBehaviour<Request, S>('detokenizeFields', options, arguments.length), options);
}

/**
 * A destination's whole policy in front of a handler, in one walk and one vault batch; each request
 * feeds the runtime inventory (`flows()`). Refusals answer like scrubPII's.
 *
 * @example
 * ```ts
 * export const POST = protect({ schema, destinations, destination: 'analytics' })(forwardToAnalytics);
 * ```
 */
export function protect<S extends FieldSchema, D extends Destinations, N extends DestinationName<D>>(options: ProtectOptions<S, D, N>): WebGuard {
  return guard('protectHandler', protectBehaviour('protect', options, arguments.length), options as unknown as ProtectOptions);
}

/**
 * Request logging without personal data: one line per request, when the answer's body was read to
 * its end, with method, route pattern, status, latency, sizes and destination; the query redacted;
 * bodies and headers only with `bodies: true`. `requestLog(request)` is a child logger that redacts
 * everything logged through it.
 *
 * @example
 * ```ts
 * export const POST = redactLogs({ schema, logger: pino() })(async (request) => {
 *   requestLog(request)?.info({ order: await request.json() }, 'received');
 *   return new Response(null, { status: 202 });
 * });
 * ```
 */
export function redactLogs(options: RedactLogsOptions): WebGuard {
  return guard('redactLogsHandler', logsBehaviour('redactLogs', options, arguments.length), {});
}

/**
 * Several guards as one, outermost first: `compose(redactLogs(o), scrubPII(o))(handler)` is
 * `redactLogs(o)(scrubPII(o)(handler))`.
 *
 * @example
 * ```ts
 * export const POST = compose(maskFields({ schema }), scrubPII({ schema }))(forward);
 * ```
 */
export function compose(...guards: readonly WebGuard[]): WebGuard {
  return <Args extends unknown[]>(handler: WebHandler<Args>) => {
    let h: WebHandler<Args> = handler;
    for (let i = guards.length - 1; i >= 0; i--) h = guards[i]!(h);
    return h as (request: Request, ...args: Args) => Promise<Response>;
  };
}

/** The part of a Hono-style context a {@link middleware} uses: the Web Request it carries and the Response it answers with. */
export interface WebContext {
  readonly req: { raw: Request; readonly routePath?: string; readonly valid?: unknown };
  res: Response | undefined;
}

/**
 * A guard as a middleware for frameworks whose context carries the Web Request and Response
 * (Hono's `app.use`): the rest of the chain runs as the guarded handler, with `c.req.raw` replaced
 * by the rewritten Request, and `c.res` replaced by the guarded Response.
 *
 * @example
 * ```ts
 * app.use('/vendor/*', middleware(scrubPII({ schema })));
 * ```
 */
export function middleware(webGuard: WebGuard): (c: WebContext, next: () => Promise<void>) => Promise<void> {
  return async function fieldguardMiddleware(c, next) {
    const original = c.req.raw;
    if (typeof c.req.routePath === 'string') setRoute(original, c.req.routePath);
    // Hono keeps what a validator read (c.req.valid): a query read before the guard would reach the handler as it was.
    if (typeof c.req.valid === 'function' && (c.req.valid as (target: string) => unknown).call(c.req, 'query') !== undefined) setQueryRead(original);
    const guarded = webGuard(async (request: Request) => {
      c.req.raw = request;
      await next();
      return c.res ?? new Response(null, { status: 404 });
    });
    const response = await guarded(original);
    // Hono merges the old answer's headers into a new one (a stale Content-Length, ETag); cleared first, it takes the new one as it is.
    c.res = undefined;
    c.res = response;
  };
}

/**
 * An error handler for Hono's `app.onError` (or any `(error, context) => Response` hook): it answers
 * fieldguard's own refusals — those a guard hands over with `errors: 'throw'` — in fieldguard's
 * shape, or RFC 9457 with `format: 'problem'`, and returns `undefined` for any other error, which
 * the app answers itself. The answer never quotes the request.
 *
 * @example
 * ```ts
 * const answer = errorHandler({ format: 'problem' });
 * app.onError((err, c) => answer(err, c) ?? c.text('Internal Server Error', 500));
 * ```
 */
export function errorHandler(options?: ErrorHandlerOptions): (error: unknown, context: { readonly req: { readonly raw: Request } }) => Response | undefined {
  const handle = errorBehaviour('errorHandler', options ?? {}, arguments.length);
  const config = resolveCommon({});
  return function fieldguardErrorHandler(error, context) {
    const call = startCall(context.req.raw);
    // The exchange of the failed request, to answer on: no handler runs behind it.
    if (!handle(webExchange(call, () => new Response(null, { status: 500 }), [], config), error)) return undefined;
    return call.response;
  };
}
