// Express adapters (4 and 5): translate req/res to fieldguard's request shape and back, nothing else.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { FieldguardError } from '../errors.js';
import { parserError, sendError } from '../middleware/answer.js';
import { maskBehaviour, type MaskOptions } from '../middleware/mask.js';
import { reframe, withSearch, type RequestRewrite } from '../middleware/request.js';
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

import { countBytes, logsBehaviour, type RedactLogsOptions } from '../middleware/logs.js';
import { protectBehaviour, type ProtectOptions } from '../middleware/protect.js';
import type { LoggerLike } from '../log/wrap.js';

export type { MaskOptions, ScrubOptions, Report, TokenizeFieldsOptions, DetokenizeRequest, RedactLogsOptions, LoggerLike, ProtectOptions };

declare module 'express-serve-static-core' {
  interface Request {
    /** A child logger that redacts everything logged through it (set by `redactLogs`). */
    log?: LoggerLike;
  }
}

/** Options of {@link detokenizeFields} for Express: `authorize` and `actor` receive the request. */
export type ExpressDetokenizeOptions = DetokenizeFieldsOptions<Request>;

/** Where the middlewares leave the last report: `res.locals.fieldguard`. */
export const REPORT_KEY = 'fieldguard';

function rewrite(req: Request, res: Response, r: RequestRewrite & { report: Report }): void {
  if (r.body !== undefined) {
    req.body = r.body.value;
    reframe(req.headers, r.body.text);
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
 * Replaces `res.json` for one response with a version that transforms the body first (possibly
 * asynchronously). A failure answers the error instead of the body: nothing untransformed is sent.
 */
function transformJson(res: Response, transform: (body: unknown) => PlanResult | Promise<PlanResult>): void {
  const json = res.json;
  res.json = function transformedJson(this: Response, ...args: unknown[]) {
    // Express 4 still accepts the deprecated res.json(status, body).
    let body = args[0];
    if (args.length === 2 && typeof args[0] === 'number') {
      this.status(args[0]);
      body = args[1];
    }
    let result: PlanResult | Promise<PlanResult>;
    try {
      result = transform(body);
    } catch (e) {
      sendError(this, e);
      return this;
    }
    if (result instanceof Promise) {
      result.then(
        (r) => {
          this.locals[REPORT_KEY] = r.report;
          json.call(this, r.value);
        },
        (e: unknown) => sendError(this, e),
      );
      return this;
    }
    this.locals[REPORT_KEY] = result.report;
    return json.call(this, result.value);
  };
}

function vaultMiddleware(name: string, behaviour: VaultBehaviour<Request>): RequestHandler {
  const middleware: RequestHandler = (req, res, next) => {
    behaviour.authorize(req).then(
      (context) => {
        if (behaviour.on === 'response') {
          transformJson(res, (body) => behaviour.response(body, context));
          next();
          return;
        }
        behaviour
          .request(context)
          .handle({ raw: req, body: req.body as unknown, query: undefined })
          .then(
            (r) => {
              rewrite(req, res, r);
              next();
            },
            (e: unknown) => sendError(res, e),
          );
      },
      (e: unknown) => sendError(res, e),
    );
  };
  Object.defineProperty(middleware, 'name', { value: name });
  return middleware;
}

/**
 * Reversible protection for Express: replaces the selected fields (default: personal and above)
 * with vault tokens — the incoming body by default, or with `on: 'response'` what the handler
 * sends. One vault round trip per request. If the vault is down or slow the answer is 503
 * `ERR_VAULT_UNAVAILABLE` and nothing is forwarded.
 *
 * @example
 * ```ts
 * app.post('/crm/contacts', express.json(), tokenizeFields({ schema, vault, namespace: 'crm' }), proxyToCrm);
 * ```
 */
export function tokenizeFields(options: TokenizeFieldsOptions): RequestHandler {
  return vaultMiddleware('tokenizeFieldsMiddleware', tokenizeBehaviour<Request>('tokenizeFields', options));
}

/**
 * Turns tokens back into values for an authorized caller — by default in what the handler sends
 * (a vendor's answer on its way to an internal caller). `authorize(req, { paths, kinds, purpose })`
 * must return true, else the answer is 403 `ERR_DETOKENIZE_FORBIDDEN`. Every resolution and every
 * refusal is an audit event (who, why, which paths; never a value). Unknown, expired or erased
 * tokens stay as they are and are counted in the report.
 *
 * @example
 * ```ts
 * app.get('/support/orders/:id', detokenizeFields({ schema, vault, purpose: 'support',
 *   authorize: (req) => req.get('x-role') === 'support', actor: (req) => req.get('x-user') ?? 'unknown' }), handler);
 * ```
 */
export function detokenizeFields(options: ExpressDetokenizeOptions): RequestHandler {
  return vaultMiddleware('detokenizeFieldsMiddleware', detokenizeBehaviour<Request>('detokenizeFields', options));
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
    transformJson(res, (body) => behaviour.response(body));
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

/**
 * Request logging without personal data, for Express: one line per request with method, route
 * pattern (never the raw URL), status, latency, request and response bytes and destination; the
 * query redacted by the schema and the detectors; bodies and headers only with `bodies: true`, and
 * then only through the redactor (Authorization, Proxy-Authorization, Cookie, Set-Cookie and
 * X-API-Key are always censored). `req.log` is a child logger that redacts everything logged
 * through it. Works with pino, winston or any `{ info, warn, error }` logger.
 *
 * @example
 * ```ts
 * app.use(redactLogs({ schema, logger: pino(), destination: 'analytics' }));
 * app.post('/orders', (req, res) => { req.log?.info({ order: req.body }, 'received'); res.sendStatus(202); });
 * ```
 */
export function redactLogs(options: RedactLogsOptions): RequestHandler {
  const behaviour = logsBehaviour('redactLogs', options);
  return function redactLogsMiddleware(req, res, next) {
    const startedAt = process.hrtime.bigint();
    const bytes = countBytes(res);
    // The redacting child logger is made on first use: most requests never log through it.
    let child: LoggerLike | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      enumerable: false,
      get: () => (child ??= behaviour.child()),
      set: (v: LoggerLike) => {
        child = v;
      },
    });
    let resBody: unknown;
    if (behaviour.bodies) {
      const json = res.json;
      res.json = function capturedJson(this: Response, body?: unknown) {
        resBody = body;
        return json.call(this, body);
      };
    }
    const query: unknown = req.query;
    res.once('finish', () => {
      const route = req.route !== undefined ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : '(unmatched)';
      behaviour.finish({
        method: req.method,
        route,
        status: res.statusCode,
        startedAt,
        reqBytes: Number(req.headers['content-length'] ?? 0) || 0,
        resBytes: bytes(),
        query,
        ...(behaviour.bodies ? { reqBody: req.body as unknown, resBody, headers: req.headers } : {}),
      });
    });
    next();
  };
}

/**
 * A destination's whole policy in front of a route, for Express: every field gets the action the
 * destination declared for its path, kind or level — kept, dropped, masked, tokenized, hashed or
 * encrypted — in one walk and one vault batch. Untagged fields follow the destination's
 * `untagged` (default drop). Each request feeds the runtime inventory (`flows()`). Refusals
 * answer like scrubPII's, and nothing is forwarded.
 *
 * @example
 * ```ts
 * app.post('/analytics/events', express.json(), protect({ schema, destinations, destination: 'analytics' }), proxyToAnalytics);
 * ```
 */
export function protect(options: ProtectOptions): RequestHandler {
  return requestMiddleware('protectMiddleware', protectBehaviour('protect', options));
}
