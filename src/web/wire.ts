// Bytes of Web-standard Requests and Responses: bodies read with a limit, decompressed by DecompressionStream, decoded from their charset — no Node module.
import { FieldguardError } from '../errors.js';
import { charsetOf, isJsonMediaType, mayStartJson, mediaType } from '../middleware/body.js';
import { streamFormat, type StreamFormat } from '../middleware/stream.js';
import { BODY_DESCRIPTORS, bodilessStatus, firstByte, isJsonMedia, typeVerdict, type Verdict } from '../middleware/verdict.js';
import { webRecords, type WebRecordOptions } from '../middleware/stream-web.js';

type Decompression = 'gzip' | 'deflate' | 'br';

let brotli: boolean | undefined;
/** Whether this runtime's DecompressionStream reads br (some do, Node 20's does not); asked once. */
function hasBrotli(): boolean {
  if (brotli === undefined) {
    try {
      new DecompressionStream('br' as CompressionFormat);
      brotli = true;
    } catch {
      brotli = false;
    }
  }
  return brotli;
}

/** The compressed encodings a Web runtime decompresses itself (DecompressionStream); br only where the runtime has it. */
function decompressor(encoding: string): Decompression | undefined | null {
  switch (encoding) {
    case 'identity':
    case '':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    case 'br':
      return hasBrotli() ? 'br' : null;
    default:
      return null;
  }
}

function decompressed(stream: ReadableStream<Uint8Array>, format: Decompression | undefined): ReadableStream<Uint8Array> {
  return format === undefined ? stream : stream.pipeThrough(new DecompressionStream(format as CompressionFormat) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}

/** Reads a stream to its end, at most `limit` bytes; `undefined` when it was longer (the stream is then cancelled). */
async function readAll(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function decode(bytes: Uint8Array, contentType: string | null): string | undefined {
  try {
    return new TextDecoder(charsetOf(contentType ?? undefined) ?? 'utf-8').decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Reads a Request's unconsumed body: decompressed (gzip, deflate) and decoded from its charset, up
 * to `limit` bytes after decompression — what the Node reader does, with the Web's own streams.
 */
export async function readRequestBody(request: Request, limit: number): Promise<string> {
  if (request.body === null) return '';
  const format = decompressor((request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase());
  if (format === null) {
    await request.body.cancel().catch(() => undefined);
    throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body has a content encoding fieldguard cannot read here; send it uncompressed, or gzip or deflate');
  }
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  try {
    bytes = await readAll(decompressed(request.body, format), limit);
  } catch {
    throw new FieldguardError('ERR_INVALID_JSON', 'the request body could not be read');
  }
  if (bytes === undefined) throw new FieldguardError('ERR_PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`);
  const text = decode(bytes, request.headers.get('content-type'));
  if (text === undefined) throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body charset is not supported');
  return text;
}

/** How an answer is treated, by its status and type: the Node response guard's rule (src/middleware/verdict.ts). */
export type AnswerVerdict = Verdict;

/** The verdict on an answer: 204, 304, 1xx and bodiless answers pass; the rest by their type, as on Node. */
export function answerVerdict(response: Response): AnswerVerdict {
  if (response.body === null || bodilessStatus(response.status)) return 'pass';
  return typeVerdict(response.headers.get('content-type') ?? undefined);
}

/** Whether a type names JSON: what a bodiless answer (a HEAD) must not carry a length or validator of. */
export function isJsonType(response: Response): boolean {
  return isJsonMedia(mediaType(response.headers.get('content-type') ?? undefined));
}

/** The chunks already read, then the rest of `reader`: a stream that gives the body from its start again. */
function replay(seen: readonly Uint8Array[], ended: boolean, reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of seen) controller.enqueue(c);
      if (ended) controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** An answer read for masking: its parsed JSON, or the Response to send unchanged (an untyped body that does not start like JSON). */
export type ReadAnswer = { readonly value: unknown } | { readonly pass: Response };

/**
 * Reads an answer to mask: decompressed, decoded, parsed. An untyped body that does not start with
 * `{`, `[` or `"` is handed back whole, unbuffered past its first bytes. Throws `ERR_MASK_FAILED`
 * (500) when a JSON answer is too large, compressed in a way this runtime cannot read, or not JSON
 * (an untyped one that starts like JSON included):
 * the caller then answers that instead of the body.
 */
export async function readAnswer(response: Response, verdict: 'json' | 'sniff', limit: number): Promise<ReadAnswer> {
  const format = decompressor((response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase());
  if (format === null) throw new FieldguardError('ERR_MASK_FAILED', 'the answer is compressed in a way fieldguard cannot read here, so it cannot be masked');
  let raw = response.body!;
  // An untyped compressed body is sniffed through a copy, so the original bytes can still be sent as they came.
  let original: ReadableStream<Uint8Array> | undefined;
  if (verdict === 'sniff' && format !== undefined) [raw, original] = raw.tee();
  let stream: ReadableStream<Uint8Array> = decompressed(raw, format);
  if (verdict === 'sniff') {
    const reader = stream.getReader();
    const seen: Uint8Array[] = [];
    let first: number | undefined;
    let ended = false;
    while (first === undefined) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      seen.push(value);
      first = firstByte(value);
    }
    // As on Node: a UTF-16/32 byte-order mark or zero byte is read and parsed too, its text known only once decoded.
    const json = first !== undefined && mayStartJson(first);
    if (!json) {
      if (original !== undefined) {
        // What was read is decompressed; the original bytes are sent as they came.
        await reader.cancel().catch(() => undefined);
        return { pass: new Response(original, response) };
      }
      return { pass: new Response(replay(seen, ended, reader), response) };
    }
    await original?.cancel().catch(() => undefined);
    stream = replay(seen, ended, reader);
  }
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  try {
    bytes = await readAll(stream, limit);
  } catch {
    throw new FieldguardError('ERR_MASK_FAILED', 'the answer is compressed in a way fieldguard cannot read, so it cannot be masked');
  }
  if (bytes === undefined) throw new FieldguardError('ERR_MASK_FAILED', `the answer is larger than ${limit} bytes, the most fieldguard buffers to mask it`);
  const text = decode(bytes, response.headers.get('content-type'));
  if (text === undefined) throw new FieldguardError('ERR_MASK_FAILED', 'the answer has a charset fieldguard cannot read, so it cannot be masked');
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    // An untyped answer that starts like JSON but is not one JSON text (JSON Lines sent as text) may carry
    // the very records masking is for: refused, never sent unread — as on Node.
    if (verdict === 'sniff') {
      throw new FieldguardError('ERR_MASK_FAILED', 'the answer is untyped and starts like JSON but is not one JSON text, so it cannot be masked; type JSON Lines application/x-ndjson to have each record masked');
    }
    throw new FieldguardError('ERR_MASK_FAILED', 'the answer is declared as JSON but is not valid JSON, so it cannot be masked');
  }
}

/**
 * The answer with a rewritten JSON body: a matching Content-Length, no Content-Encoding, validator or
 * digest (they described the old body), UTF-8. A HEAD answer keeps the length, without a body.
 */
export function rewrittenAnswer(response: Response, value: unknown, head: boolean, sniffed: boolean): Response {
  const text = JSON.stringify(value) ?? 'null';
  const bytes = new TextEncoder().encode(text);
  const headers = new Headers(response.headers);
  for (const name of ['content-encoding', 'transfer-encoding', ...BODY_DESCRIPTORS]) headers.delete(name);
  const type = mediaType(headers.get('content-type') ?? undefined);
  if (type !== undefined && !sniffed) headers.set('content-type', `${type}; charset=utf-8`);
  headers.set('content-length', String(bytes.byteLength));
  return new Response(head ? null : bytes, { status: response.status, statusText: response.statusText, headers });
}

/**
 * A Request's streamed body (server-sent events, NDJSON), decompressed, for its records to be
 * rewritten as it is read; the framing headers of the old bytes are removed from `headers`.
 * @throws FieldguardError `ERR_UNSUPPORTED_CONTENT_TYPE` for an encoding this runtime cannot decompress.
 */
export function openRequestStream(request: Request, headers: Record<string, string>): ReadableStream<Uint8Array> {
  const format = decompressor((headers['content-encoding'] ?? 'identity').trim().toLowerCase());
  if (format === null || request.body === null) {
    void request.body?.cancel().catch(() => undefined);
    throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body has a content encoding fieldguard cannot read here; send it uncompressed, or gzip or deflate');
  }
  for (const name of ['content-length', 'content-encoding', 'content-md5']) delete headers[name];
  return decompressed(request.body, format);
}

/**
 * A streamed answer rewritten record by record as the client reads it: decompressed, without the
 * length, encoding and validators of the old bytes. A record that cannot be rewritten ends a
 * server-sent event stream with an `event: error`, then errors it; an NDJSON stream just errors.
 * @throws FieldguardError `ERR_MASK_FAILED` for an encoding this runtime cannot decompress.
 */
export function streamedAnswer(response: Response, format: StreamFormat, options: Omit<WebRecordOptions, 'errorEvent'>): Response {
  const encoding = decompressor((response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase());
  if (encoding === null) {
    void response.body?.cancel().catch(() => undefined);
    throw new FieldguardError('ERR_MASK_FAILED', 'the answer is compressed in a way fieldguard cannot read here, so it cannot be masked');
  }
  const headers = new Headers(response.headers);
  for (const name of ['content-length', 'content-encoding', 'transfer-encoding', ...BODY_DESCRIPTORS]) headers.delete(name);
  const body = webRecords(decompressed(response.body!, encoding), format, { ...options, errorEvent: format === 'sse' });
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
