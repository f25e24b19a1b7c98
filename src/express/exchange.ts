// The Exchange for Express 4 and 5: where Express keeps the body, the query, the route pattern, the report and the logger.
import { isProxy } from 'node:util/types';
import type { NextFunction, Request, Response } from 'express';
import { answerNode } from '../middleware/answer.js';
import { withSearch } from '../middleware/body.js';
import { ANSWERED, deferReport, type Exchange, type ValueTransform } from '../middleware/exchange.js';
import { defineLogger } from '../middleware/log-slot.js';
import { discardUnread, readBody } from '../middleware/node-body.js';
import { nodeFinished } from '../middleware/node-finish.js';
import type { RedactingLogger } from '../log/wrap.js';
import type { FieldguardError } from '../errors.js';
import type { Report } from '../plan/walk.js';

/** Where the middlewares leave the last report: `res.locals.fieldguard`. */
export const REPORT_KEY = 'fieldguard';

const LOG = Symbol.for('fieldguard.log');

interface Layer {
  route?: unknown;
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
  regexp?: RegExp;
  keys?: Array<{ name: string | number; optional?: boolean } | string>;
}

/** A mount layer's pattern: Express 5 keeps it; Express 4's is read back from its path-to-regexp 0.1 expression. */
function layerPattern(layer: Layer): string | undefined {
  if (typeof layer.rawPath === 'string') return layer.rawPath === '/' ? '' : layer.rawPath;
  if (layer.regexp === undefined) return undefined;
  let src = layer.regexp.source.replace(/^\^/, '').replace(/\\\/\?\(\?=\\\/\|\$\)$/, '');
  for (const key of layer.keys ?? []) {
    const name = typeof key === 'string' ? key : String(key.name);
    const next = src.replace(/\(\?:\\\/\(\[\^\/\]\+\?\)\)(\?)?/, (_m, opt: string | undefined) => `/:${name}${opt ?? ''}`);
    if (next === src) return undefined;
    src = next;
  }
  src = src.replace(/\\\//g, '/');
  return /[\\()[\]*+?{}|^$]/.test(src.replace(/:[\w]+\?/g, '')) ? undefined : src;
}

function findMount(stack: readonly Layer[] | undefined, route: unknown, prefix: string, depth: number): string | undefined {
  if (stack === undefined || depth > 16) return undefined;
  for (const layer of stack) {
    if (layer.route === route) return prefix;
    if (layer.handle?.stack !== undefined) {
      const p = layerPattern(layer);
      const found = findMount(layer.handle.stack, route, prefix + (p ?? '(mounted)'), depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const SHAPE_A = Symbol('fieldguard.shape.a');
const SHAPE_B = Symbol('fieldguard.shape.b');
/** An own property Node gives every request and response (EventEmitter's), never the last one added to them. */
const EARLY = '_events';

/**
 * Readies an Express `req` or `res` for the properties the middlewares put on it. Express gives each
 * its app's prototype with `Object.setPrototypeOf`, after which V8 shares no shape transition from
 * the object: every property added makes a hidden class for that one object (about 4 µs each, six
 * per guarded answer), which only a full collection frees. Deleting a property that is not the last
 * one added turns the object into a dictionary first, where adding a property is a table insert.
 * The property deleted is one the object already has (`_events`), put back at once with the same
 * descriptor, so no hidden class is made on the way; an object without it gets two symbol properties
 * added and deleted instead, which makes two. Only the cost changes: the object's properties (their
 * order aside), prototype and behaviour stay what they were; on an object that is a dictionary
 * already, this is a delete and an insert.
 */
function unshare(o: object): void {
  // A Proxy's traps could take the delete and refuse the put-back; an object that cannot grow could not be given it back.
  if (isProxy(o) || !Object.isExtensible(o)) return;
  const slots = o as Record<string | symbol, unknown>;
  const early = Object.getOwnPropertyDescriptor(o, EARLY);
  try {
    if (early?.configurable === true) {
      delete slots[EARLY];
      Object.defineProperty(o, EARLY, early);
      return;
    }
    slots[SHAPE_A] = undefined;
    slots[SHAPE_B] = undefined;
    delete slots[SHAPE_A];
    delete slots[SHAPE_B];
  } catch {
    // An object that refuses is left as it is: what is put on it next fails as it did before.
    try {
      delete slots[SHAPE_A];
      delete slots[SHAPE_B];
    } catch {
      // Nothing of ours could be added to it either.
    }
  }
}

const patterns = new WeakMap<object, string>();

/** The full route pattern (`/users/:email/orders/:id`), never the matched text; cached per route. */
function routePattern(req: Request): string | undefined {
  const route = req.route as { path?: unknown } | undefined;
  if (route === undefined || route === null) return undefined;
  const path = typeof route.path === 'string' ? route.path : '(pattern)';
  // Not read from req.baseUrl: that is the matched text, and an error leaving a router resets it to ''.
  let mount = patterns.get(route);
  if (mount === undefined) {
    type App = { mountpath?: unknown; parent?: App; _router?: { stack?: Layer[] }; router?: { stack?: Layer[] } };
    const app = req.app as unknown as App;
    let appPrefix = '';
    for (let a: App | undefined = app; a?.parent !== undefined; a = a.parent) appPrefix = (typeof a.mountpath === 'string' && a.mountpath !== '/' ? a.mountpath : '') + appPrefix;
    const stack = (app._router ?? app.router)?.stack;
    mount = appPrefix + (findMount(stack, route, '', 0) ?? '(mounted)');
    patterns.set(route, mount);
  }
  return mount + path;
}

/**
 * `res.json` or `res.jsonp` of one response, transforming the body before Express's own method
 * serializes it. What is put on the response is a function made once and bound to this, not a
 * closure made per response: a closure kept on the Node response makes V8 on Node 20 keep each
 * response's objects through young-generation collections (see ByteGuard in the response guard).
 */
class ValueSend {
  constructor(
    readonly res: Response,
    readonly original: Response['json'],
    readonly transform: ValueTransform,
  ) {}
  send(v: unknown): void {
    if (v === ANSWERED) return;
    try {
      this.original.call(this.res, v);
    } catch (e) {
      answerNode(this.res, e);
    }
  }
  fail(e: unknown): void {
    answerNode(this.res, e);
  }
}

function transformedBody(this: ValueSend, ...args: unknown[]): Response {
  const res = this.res;
  let body = args[0];
  // Express 4 still accepts res.json(status, body) and res.json(body, status).
  if (args.length === 2 && typeof args[0] === 'number') {
    res.status(args[0]);
    body = args[1];
  } else if (args.length === 2 && typeof args[1] === 'number') {
    res.status(args[1]);
  }
  const out = this.transform(body);
  if (out instanceof Promise) out.then((v: unknown) => this.send(v), (e: unknown) => this.fail(e));
  else this.send(out);
  return res;
}

function onValue(res: Response, transform: ValueTransform): void {
  unshare(res);
  res.json = transformedBody.bind(new ValueSend(res, res.json, transform)) as Response['json'];
  res.jsonp = transformedBody.bind(new ValueSend(res, res.jsonp, transform)) as Response['json'];
}

/**
 * The Exchange of one Express request, for one middleware: one small object per request whose methods
 * are shared by every request, instead of a literal that makes a closure for each of them on each
 * request. Every caller (the behaviours, the monitor's wrapper) calls them as methods of the exchange.
 */
class ExpressExchange implements Exchange<Request> {
  constructor(
    readonly req: Request,
    readonly res: Response,
    readonly proceed: NextFunction,
  ) {}
  get native(): Request {
    return this.req;
  }
  url(): string {
    return this.req.originalUrl ?? this.req.url;
  }
  readBody(limit: number): Promise<string> {
    return readBody(this.req, limit);
  }
  finished(listener: Parameters<Exchange['finished']>[0]): void {
    unshare(this.res);
    nodeFinished(this.res, listener);
  }
  body(): unknown {
    return this.req.body as unknown;
  }
  setBody(value: unknown, text: string): void {
    const req = this.req;
    req.body = value;
    // A raw copy kept by a `verify` hook would still carry what was removed.
    if ('rawBody' in req) (req as Request & { rawBody: unknown }).rawBody = text;
  }
  setQuery(value: unknown, search: string): void {
    const req = this.req;
    const parse: unknown = req.app?.get('query parser fn');
    // Express 5 defines `query` as a getter that re-parses `req.url`; a data property replaces it.
    Object.defineProperty(req, 'query', { value: typeof parse === 'function' ? parse(search) : value, writable: true, configurable: true, enumerable: true });
    req.url = withSearch(req.url, search);
    req.originalUrl = withSearch(req.originalUrl, search);
  }
  route(): string | undefined {
    return routePattern(this.req);
  }
  report(r: Report): void {
    this.res.locals[REPORT_KEY] = r;
  }
  reportLater(read: () => Report): void {
    deferReport(this.res.locals, REPORT_KEY, read);
  }
  logger(make: () => RedactingLogger): void {
    unshare(this.req);
    // The app may put its own logger on req.log (pino-http does); requestLog(req) stays the redacting one.
    defineLogger([this.req], LOG, make, false);
  }
  onValue(transform: ValueTransform): void {
    onValue(this.res, transform);
  }
  async next(): Promise<void> {
    this.proceed();
  }
  answer(status: number, headers: Readonly<Record<string, string>>, body: string): void {
    const res = this.res;
    discardUnread(this.req);
    res.status(status);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
  }
  async fail(error: FieldguardError): Promise<void> {
    this.proceed(error);
  }
}

/** The Exchange of one Express request, for one middleware. */
export function expressExchange(req: Request, res: Response, next: NextFunction): Exchange<Request> {
  return new ExpressExchange(req, res, next);
}

/** The redacting logger `redactLogs` made for this request (whatever else was put on `req.log`), or `undefined` when it is not mounted. */
export function requestLog(req: Request): RedactingLogger | undefined {
  return (req as unknown as Record<symbol, RedactingLogger | undefined>)[LOG];
}
