// The Exchange for Koa 2 and 3: where Koa keeps the body, the query, the route pattern, the report and the logger.
import type { Context, Next } from 'koa';
import { withSearch } from '../middleware/body.js';
import { ANSWERED, deferReport, type Exchange, type ValueTransform } from '../middleware/exchange.js';
import { defineLogger } from '../middleware/log-slot.js';
import { discardUnread, readBody } from '../middleware/node-body.js';
import { nodeFinished } from '../middleware/node-finish.js';
import type { RedactingLogger } from '../log/wrap.js';
import type { FieldguardError } from '../errors.js';
import type { Report } from '../plan/walk.js';

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

/**
 * The Exchange of one Koa request, for one middleware: one small object per request whose methods are
 * shared by every request, instead of a literal that makes a closure for each of them on each request.
 * Every caller (the behaviours, the monitor's wrapper) calls them as methods of the exchange.
 */
class KoaExchange implements Exchange<Context> {
  readonly req: Context['req'];
  readonly res: Context['res'];
  /** The answer's value transforms, made only when a middleware registers one. */
  #transforms: ValueTransform[] | undefined = undefined;
  constructor(
    readonly native: Context,
    readonly proceed: Next,
  ) {
    this.req = native.req;
    this.res = native.res;
  }
  url(): string {
    return this.native.originalUrl;
  }
  readBody(limit: number): Promise<string> {
    return readBody(this.req, limit);
  }
  finished(listener: Parameters<Exchange['finished']>[0]): void {
    nodeFinished(this.res, listener);
  }
  body(): unknown {
    return (this.native.request as Context['request'] & Parsed).body;
  }
  setBody(value: unknown, text: string): void {
    const request = this.native.request as Context['request'] & Parsed;
    request.body = value;
    // The parser's raw text would still carry what was removed.
    if ('rawBody' in request) request.rawBody = text;
    // Connect-style proxies (http-proxy-middleware through koa-connect) forward `req.body`.
    (this.req as Context['req'] & Parsed).body = value;
  }
  setQuery(_value: unknown, search: string): void {
    const ctx = this.native;
    ctx.querystring = search;
    ctx.originalUrl = withSearch(ctx.originalUrl, search);
    ctx.request.originalUrl = ctx.originalUrl;
  }
  route(): string | undefined {
    const c = this.native as Context & { _matchedRoute?: unknown; routePath?: unknown };
    const r = c._matchedRoute ?? c.routePath;
    return typeof r === 'string' ? r : undefined;
  }
  report(r: Report): void {
    this.native.state[REPORT_KEY] = r;
  }
  reportLater(read: () => Report): void {
    deferReport(this.native.state as object, REPORT_KEY, read);
  }
  logger(make: () => RedactingLogger): void {
    // The app may put its own logger on ctx.log (koa-pino-logger does); contextLog(ctx) stays the redacting one.
    defineLogger([this.native], LOG, make, false);
  }
  onValue(transform: ValueTransform): void {
    (this.#transforms ??= []).push(transform);
  }
  async next(): Promise<void> {
    await this.proceed();
    const transforms = this.#transforms;
    if (transforms === undefined) return;
    const ctx = this.native;
    for (const transform of transforms) {
      if (!isValue(ctx.body)) return;
      let v: unknown;
      try {
        // A synchronous plan's value is taken as it is: awaiting it would only cost the request a turn of the queue.
        const out = transform(ctx.body);
        v = out !== null && typeof out === 'object' && typeof (out as { then?: unknown }).then === 'function' ? await out : out;
      } catch (e) {
        // A refusal thrown to the app's error handling: the untransformed body is never left to answer with.
        ctx.body = null;
        throw e;
      }
      if (v === ANSWERED) return;
      ctx.body = v;
    }
  }
  answer(status: number, headers: Readonly<Record<string, string>>, body: string): void {
    const ctx = this.native;
    discardUnread(this.req);
    ctx.status = status;
    ctx.set(headers);
    ctx.body = body;
  }
  async fail(error: FieldguardError): Promise<void> {
    throw error;
  }
}

/** The Exchange of one Koa request, for one middleware. */
export function koaExchange(ctx: Context, next: Next): Exchange<Context> {
  return new KoaExchange(ctx, next);
}

/** The redacting logger `redactLogs` made for this request (whatever else was put on `ctx.log`), or `undefined` when it is not mounted. */
export function contextLog(ctx: Context): RedactingLogger | undefined {
  return (ctx as unknown as Record<symbol, RedactingLogger | undefined>)[LOG];
}
