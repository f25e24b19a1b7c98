// Bodies and queries on the wire: which types fieldguard inspects, parsing and serializing (qs), framing. Runtime-neutral: reading a stream is the adapter's (node-body.ts, web/).
import type { IncomingHttpHeaders } from 'node:http';
import qs from 'qs';
import { FieldguardError } from '../errors.js';

/** The body formats fieldguard rewrites. Anything else on a guarded route is refused (415). */
export type BodyFormat = 'json' | 'form';

/** A media type as RFC 9110 writes it: `type/subtype`, both tokens (lower-cased by `mediaType`). */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** A subtype naming JSON: `json`, `…+json`, or `json` as a word of it (`x-amz-json-1.1`, `x-json`), not `ndjson` or `jsonl`. */
const JSON_SUBTYPE = /(?:^|[-.+])json(?:$|[-.+])/;

/**
 * Whether a media type (lower-cased, no parameters, as `mediaType` gives it) is one a client parses
 * as JSON: the WHATWG MIME Sniffing "JSON MIME type" (any `*\/json` or `*\/*+json`, so `text/json`
 * too) and the vendor types that name JSON as a word of their subtype (`application/x-amz-json-1.1`).
 * The one rule for what is read as JSON, on requests and answers, on Node and Web alike. Record
 * streams (`application/x-ndjson`, `application/jsonl`) are not JSON texts and do not match.
 *
 * @example
 * ```ts
 * isJsonMediaType('text/json');                 // true
 * isJsonMediaType('application/x-amz-json-1.1'); // true
 * isJsonMediaType('application/x-ndjson');      // false
 * ```
 */
export function isJsonMediaType(type: string | undefined): boolean {
  if (type === undefined) return false;
  const slash = type.indexOf('/');
  return slash > 0 && JSON_SUBTYPE.test(type.slice(slash + 1));
}

/**
 * Which supported format a `Content-Type` names (case-insensitive; any JSON media type, see
 * `isJsonMediaType`), or `undefined` — written here so the core runs where there is no Node.
 */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  const type = mediaType(contentType);
  if (type === undefined || !MEDIA_TYPE.test(type)) return undefined;
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return isJsonMediaType(type) ? 'json' : undefined;
}

/** Whether a request carries a body, by its framing headers (type-is's rule: a Transfer-Encoding, or a numeric Content-Length). */
export function hasBody(req: { readonly headers: IncomingHttpHeaders }): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && !Number.isNaN(Number(length)));
}

/** Whether a value is a Node Buffer (never, where there is no Node). */
export function isBuffer(value: unknown): value is Buffer {
  return typeof Buffer !== 'undefined' && Buffer.isBuffer(value);
}

const encoder = new TextEncoder();

/** The UTF-8 byte length of a text. */
export function byteLength(text: string): number {
  return typeof Buffer !== 'undefined' ? Buffer.byteLength(text) : encoder.encode(text).byteLength;
}

/** The media type of a `Content-Type`, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** The charset parameter of a `Content-Type`, lower-cased, or `undefined`. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const m = contentType === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m === null ? undefined : m[1]!.toLowerCase();
}

/** The `Content-Type` of a rewritten body: the original media type in lower case, and UTF-8, which is what is sent. */
export function rewrittenType(format: BodyFormat, contentType: string | undefined): string {
  if (format === 'form') return 'application/x-www-form-urlencoded; charset=utf-8';
  const type = mediaType(contentType);
  return `${type !== undefined && bodyFormat(type) === 'json' ? type : 'application/json'}; charset=utf-8`;
}

/** How queries and forms are parsed: nested bracket keys as Express's extended parser reads them, with qs's bounds. */
const PARSE: qs.IParseOptions = { depth: 5, parameterLimit: 1000, arrayLimit: 100, plainObjects: true };
/**
 * How they are written back: every key and value percent-encoded as `encodeURIComponent` does (so
 * no key can inject another), arrays of scalars as repeated keys, arrays holding objects by index.
 */
const STRINGIFY: qs.IStringifyOptions = { arrayFormat: 'repeat', encoder: (s: unknown) => encodeURIComponent(String(s)) };

/** Arrays that hold objects become index-keyed objects, which qs writes as `items[0][sku]`. */
function indexed(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const items = v.map(indexed);
    return items.some((i) => i !== null && typeof i === 'object') ? Object.assign({}, items) : items;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: indexed((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Parses a query string (without `?`) or a form body. */
export function parseQuery(search: string): Record<string, unknown> {
  return qs.parse(search, PARSE) as Record<string, unknown>;
}

/** Serializes a (scrubbed) query or form object. */
export function serializeQuery(value: unknown): string {
  return value !== null && typeof value === 'object' ? qs.stringify(indexed(value), STRINGIFY) : '';
}

/**
 * Parses a raw body. A JSON body that is empty or only whitespace, or malformed, is
 * `ERR_INVALID_JSON`; the parser's own message (which quotes the body) is dropped.
 */
export function parseBody(format: BodyFormat, text: string): unknown {
  if (format === 'form') return parseQuery(text);
  if (text.trim() === '') throw new FieldguardError('ERR_INVALID_JSON', 'the request body is empty or only whitespace, which is not JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FieldguardError('ERR_INVALID_JSON', 'the request body is not valid JSON');
  }
}

/** Serializes a rewritten body in its format. */
export function serializeBody(format: BodyFormat, value: unknown): string {
  return format === 'json' ? (JSON.stringify(value) ?? '{}') : serializeQuery(value);
}

/**
 * Makes the request's headers describe the rewritten body: its byte length, no
 * `Transfer-Encoding` (a forwarder copying both would send an ambiguous request), no
 * `Content-Encoding` (the body is no longer compressed), and a lower-case, UTF-8 `Content-Type`
 * (http-proxy-middleware's fixRequestBody matches the type case-sensitively and would write
 * nothing — the vendor then waits for a body that never comes). Returns the byte length.
 */
export function reframe(headers: IncomingHttpHeaders, text: string, contentType: string): number {
  delete headers['transfer-encoding'];
  delete headers['content-encoding'];
  delete headers['content-md5'];
  const length = byteLength(text);
  headers['content-type'] = contentType;
  headers['content-length'] = String(length);
  return length;
}

/** The query string of a URL, without `?`. */
export function searchOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1).split('#', 1)[0]!;
}

/** The path of a URL, without its query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Replaces the query string of a URL, keeping its path. */
export function withSearch(url: string, search: string): string {
  const path = pathOf(url);
  return search === '' ? path : `${path}?${search}`;
}

/**
 * Whether an untyped answer whose first significant byte is `b` may be JSON: `{`, `[` or `"` (how
 * JSON answers start), or a UTF-16/32 byte-order mark or zero byte, whose text is known only once
 * decoded by its charset — buffered and parsed, and refused (500) if it is not one JSON text.
 */
export function mayStartJson(b: number): boolean {
  return b === 0x7b || b === 0x5b || b === 0x22 || b === 0xff || b === 0xfe || b === 0x00;
}
