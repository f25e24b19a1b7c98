// The Exchange for Koa 2 and 3: where Koa keeps the body, the query, the route pattern, the report and the logger.
import type { Context, Next } from 'koa';
import { withSearch } from '../middleware/body.js';
import { ANSWERED, deferReport, type Exchange, type ValueTransform } from '../middleware/exchange.js';
import { discardUnread, readBody } from '../middleware/node-body.js';
import { nodeFinished } from '../middleware/node-finish.js';
import type { RedactingLogger } from '../log/wrap.js';

/** Where the middlewares leave the last report: `ctx.state.fieldguard`. */
export const REPORT_KEY = 'fieldguard';

const LOG = Symbol.for('fieldguard.log');

/** The fields body parsers add to Koa's request, and the Node request connect-style proxies read. */
interface Parsed {
  body?: unknown;
  rawBody?: unknown;
}

/** A body Koa will serialize as JSON itself: an object or array that is not a Buffer or a stream. */
function isValue(body: unknown): boolean {
  return body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe !== 'function';
}

/** The Exchange of one Koa request, for one middleware. */
export function koaExchange(ctx: Context, next: Next): Exchange<Context> {
  const transforms: ValueTransform[] = [];
  const request = ctx.request as Context['request'] & Parsed;
  return {
    native: ctx,
    req: ctx.req,
    res: ctx.res,
    url: () => ctx.originalUrl,
    readBody: (limit) => readBody(ctx.req, limit),
    finished: (listener) => nodeFinished(ctx.res, listener),
    body: () => request.body,
    setBody(value, text) {
      request.body = value;
      // The parser's raw text would still carry what was removed.
      if ('rawBody' in request) request.rawBody = text;
      // Connect-style proxies (http-proxy-middleware through koa-connect) forward `req.body`.
      (ctx.req as typeof ctx.req & Parsed).body = value;
    },
    setQuery(_value, search) {
      ctx.querystring = search;
      ctx.originalUrl = withSearch(ctx.originalUrl, search);
      ctx.request.originalUrl = ctx.originalUrl;
    },
    route() {
      const c = ctx as Context & { _matchedRoute?: unknown; routePath?: unknown };
      const r = c._matchedRoute ?? c.routePath;
      return typeof r === 'string' ? r : undefined;
    },
    report(r) {
      ctx.state[REPORT_KEY] = r;
    },
    reportLater: (read) => deferReport(ctx.state as object, REPORT_KEY, read),
    logger(make) {
      let own: RedactingLogger | undefined;
      let assigned: unknown;
      const redacting = (): RedactingLogger => (own ??= make());
      // The app may put its own logger on ctx.log (koa-pino-logger does); contextLog(ctx) stays the redacting one.
      Object.defineProperty(ctx, 'log', { configurable: true, enumerable: false, get: () => assigned ?? redacting(), set: (v: unknown) => void (assigned = v) });
      Object.defineProperty(ctx, LOG, { configurable: true, enumerable: false, get: redacting });
    },
    onValue: (transform) => void transforms.push(transform),
    async next() {
      await next();
      for (const transform of transforms) {
        if (!isValue(ctx.body)) return;
        let v: unknown;
        try {
          v = await transform(ctx.body);
        } catch (e) {
          // A refusal thrown to the app's error handling: the untransformed body is never left to answer with.
          ctx.body = null;
          throw e;
        }
        if (v === ANSWERED) return;
        ctx.body = v;
      }
    },
    answer(status, headers, body) {
      discardUnread(ctx.req);
      ctx.status = status;
      ctx.set(headers);
      ctx.body = body;
    },
    async fail(error) {
      throw error;
    },
  };
}

/** The redacting logger `redactLogs` made for this request (whatever else was put on `ctx.log`), or `undefined` when it is not mounted. */
export function contextLog(ctx: Context): RedactingLogger | undefined {
  return (ctx as unknown as Record<symbol, RedactingLogger | undefined>)[LOG];
}
