// The Exchange: the one framework-free view of a request and its answer that every middleware's behaviour is written against.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldguardError } from '../errors.js';
import type { RedactingLogger } from '../log/wrap.js';
import type { Report } from '../plan/walk.js';

/** Returned by a response transform that already answered (a refusal): the adapter sends nothing more. */
export const ANSWERED: unique symbol = Symbol('fieldguard.answered');

/** A transform of a response body given as a value (before the framework serializes it). */
export type ValueTransform = (value: unknown) => unknown;

/**
 * What a middleware's behaviour needs from a framework, and nothing more. An adapter (Express,
 * Koa, …) implements it for one request by translating; everything fieldguard decides is written
 * once against it in `src/middleware/`. The Node request and response are shared by every
 * framework on Node's http server, so reading the wire, framing and byte-level interception of
 * the answer happen on them directly.
 */
export interface Exchange<Native = unknown> {
  /** The framework's own request object (Express `req`, Koa `ctx`), for the app's callbacks. */
  readonly native: Native;
  /** The Node request: headers, the unparsed body stream, the URL. */
  readonly req: IncomingMessage;
  /** The Node response every framework writes through. */
  readonly res: ServerResponse;
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
  /** Installs the request's logger (`req.log`, `ctx.log`), made on first use. */
  logger(make: () => RedactingLogger): void;
  /**
   * Registers a transform of the answer when the handler gives it as a value (`res.json`,
   * `res.send(object)`, `res.jsonp`, Koa's `ctx.body` object). The transform resolves to the new
   * value (or a promise of it), or to {@link ANSWERED} when it answered a refusal itself.
   */
  onValue(transform: ValueTransform): void;
  /** Runs the rest of the chain. Resolves when it is done (Koa) or handed over (Express); rejects with what downstream threw (Koa). */
  next(): Promise<void>;
  /** Answers the request now, in the framework's way, with nothing downstream run. */
  answer(status: number, headers: Readonly<Record<string, string>>, body: string): void;
  /** Hands an error to the framework's own error handling: `next(err)` in Express, a rejection in Koa. */
  fail(error: FieldguardError): Promise<void>;
}

/** A middleware's behaviour: compiled once, run per request over an Exchange. */
export type Behaviour<Native = unknown> = (ex: Exchange<Native>) => Promise<void>;
