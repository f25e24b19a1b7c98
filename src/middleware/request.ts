// The framework-free request shape the adapters fill in, and the body/query rewrite every request-side middleware shares.
import type { IncomingMessage } from 'node:http';
import { FieldguardError } from '../errors.js';
import type { Report } from '../plan/walk.js';
import { bodyFormat, hasBody, parseBody, readStream, serializeBody, serializeQuery, type BodyFormat } from './body.js';

/** What a request-side middleware needs to know about a request, whatever the framework. */
export interface RequestShape {
  /** The Node request, to read a body no parser consumed. */
  readonly raw: IncomingMessage;
  /** The body a parser left, or `undefined`. */
  readonly body: unknown;
  /** The parsed query object. */
  readonly query: unknown;
}

/** What to put back on the request. */
export interface RequestRewrite {
  /** The new body, when the body was rewritten. */
  readonly body?: { readonly value: unknown; readonly text: string; readonly format: BodyFormat };
  /** The new query, when the query was rewritten. */
  readonly query?: { readonly value: unknown; readonly search: string };
  /** The reports of the walks, body first. */
  readonly reports: readonly Report[];
}

/** Options every request-side middleware takes. */
export interface CommonOptions {
  /** Called with each request's report (counts by path and kind, never values), for metrics. A throwing callback is ignored. */
  readonly onReport?: (report: Report) => void;
  /** Largest body fieldguard reads itself when no parser ran, in bytes. Default 1,048,576. */
  readonly limit?: number;
  /** Deepest nesting accepted; deeper payloads answer 400 `ERR_PAYLOAD_TOO_DEEP`. Default 64. */
  readonly maxDepth?: number;
  /** Most values walked; more answer 413 `ERR_PAYLOAD_TOO_LARGE`. Default 1,000,000. */
  readonly maxNodes?: number;
}

/** Which parts of a request a middleware rewrites. */
export type RequestTarget = 'body' | 'query' | 'both';

/** Applies a plan to a request's body and/or query. Throws FieldguardError (415, 400, 413, 422, …); never forwards on failure. */
export async function rewriteRequest(
  req: RequestShape,
  target: RequestTarget,
  limit: number,
  apply: (value: unknown) => { value: unknown; report: Report } | Promise<{ value: unknown; report: Report }>,
): Promise<RequestRewrite> {
  const reports: Report[] = [];
  let body: RequestRewrite['body'];
  let query: RequestRewrite['query'];
  if (target !== 'query' && hasBody(req.raw.headers)) {
    const format = bodyFormat(req.raw.headers['content-type']);
    if (format === undefined) {
      throw new FieldguardError(
        'ERR_UNSUPPORTED_CONTENT_TYPE',
        'this route only forwards JSON or URL-encoded form bodies, which fieldguard can inspect',
      );
    }
    let parsed: unknown;
    if (!req.raw.readableEnded) {
      parsed = parseBody(format, await readStream(req.raw, limit));
    } else if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) {
      parsed = parseBody(format, req.body);
    } else if (req.body !== undefined) {
      parsed = req.body;
    } else {
      throw new FieldguardError(
        'ERR_UNSUPPORTED_CONTENT_TYPE',
        'the body was read by something that did not parse it as JSON or a form; mount express.json() or a body parser before fieldguard',
      );
    }
    if (parsed !== undefined) {
      const result = await apply(parsed);
      body = rewrittenBody(result.value, format);
      reports.push(result.report);
    }
  } else if (target !== 'query' && req.body !== undefined && req.body !== null && typeof req.body === 'object' && !Buffer.isBuffer(req.body)) {
    // No body on the wire, but something put one on the request object: it is still what a proxy would forward.
    const result = await apply(req.body);
    body = rewrittenBody(result.value, 'json');
    reports.push(result.report);
  }
  if (target !== 'body' && req.query !== undefined && req.query !== null) {
    const result = await apply(req.query);
    const value = result.value === undefined ? {} : result.value;
    query = { value, search: serializeQuery(value) };
    reports.push(result.report);
  }
  return { ...(body === undefined ? {} : { body }), ...(query === undefined ? {} : { query }), reports };
}

/** The rewritten body; its text is serialized only if an adapter asks for it (most proxies serialize `req.body` themselves). */
function rewrittenBody(result: unknown, format: BodyFormat): NonNullable<RequestRewrite['body']> {
  const value = result === undefined ? {} : result;
  let text: string | undefined;
  return {
    value,
    format,
    get text(): string {
      return (text ??= serializeBody(format, value));
    },
  };
}

/**
 * Makes the request's framing headers describe the rewritten body: a `Content-Length` of its
 * bytes, and no `Transfer-Encoding` (a forwarder that copies both would send a request that a
 * vendor must refuse as ambiguous, and one that copies the old length would cut or stall the body).
 */
export function reframe(headers: IncomingMessage['headers'], text: string): void {
  delete headers['transfer-encoding'];
  headers['content-length'] = String(Buffer.byteLength(text));
}

/** Replaces the query string of a URL, keeping its path. */
export function withSearch(url: string, search: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return search === '' ? path : `${path}?${search}`;
}
