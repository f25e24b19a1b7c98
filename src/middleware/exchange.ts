// The Exchange: the one framework-free view of a request and its answer that every middleware's behaviour is written against.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { FieldguardError } from '../errors.js';
import type { RedactingLogger } from '../log/wrap.js';
import type { Report } from '../plan/walk.js';

/** Returned by a response transform that already answered (a refusal): the adapter sends nothing more. */
export const ANSWERED: unique symbol = Symbol('fieldguard.answered');

const hasOwn = Object.prototype.hasOwnProperty;

/** The object a deferred report was left on: the receiver, or the prototype it inherits the accessor from. */
function holderOf(receiver: object, slot: symbol): Record<symbol, (() => Report) | undefined> | undefined {
  for (let o: object | null = receiver; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    if (hasOwn.call(o, slot)) return o as Record<symbol, (() => Report) | undefined>;
  }
  return undefined;
}

/** The accessor of the deferred reports under one key, and the slot beside it where each holder keeps the builder of its report. */
interface Deferred {
  readonly slot: symbol;
  readonly accessor: PropertyDescriptor;
}

/**
 * Made once per key, so one getter and one setter serve every holder instead of two closures and a
 * descriptor made for each request; the holder's builder waits in its slot.
 */
const deferred = new Map<string, Deferred>();
function deferredOf(key: string): Deferred {
  let d = deferred.get(key);
  if (d === undefined) {
    const slot = Symbol(`fieldguard.deferred.${key}`);
    const settle = (holder: object, value: unknown): void => {
      // The builder, and the plan result it holds, are let go once the report is there or replaced.
      (holder as Record<symbol, unknown>)[slot] = undefined;
      Object.defineProperty(holder, key, { value, configurable: true, enumerable: true, writable: true });
    };
    d = {
      slot,
      accessor: {
        configurable: true,
        enumerable: true,
        get(this: object): Report | undefined {
          const holder = holderOf(this, slot);
          const read = holder?.[slot];
          if (holder === undefined || read === undefined) return undefined;
          const report = read();
          settle(holder, report);
          return report;
        },
        set(this: object, value: unknown) {
          settle(holderOf(this, slot) ?? this, value);
        },
      },
    };
    deferred.set(key, d);
  }
  return d;
}

/**
 * Leaves a report under `key` of `holder` (`res.locals`, `ctx.state`) that is built on first read,
 * then kept as a plain value; assigning it replaces it, as with any property there.
 */
export function deferReport(holder: object, key: string, read: () => Report): void {
  const { slot, accessor } = deferredOf(key);
  // Not enumerable: spreading, Object.assign and JSON leave the slot out.
  Object.defineProperty(holder, slot, { value: read, configurable: true, enumerable: false, writable: true });
  Object.defineProperty(holder, key, accessor);
}

/** A transform of a response body given as a value (before the framework serializes it). */
export type ValueTransform = (value: unknown) => unknown;

/**
 * The request line and headers every adapter gives the core: the Node request itself on Node's http
 * server, a copy of a Web `Request`'s elsewhere. Rewrites of the framing (`reframe`) are made on `headers`.
 */
export interface RequestHead {
  readonly method?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** Whether the body was already consumed (by a body parser), so it cannot be read again. */
  readonly readableEnded: boolean;
}

/**
 * What a middleware's behaviour needs from a framework, and nothing more. An adapter (Express,
 * Koa, …) implements it for one request by translating; everything fieldguard decides is written
 * once against it in `src/middleware/`. The Node response is shared by every framework on Node's
 * http server, so byte-level interception of the answer happens on it directly; where there is no
 * Node response (Web-standard `Request`/`Response`), the adapter hands the answer to `onValue` itself.
 * Reading the body is the adapter's capability, so the core never touches a stream of its own.
 */
export interface Exchange<Native = unknown> {
  /** The framework's own request object (Express `req`, Koa `ctx`), for the app's callbacks. */
  readonly native: Native;
  /** The request's method and headers (on Node's http server, the Node request itself). */
  readonly req: RequestHead;
  /** The Node response every framework on Node's http server writes through; absent on Web-standard `Response`s. */
  readonly res?: ServerResponse | undefined;
  /**
   * Reads the unconsumed body from the wire, decompressed and decoded from its charset, up to `limit`
   * bytes after decompression. Rejects with a FieldguardError (413, 415, 400) when it cannot.
   */
  readBody(limit: number): Promise<string>;
  /** The URL as the client sent it (path and query), before routers stripped mount paths. */
  url(): string;
  /** The body a body parser left on the request, or `undefined` when none ran. */
  body(): unknown;
  /** Puts a rewritten body wherever the framework, the app and proxies read it (parsed body, raw copies). */
  setBody(value: unknown, text: string): void;
  /** Puts a rewritten query where the framework and proxies read it: the parsed query and the URL's query string. */
  setQuery(value: unknown, search: string): void;
  /** The route pattern that matched (`/users/:id`), never the matched text; `undefined` when none did. */
  route(): string | undefined;
  /** Leaves a report where the app reads it (`res.locals.fieldguard`, `ctx.state.fieldguard`). */
  report(report: Report): void;
  /**
   * Leaves a report there that is built only when first read (`read` is called at most once), for
   * adapters that can defer it; a report nobody reads then costs nothing. Optional: without it, or
   * when anything else (`onReport`, a monitor) needs the report now, `report` is given the built one.
   */
  readonly reportLater?: ((read: () => Report) => void) | undefined;
  /**
   * Checks one record of a streamed body, as it arrived and as parsed, before it is rewritten and handed on;
   * throws to cut the stream there (the monitor's honeytoken search). Absent: nothing checks records.
   */
  readonly checkRecord?: ((text: string, value?: unknown) => void) | undefined;
  /** Installs the request's logger (`req.log`, `ctx.log`), made on first use. */
  logger(make: () => RedactingLogger): void;
  /**
   * Registers a transform of the answer when the handler gives it as a value (`res.json`,
   * `res.send(object)`, `res.jsonp`, Koa's `ctx.body` object). The transform resolves to the new
   * value (or a promise of it), or to {@link ANSWERED} when it answered a refusal itself.
   * `observe: true` says the transform only reads the value (a log line): the answer is never
   * changed or refused for it, so where the adapter must read the answer's bytes to get a value
   * (Web-standard `Response`), an answer it cannot read passes as it was.
   */
  onValue(transform: ValueTransform, options?: { readonly observe?: boolean }): void;
  /** Runs the rest of the chain. Resolves when it is done (Koa) or handed over (Express); rejects with what downstream threw (Koa). */
  next(): Promise<void>;
  /** Answers the request now, in the framework's way, with nothing downstream run. */
  answer(status: number, headers: Readonly<Record<string, string>>, body: string): void;
  /** Calls `listener` once, when the answer was sent or the client went away (Node: `on-finished`; Web: when the body was read). */
  finished(listener: (outcome: Outcome) => void): void;
  /** Hands an error to the framework's own error handling: `next(err)` in Express, a rejection in Koa. */
  fail(error: FieldguardError): Promise<void>;
}

/** How an answer ended, for the request line: its status, the body bytes sent, and whether the client went away first. */
export interface Outcome {
  readonly status: number;
  readonly bytes: number;
  readonly aborted: boolean;
}

/** A middleware's behaviour: compiled once, run per request over an Exchange. */
export type Behaviour<Native = unknown> = (ex: Exchange<Native>) => Promise<void>;
