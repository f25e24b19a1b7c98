// Express adapters (4 and 5): translate req/res to fieldguard's request shape and back, nothing else.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { FieldguardError, toFieldguardError } from '../errors.js';
import { parserError, sendError } from '../middleware/answer.js';
import { maskBehaviour, type MaskOptions } from '../middleware/mask.js';
import { withSearch, type RequestRewrite } from '../middleware/request.js';
import { scrubBehaviour, type RequestBehaviour, type ScrubOptions } from '../middleware/scrub.js';
import type { Report } from '../plan/walk.js';

export type { MaskOptions, ScrubOptions, Report };

/** Where the middlewares leave the last report: `res.locals.fieldguard`. */
export const REPORT_KEY = 'fieldguard';

function rewrite(req: Request, res: Response, r: RequestRewrite & { report: Report }): void {
  if (r.body !== undefined) {
    req.body = r.body.value;
    // A raw copy kept by a `verify` hook would still carry what was removed.
    if ('rawBody' in req) (req as Request & { rawBody: unknown }).rawBody = r.body.text;
  }
  if (r.query !== undefined) {
    // Express 5 defines `query` as a getter that re-parses `req.url`; a data property replaces it.
    Object.defineProperty(req, 'query', { value: r.query.value, writable: true, configurable: true, enumerable: true });
    req.url = withSearch(req.url, r.query.search);
    req.originalUrl = withSearch(req.originalUrl, r.query.search);
  }
  res.locals[REPORT_KEY] = r.report;
}

function requestMiddleware(name: string, behaviour: RequestBehaviour): RequestHandler {
  const middleware: RequestHandler = (req, res, next) => {
    // `req.query` is read once: on Express 5 each read parses the URL again.
    const query: unknown = req.query;
    behaviour.handle({ raw: req, body: req.body as unknown, query }).then(
      (r) => {
        rewrite(req, res, r);
        next();
      },
      (e: unknown) => {
        sendError(res, e);
      },
    );
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

/**
 * Data minimization for Express 4 and 5: keeps only the fields `allow` selects (default: public
 * and internal), drops the rest and every field no tag covers, before the request goes on — to a
 * proxy, a handler, a queue. Refusals answer `{ error: { code, message, paths? } }` and nothing
 * is forwarded: 415 for a body it cannot inspect, 400 for malformed JSON or nesting past
 * `maxDepth`, 422 for untagged fields under `untagged: 'reject'`.
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
export function scrubPII(options: ScrubOptions): RequestHandler {
  return requestMiddleware('scrubPIIMiddleware', scrubBehaviour('scrubPII', options));
}

/**
 * Partial masking for Express 4 and 5. With `on: 'response'` (default) it masks what the handler
 * sends through `res.json` or `res.send(object)` — the guard against excessive data exposure
 * (OWASP API3:2023). With `on: 'request'` it masks the incoming body. Not covered:
 * `res.send(string | Buffer)`, `res.jsonp`, `res.write`/`res.end` and streams.
 *
 * @example
 * ```ts
 * app.get('/orders/:id', maskFields({ schema }), (req, res) => res.json(order));
 * // { customer: { email: 'j***@example.com' }, card: '**** **** **** 1111' }
 * ```
 */
export function maskFields(options: MaskOptions): RequestHandler {
  const behaviour = maskBehaviour('maskFields', options);
  if (behaviour.on === 'request') return requestMiddleware('maskFieldsMiddleware', behaviour.request);
  return function maskFieldsMiddleware(_req, res, next) {
    const json = res.json;
    res.json = function maskedJson(this: Response, body?: unknown) {
      let masked: unknown;
      try {
        const result = behaviour.response(body);
        res.locals[REPORT_KEY] = result.report;
        masked = result.value;
      } catch (e) {
        const error = toFieldguardError(e);
        this.status(error.status);
        return json.call(this, error.toJSON());
      }
      return json.call(this, masked);
    };
    next();
  };
}

/**
 * An Express error handler that answers body-parser and fieldguard errors in fieldguard's shape.
 * body-parser's own JSON error quotes the malformed body in its message (and Express's default
 * handler prints it); this one never does. Other errors go on to the next handler.
 *
 * @example
 * ```ts
 * app.use(express.json());
 * // … routes …
 * app.use(errorHandler());
 * ```
 */
export function errorHandler(): ErrorRequestHandler {
  return function fieldguardErrorHandler(err: unknown, _req, res, next) {
    const known = parserError(err);
    if (known !== undefined) sendError(res, known);
    else if (err instanceof FieldguardError) sendError(res, err);
    else next(err);
  };
}
