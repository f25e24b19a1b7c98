// Koa adapters (2 and 3): translate ctx to fieldguard's request shape and back, nothing else.
import type { Context, Middleware } from 'koa';
import { FieldguardError, toFieldguardError } from '../errors.js';
import { parserError } from '../middleware/answer.js';
import { maskBehaviour, type MaskOptions } from '../middleware/mask.js';
import { withSearch } from '../middleware/request.js';
import { scrubBehaviour, type RequestBehaviour, type ScrubOptions } from '../middleware/scrub.js';
import type { Report } from '../plan/walk.js';

export type { MaskOptions, ScrubOptions, Report };

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

function requestMiddleware(name: string, behaviour: RequestBehaviour): Middleware {
  const middleware: Middleware = async (ctx, next) => {
    const request = ctx.request as Context['request'] & ParsedRequest;
    let r: Awaited<ReturnType<RequestBehaviour['handle']>>;
    try {
      r = await behaviour.handle({ raw: ctx.req, body: request.body, query: ctx.query });
    } catch (e) {
      refuse(ctx, e);
      return;
    }
    if (r.body !== undefined) {
      request.body = r.body.value;
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
    await next();
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
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
    let body: unknown = ctx.body;
    if (body === null || body === undefined) return;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      if (ctx.response.is('json') === false) return;
      try {
        body = JSON.parse(body.toString()) as unknown;
      } catch {
        refuse(ctx, toFieldguardError(undefined));
        return;
      }
    } else if (typeof body !== 'object' || typeof (body as { pipe?: unknown }).pipe === 'function') {
      return;
    }
    try {
      const result = behaviour.response(body);
      ctx.state[REPORT_KEY] = result.report;
      ctx.body = result.value;
    } catch (e) {
      refuse(ctx, e);
    }
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
