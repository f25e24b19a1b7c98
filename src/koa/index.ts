// Koa adapters (2 and 3): translate ctx to fieldguard's request shape and back, nothing else.
import type { Context, Middleware } from 'koa';
import { FieldguardError, toFieldguardError } from '../errors.js';
import { parserError } from '../middleware/answer.js';
import { maskBehaviour, type MaskOptions } from '../middleware/mask.js';
import { reframe, withSearch } from '../middleware/request.js';
import { scrubBehaviour, type RequestBehaviour, type ScrubOptions } from '../middleware/scrub.js';
import type { PlanResult, Report } from '../plan/walk.js';
import {
  detokenizeBehaviour,
  tokenizeBehaviour,
  type DetokenizeFieldsOptions,
  type DetokenizeRequest,
  type TokenizeFieldsOptions,
  type VaultBehaviour,
} from '../middleware/tokenize.js';

import { countBytes, logsBehaviour, sanitizeError, type RedactLogsOptions } from '../middleware/logs.js';
import { protectBehaviour, type ProtectOptions } from '../middleware/protect.js';
import type { LoggerLike } from '../log/wrap.js';

export type { MaskOptions, ScrubOptions, Report, TokenizeFieldsOptions, DetokenizeRequest, RedactLogsOptions, LoggerLike, ProtectOptions };

declare module 'koa' {
  interface ExtendableContext {
    /** A child logger that redacts everything logged through it (set by `redactLogs`). */
    log?: LoggerLike;
  }
}

/** Options of {@link detokenizeFields} for Koa: `authorize` and `actor` receive the context. */
export type KoaDetokenizeOptions = DetokenizeFieldsOptions<Context>;

/** Where the middlewares leave the last report: `ctx.state.fieldguard`. */
export const REPORT_KEY = 'fieldguard';

/** The fields body parsers add to Koa's request, and the Node request proxies read. */
interface ParsedRequest {
  body?: unknown;
  rawBody?: unknown;
}

function refuse(ctx: Context, cause: unknown): void {
  const error = toFieldguardError(cause);
  ctx.status = error.status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = error.toJSON();
}

/** Rewrites the request through `behaviour`; returns false (after answering the refusal) when it must stop. */
async function rewriteRequest(ctx: Context, behaviour: RequestBehaviour): Promise<boolean> {
  const request = ctx.request as Context['request'] & ParsedRequest;
  let r: Awaited<ReturnType<RequestBehaviour['handle']>>;
  try {
    r = await behaviour.handle({ raw: ctx.req, body: request.body, query: ctx.query });
  } catch (e) {
    refuse(ctx, e);
    return false;
  }
  if (r.body !== undefined) {
    request.body = r.body.value;
    reframe(ctx.req.headers, r.body.text);
    // The parser's raw text would still carry what was removed.
    request.rawBody = r.body.text;
    // Connect-style proxies (http-proxy-middleware through koa-connect) forward `req.body`.
    (ctx.req as typeof ctx.req & ParsedRequest).body = r.body.value;
  }
  if (r.query !== undefined) {
    ctx.querystring = r.query.search;
    ctx.originalUrl = withSearch(ctx.originalUrl, r.query.search);
    ctx.request.originalUrl = ctx.originalUrl;
  }
  ctx.state[REPORT_KEY] = r.report;
  return true;
}

function requestMiddleware(name: string, behaviour: RequestBehaviour): Middleware {
  const middleware: Middleware = async (ctx, next) => {
    if (await rewriteRequest(ctx, behaviour)) await next();
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

/** The JSON body of a Koa response, or undefined when it is not JSON (streams, HTML, empty). Malformed JSON text is refused. */
function jsonBody(ctx: Context): { ok: true; body: unknown } | { ok: false } {
  const body: unknown = ctx.body;
  if (body === null || body === undefined) return { ok: false };
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (ctx.response.is('json') === false) return { ok: false };
    try {
      return { ok: true, body: JSON.parse(body.toString()) as unknown };
    } catch {
      refuse(ctx, undefined);
      return { ok: false };
    }
  }
  if (typeof body !== 'object' || typeof (body as { pipe?: unknown }).pipe === 'function') return { ok: false };
  return { ok: true, body };
}

/** Transforms `ctx.body` after downstream ran; a failure answers the error instead. */
async function transformBody(ctx: Context, transform: (body: unknown) => PlanResult | Promise<PlanResult>): Promise<void> {
  const found = jsonBody(ctx);
  if (!found.ok) return;
  try {
    const result = await transform(found.body);
    ctx.state[REPORT_KEY] = result.report;
    ctx.body = result.value;
  } catch (e) {
    refuse(ctx, e);
  }
}

function vaultMiddleware(name: string, behaviour: VaultBehaviour<Context>): Middleware {
  const middleware: Middleware = async (ctx, next) => {
    let context: Awaited<ReturnType<VaultBehaviour<Context>['authorize']>>;
    try {
      context = await behaviour.authorize(ctx);
    } catch (e) {
      refuse(ctx, e);
      return;
    }
    if (behaviour.on === 'request') {
      if (await rewriteRequest(ctx, behaviour.request(context))) await next();
      return;
    }
    await next();
    await transformBody(ctx, (body) => behaviour.response(body, context));
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

/**
 * Reversible protection for Koa: replaces the selected fields (default: personal and above) with
 * vault tokens — the incoming body by default, or `ctx.body` with `on: 'response'`. One vault
 * round trip per request; a failing vault answers 503 `ERR_VAULT_UNAVAILABLE` and nothing
 * downstream runs.
 *
 * @example
 * ```ts
 * app.use(tokenizeFields({ schema, vault, namespace: 'crm' }));
 * ```
 */
export function tokenizeFields(options: TokenizeFieldsOptions): Middleware {
  return vaultMiddleware('tokenizeFieldsMiddleware', tokenizeBehaviour<Context>('tokenizeFields', options));
}

/**
 * Turns tokens back into values for an authorized caller — by default in `ctx.body` after
 * downstream ran. `authorize(ctx, { paths, kinds, purpose })` must return true, else 403
 * `ERR_DETOKENIZE_FORBIDDEN`. Every resolution and refusal is audited; unknown tokens stay.
 *
 * @example
 * ```ts
 * app.use(detokenizeFields({ schema, vault, purpose: 'support', authorize: (ctx) => ctx.state.user?.role === 'support' }));
 * ```
 */
export function detokenizeFields(options: KoaDetokenizeOptions): Middleware {
  return vaultMiddleware('detokenizeFieldsMiddleware', detokenizeBehaviour<Context>('detokenizeFields', options));
}

/**
 * Data minimization for Koa 2 and 3: keeps only the fields `allow` selects (default: public and
 * internal), drops the rest and every field no tag covers. Works after `@koa/bodyparser` (it also
 * replaces `ctx.request.rawBody`) or alone (it reads an unparsed JSON or form body itself). The
 * scrubbed body is also set on `ctx.req.body`, which http-proxy-middleware's `fixRequestBody`
 * forwards. Refusals set `ctx.status` and `ctx.body = { error: { code, message, paths? } }`;
 * nothing downstream runs. The report is left on `ctx.state.fieldguard`.
 *
 * @example
 * ```ts
 * router.post('/vendor/orders', bodyParser(), scrubPII({ schema }), forwardToVendor);
 * ```
 */
export function scrubPII(options: ScrubOptions): Middleware {
  return requestMiddleware('scrubPIIMiddleware', scrubBehaviour('scrubPII', options));
}

/**
 * Partial masking for Koa 2 and 3. With `on: 'response'` (default) it masks `ctx.body` after the
 * downstream middleware ran — objects and arrays, and JSON strings or Buffers when the response
 * type is JSON; streams pass untouched. With `on: 'request'` it masks the incoming body.
 *
 * @example
 * ```ts
 * app.use(maskFields({ schema }));
 * ```
 */
export function maskFields(options: MaskOptions): Middleware {
  const behaviour = maskBehaviour('maskFields', options);
  if (behaviour.on === 'request') return requestMiddleware('maskFieldsMiddleware', behaviour.request);
  return async function maskFieldsMiddleware(ctx, next) {
    await next();
    await transformBody(ctx, (body) => behaviour.response(body));
  };
}

/**
 * A Koa middleware, mounted first, that answers body-parser and fieldguard errors in fieldguard's
 * shape. co-body's JSON error carries the raw body (`err.body`) and quotes it in its message, which
 * Koa's default error handler would print; this one answers 400 `ERR_INVALID_JSON` instead and
 * lets other errors through.
 *
 * @example
 * ```ts
 * app.use(errorHandler());
 * app.use(bodyParser());
 * ```
 */
export function errorHandler(): Middleware {
  return async function fieldguardErrorHandler(ctx, next) {
    try {
      await next();
    } catch (err) {
      const known = parserError(err) ?? (err instanceof FieldguardError ? err : undefined);
      if (known === undefined) throw err;
      refuse(ctx, known);
    }
  };
}

/**
 * Request logging without personal data, for Koa: one line per request (method, route pattern,
 * status, latency, bytes, destination), the query redacted, bodies and headers only with
 * `bodies: true` and only through the redactor. `ctx.log` is a child logger that redacts
 * everything logged through it. An error thrown downstream is logged redacted, its message and
 * stack are redacted in place (Koa's default handler prints them), and it is thrown on.
 *
 * @example
 * ```ts
 * app.use(redactLogs({ schema, logger: pino() }));
 * ```
 */
export function redactLogs(options: RedactLogsOptions): Middleware {
  const behaviour = logsBehaviour('redactLogs', options);
  return async function redactLogsMiddleware(ctx, next) {
    const startedAt = process.hrtime.bigint();
    const bytes = countBytes(ctx.res);
    // The redacting child logger is made on first use: most requests never log through it.
    let child: LoggerLike | undefined;
    Object.defineProperty(ctx, 'log', {
      configurable: true,
      enumerable: false,
      get: () => (child ??= behaviour.child()),
      set: (v: LoggerLike) => {
        child = v;
      },
    });
    const query: unknown = ctx.query;
    const facts = (status: number, error?: unknown) => ({
      method: ctx.method,
      route: (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? '(unmatched)',
      status,
      startedAt,
      reqBytes: Number(ctx.get('content-length')) || 0,
      resBytes: bytes(),
      query,
      ...(behaviour.bodies ? { reqBody: (ctx.request as Context['request'] & ParsedRequest).body, resBody: ctx.body as unknown, headers: ctx.headers } : {}),
      ...(error === undefined ? {} : { error }),
    });
    try {
      await next();
    } catch (err) {
      const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 500;
      behaviour.finish(facts(status, err));
      sanitizeError(err, behaviour.redact);
      throw err;
    }
    if (ctx.res.writableFinished) behaviour.finish(facts(ctx.status));
    else ctx.res.once('finish', () => behaviour.finish(facts(ctx.status)));
  };
}

/**
 * A destination's whole policy in front of a route, for Koa: one walk, one vault batch, the
 * runtime inventory fed. See the Express `protect` for the rules.
 *
 * @example
 * ```ts
 * router.post('/analytics/events', bodyParser(), protect({ schema, destinations, destination: 'analytics' }), forward);
 * ```
 */
export function protect(options: ProtectOptions): Middleware {
  return requestMiddleware('protectMiddleware', protectBehaviour('protect', options));
}
