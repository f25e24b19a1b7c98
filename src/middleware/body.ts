// Request bodies as a scrubbing middleware sees them: which content types it handles, and reading and parsing the raw body.
import type { IncomingMessage } from 'node:http';
import { FieldguardError } from '../errors.js';

/** The body formats fieldguard rewrites. Anything else on a guarded route is refused (415). */
export type BodyFormat = 'json' | 'form';

/** Which supported format a `Content-Type` names, or `undefined`. */
export function bodyFormat(contentType: string | undefined): BodyFormat | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return undefined;
}

/** Whether a request carries a body, by its framing headers (as type-is decides). */
export function hasBody(headers: IncomingMessage['headers']): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/** Reads an unconsumed request stream up to `limit` bytes. */
export function readStream(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (stream.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') {
    return Promise.reject(
      new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', `a ${encoding}-encoded body cannot be inspected; send it uncompressed or parse it first`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        stream.resume();
        reject(new FieldguardError('ERR_PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (): void => {
      cleanup();
      reject(new FieldguardError('ERR_INVALID_JSON', 'the request body could not be read'));
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Parses a raw body. Malformed JSON is `ERR_INVALID_JSON`, and the parser's message (which quotes the body) is dropped. */
export function parseBody(format: BodyFormat, raw: Buffer | string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (format === 'form') return parseForm(text);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FieldguardError('ERR_INVALID_JSON', 'the request body is not valid JSON');
  }
}

/** Parses `a=1&b=2&b=3` into `{ a: '1', b: ['2', '3'] }`, as `express.urlencoded({ extended: false })` does. */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return { ...out };
}

/** Serializes a body again in its format, for a raw-body field or a forwarded request. */
export function serializeBody(format: BodyFormat, value: unknown): string {
  return format === 'json' ? (JSON.stringify(value) ?? '') : serializeQuery(value);
}

function encode(s: string): string {
  return encodeURIComponent(s);
}

/**
 * Serializes a (scrubbed) query or form object: `a=1&b=2&b=3`, nested objects in bracket form
 * (`filter[status]=open`), which both Express's simple and extended parsers and Koa read back.
 */
export function serializeQuery(value: unknown): string {
  const parts: string[] = [];
  const add = (key: string, v: unknown): void => {
    if (v === undefined) return;
    if (v === null) parts.push(encode(key) + '=');
    else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item !== null && typeof item === 'object') add(`${key}[${i}]`, item);
        else add(key, item);
      });
    } else if (typeof v === 'object') {
      for (const k of Object.keys(v)) add(`${key}[${k}]`, (v as Record<string, unknown>)[k]);
    } else parts.push(`${encode(key)}=${encode(String(v))}`);
  };
  if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) add(k, (value as Record<string, unknown>)[k]);
  }
  return parts.join('&');
}
