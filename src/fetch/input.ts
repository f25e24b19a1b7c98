// guardFetch's arguments as one call: a URL, a Request or both merged with init as fetch merges them, the body read once.
import { FieldguardError } from '../errors.js';
import { bodyFormat, parseBody, type BodyFormat } from '../middleware/body.js';

/** How guardFetch answers a redirect: return it, follow it (each hop checked like a first request), or reject. */
export type RedirectMode = 'manual' | 'follow' | 'error';

/** A body as the caller meant it: its format and parsed value, kept so each hop can apply its own destination's policy to it. */
export interface ParsedBody {
  readonly format: BodyFormat;
  readonly value: unknown;
}

/** One call, normalized. Nothing here has been checked yet. */
export interface Call {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  /** What `schemaFor` is given: the caller's init, or for a Request input the Request's method and headers merged with it. */
  readonly init: RequestInit | undefined;
  /** The other fetch options (signal, keepalive, …), passed on to every hop. */
  readonly rest: Readonly<Record<string, unknown>>;
  readonly redirect: RedirectMode | undefined;
  /** Reads and parses the body, once; `undefined` when there is none. */
  readonly body: () => Promise<ParsedBody | undefined>;
}

const MODES: ReadonlySet<string> = new Set(['manual', 'follow', 'error']);
// Set by guardFetch itself on every hop, or never sent: a referrer is a URL (with its path and
// query) of the caller's, which fetch would put in a Referer header.
const OWN = new Set(['method', 'headers', 'body', 'redirect', 'dispatcher', 'referrer', 'referrerPolicy', 'window', 'duplex']);
// The Request options that fetch carries over when a Request is its input.
const CARRIED = ['signal', 'keepalive', 'integrity', 'cache', 'credentials', 'mode'] as const;
// fetch upper-cases these methods and leaves every other one as written.
const NORMALIZED = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/** Whether a value is a fetch Request (Node's global one or the undici package's, which are different classes). */
function isRequest(v: unknown): v is Request {
  return typeof v === 'object' && v !== null && !(v instanceof URL) && typeof (v as Request).url === 'string' && typeof (v as Request).text === 'function' && typeof (v as Request).method === 'string';
}

function parseUrl(href: string | URL): URL {
  try {
    return new URL(href);
  } catch {
    // Node's invalid-URL error keeps the text in `input`, where a logger would print it.
    throw new FieldguardError('ERR_UNKNOWN_DESTINATION', 'guardFetch was given something that is not an absolute URL, so no destination covers it');
  }
}

function redirectMode(v: unknown): RedirectMode | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !MODES.has(v)) throw new FieldguardError('ERR_INVALID_OPTIONS', "guardFetch(): `redirect` must be 'manual', 'follow' or 'error'");
  return v as RedirectMode;
}

/** Parses a string or URLSearchParams body; any other body cannot be inspected and is refused. */
function parseOwnBody(body: unknown, headers: Headers): ParsedBody {
  const format = typeof body === 'string' ? bodyFormat(headers.get('content-type') ?? undefined) : body instanceof URLSearchParams ? 'form' : undefined;
  if (format === undefined) {
    throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'guardFetch sends JSON or form bodies only (a string with a JSON or form content type, or URLSearchParams)');
  }
  return { format, value: parseBody(format, String(body)) };
}

/**
 * Merges guardFetch's arguments as fetch does: a Request's method, headers, body, signal and
 * options, each replaced by init's when init has it. A Request's `redirect` counts only when it is
 * not fetch's default `'follow'`, which cannot be told apart from one nobody chose.
 *
 * @example
 * ```ts
 * const call = normalizeCall(new Request(url, { method: 'POST', headers, body }), { headers: other });
 * call.method;          // 'POST' (from the Request)
 * call.headers;         // `other` (init wins)
 * await call.body();    // { format: 'json', value: … }, read once
 * ```
 */
export function normalizeCall(input: string | URL | Request, init: RequestInit | undefined): Call {
  const request = isRequest(input) ? input : undefined;
  const url = parseUrl(request === undefined ? (input as string | URL) : request.url);
  const given = (init ?? {}) as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  if (request !== undefined) for (const k of CARRIED) if (request[k] !== undefined) rest[k] = request[k];
  for (const [k, v] of Object.entries(given)) if (!OWN.has(k) && v !== undefined) rest[k] = v;
  const rawMethod = (given['method'] as string | undefined) ?? request?.method ?? 'GET';
  const method = NORMALIZED.has(rawMethod.toUpperCase()) ? rawMethod.toUpperCase() : rawMethod;
  const headers = new Headers((given['headers'] as HeadersInit | undefined) ?? request?.headers);
  const redirect = redirectMode(given['redirect']) ?? (request !== undefined && request.redirect !== 'follow' ? redirectMode(request.redirect) : undefined);
  let parsed: Promise<ParsedBody | undefined> | undefined;
  const body = (): Promise<ParsedBody | undefined> =>
    (parsed ??= (async () => {
      const own = given['body'];
      if (own !== undefined && own !== null) return parseOwnBody(own, headers);
      if (request === undefined || request.body === null) return undefined;
      if (request.bodyUsed) throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', "the Request's body was already read, so guardFetch cannot inspect it");
      return parseOwnBody(await request.text(), headers);
    })());
  const merged: RequestInit | undefined = request === undefined ? init : { ...(init ?? {}), method, headers };
  return { url, method, headers, init: merged, rest, redirect, body };
}
