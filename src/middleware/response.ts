// The response side, written once: an answer is transformed as a value where the framework gives one, else as bytes on the Node response.
import type { ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { FieldguardError, toFieldguardError } from '../errors.js';
import type { PlanResult } from '../plan/walk.js';
import { answerNode, isAnswer, refuse } from './answer.js';
import { charsetOf, mayStartJson, mediaType } from './body.js';
import { leaveReport, type CommonConfig } from './config.js';
import { ANSWERED, type Exchange } from './exchange.js';
import { streamFormat, type RecordApply } from './stream.js';
import { bodilessStatus, firstByte, typeVerdict, type Verdict } from './verdict.js';
import { isStaleHeader, streamAnswer, type StreamedAnswer } from './stream-node.js';

/**
 * An answer that cannot be transformed is the server's fault, whatever made it so (an answer nested
 * too deep is not the client's): a 4xx code of the walk is answered as 500 `ERR_MASK_FAILED`.
 */
function serverFault(e: unknown): FieldguardError {
  const error = toFieldguardError(e);
  if (error.status >= 500) return error;
  return new FieldguardError('ERR_MASK_FAILED', `the answer could not be masked: ${error.message}`, error.paths === undefined ? {} : { paths: error.paths });
}

/** The refusal of an untyped answer that starts like JSON but does not parse as one JSON text. */
const UNTYPED_NOT_JSON = 'the answer is untyped and starts like JSON but is not one JSON text, so it cannot be masked; type JSON Lines application/x-ndjson to have each record masked';

/** Transforms one answer body (masking, tokenizing, detokenizing). */
export type ResponseTransform = (value: unknown) => PlanResult | Promise<PlanResult>;

function verdictOf(res: ServerResponse, method: string | undefined): Verdict {
  if (isAnswer(res) || method === 'HEAD' || bodilessStatus(res.statusCode)) return 'pass';
  return typeVerdictOf(res);
}

/** The verdict by the answer's type alone. */
function typeVerdictOf(res: ServerResponse): Verdict {
  const header = res.getHeader('content-type');
  return typeVerdict(typeof header === 'string' ? header : Array.isArray(header) ? header[0] : undefined);
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return undefined;
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk));
}

/** The text of a buffered body: decompressed by its Content-Encoding and decoded from its charset. */
function bodyText(res: ServerResponse, bytes: Buffer): string {
  const encoding = String(res.getHeader('content-encoding') ?? 'identity').trim().toLowerCase();
  let plain: Buffer;
  try {
    plain =
      encoding === 'identity' || encoding === ''
        ? bytes
        : encoding === 'gzip' || encoding === 'x-gzip'
          ? gunzipSync(bytes)
          : encoding === 'deflate'
            ? inflateSync(bytes)
            : encoding === 'br'
              ? brotliDecompressSync(bytes)
              : (() => {
                  throw new Error('unknown encoding');
                })();
  } catch {
    throw new FieldguardError('ERR_MASK_FAILED', 'the answer is compressed in a way fieldguard cannot read, so it cannot be masked');
  }
  const header = res.getHeader('content-type');
  const charset = charsetOf(typeof header === 'string' ? header : undefined) ?? 'utf-8';
  try {
    return new TextDecoder(charset, { fatal: false }).decode(plain);
  } catch {
    throw new FieldguardError('ERR_MASK_FAILED', 'the answer has a charset fieldguard cannot read, so it cannot be masked');
  }
}

/**
 * Holds back every write of a response whose body must be transformed, and sends the
 * transformed body when the handler ends it — whatever wrote it (`res.send(string)`,
 * `res.end`, `res.write`, a piped stream, Koa's own respond). Bodies of other types pass
 * through unbuffered; untyped bodies (no type, or the `text/plain`, `text/html` or
 * `application/octet-stream` a framework gives them) are buffered only when they start like
 * JSON. Headers are deferred too, so the new body gets a matching Content-Length and loses a
 * Content-Encoding and ETag that described the old one.
 */
function interceptBytes(
  res: ServerResponse,
  method: string | undefined,
  done: { value: boolean },
  limit: number,
  transform: (value: unknown) => Promise<unknown>,
  config: Pick<CommonConfig, 'errorFormat'>,
  records: { readonly apply: RecordApply; readonly onRecord: (result: PlanResult) => void; readonly fail: (e: unknown) => FieldguardError },
): void {
  const write = res.write;
  const end = res.end;
  const writeHead = res.writeHead;
  let mode: 'undecided' | 'pass' | 'buffer' | 'stream' = 'undecided';
  const passing = (): boolean => mode === 'pass';
  let streamed: StreamedAnswer | undefined;
  let sniffed = false;
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;

  const startStream = (): void => {
    mode = 'stream';
    const header = res.getHeader('content-type');
    const format = streamFormat(typeof header === 'string' ? header : Array.isArray(header) ? header[0] : undefined)!;
    streamed = streamAnswer(res, format, { write, end }, { apply: records.apply, limit, onRecord: records.onRecord }, (e) => {
      mode = 'pass';
      answerNode(res, records.fail(e), config.errorFormat);
    });
  };
  const decide = (chunk: Buffer | undefined): void => {
    if (done.value) {
      mode = 'pass';
      return;
    }
    const verdict = verdictOf(res, method);
    if (verdict === 'stream') startStream();
    else if (verdict === 'json') mode = 'buffer';
    else if (verdict === 'pass') mode = 'pass';
    else if (chunk !== undefined && chunk.length > 0) {
      const b = firstByte(chunk);
      if (b === undefined) return;
      sniffed = true;
      mode = mayStartJson(b) ? 'buffer' : 'pass';
    } else if (chunk !== undefined) {
      mode = 'undecided';
    } else {
      mode = 'pass';
    }
  };
  const hold = (chunk: Buffer | undefined): void => {
    if (chunk === undefined || overflow) return;
    size += chunk.length;
    if (size > limit) {
      overflow = true;
      chunks.length = 0;
      return;
    }
    chunks.push(chunk);
  };

  const setHeader = res.setHeader;
  res.setHeader = function guardedSetHeader(this: ServerResponse, name: string, value: number | string | readonly string[]) {
    // Validators and lengths computed from the body masking replaces would describe it: an ETag is an
    // oracle for the hidden digits (a HEAD shows it, a matching If-None-Match answers 304), a HEAD's
    // Content-Length its size. Until the body is decided they are not set; the masked body gets its own length.
    if (!done.value && mode !== 'pass' && !isAnswer(this)) {
      const n = name.toLowerCase();
      if (mode === 'stream' && isStaleHeader(n)) return this;
      if (n === 'etag' && typeVerdictOf(this) !== 'pass') return this;
      if (n === 'content-length' && method === 'HEAD' && typeVerdictOf(this) !== 'pass') return this;
    }
    return setHeader.call(this, name, value);
  } as ServerResponse['setHeader'];

  res.writeHead = function deferredWriteHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    // Node's own end() writes the head through here too, once the body is decided.
    if (mode === 'pass') return (writeHead as (...a: unknown[]) => ServerResponse).call(this, status, ...rest);
    // Headers wait for the body: applied now, written with the (possibly new) body.
    this.statusCode = status;
    const headers = typeof rest[0] === 'string' ? rest[1] : rest[0];
    if (typeof rest[0] === 'string') this.statusMessage = rest[0];
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), headers[i + 1] as string);
    } else if (headers !== null && typeof headers === 'object') {
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) this.setHeader(k, v as string);
    }
    // A stream's head goes out now (its records follow as they come), without the headers of the old bytes.
    if (mode === 'undecided' && !done.value && verdictOf(this, method) === 'stream') startStream();
    if (mode === 'stream') return (writeHead as (...a: unknown[]) => ServerResponse).call(this, this.statusCode);
    return this;
  } as ServerResponse['writeHead'];

  res.write = function guardedWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    // Once the answer passes as it is, its chunks go on untouched: no copy of them is made.
    if (passing()) return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    const encoding = typeof rest[0] === 'string' ? rest[0] : undefined;
    const buf = toBuffer(chunk, encoding);
    if (mode === 'undecided') {
      decide(buf);
      if (mode === 'undecided') return true;
    }
    if (mode === 'pass') return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    if (mode === 'stream') return streamed!.write(buf);
    hold(buf);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (cb !== undefined) process.nextTick(cb);
    return true;
  } as ServerResponse['write'];

  res.end = function guardedEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    // An answer already transformed as a value (res.json, Koa's object body) ends as it is, without a copy of its bytes.
    if (mode === 'undecided' && done.value) mode = 'pass';
    if (mode === 'pass' && chunks.length === 0) return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    const args = [chunk, ...rest];
    const cb = args.find((r) => typeof r === 'function') as (() => void) | undefined;
    const data = typeof chunk === 'function' ? undefined : chunk;
    const encoding = typeof rest[0] === 'string' ? rest[0] : undefined;
    const buf = toBuffer(data, encoding);
    if (mode === 'undecided') decide(buf ?? Buffer.alloc(0));
    if (mode === 'undecided') mode = 'pass';
    if (mode === 'stream') {
      streamed!.end(buf, cb);
      return this;
    }
    if (mode === 'pass') {
      if (chunks.length > 0) {
        // Undecided writes held back (whitespace before the first character) go out first.
        for (const c of chunks.splice(0)) (write as (...a: unknown[]) => boolean).call(this, c);
      }
      return (end as (...a: unknown[]) => ServerResponse).call(this, ...args);
    }
    hold(buf);
    mode = 'pass';
    const bytes = Buffer.concat(chunks);
    chunks.length = 0;
    void (async () => {
      try {
        if (overflow) throw new FieldguardError('ERR_MASK_FAILED', `the answer is larger than ${limit} bytes, the most fieldguard buffers to mask it`);
        const text = bodyText(this, bytes);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          // An untyped answer that starts like JSON but is not one JSON text (JSON Lines sent as a string, a
          // truncated document) may carry the very records masking is for: refused, never sent unread.
          if (sniffed) throw new FieldguardError('ERR_MASK_FAILED', UNTYPED_NOT_JSON);
          throw new FieldguardError('ERR_MASK_FAILED', 'the answer is declared as JSON but is not valid JSON, so it cannot be masked');
        }
        const value = await transform(parsed);
        if (value === ANSWERED) return;
        const out = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
        this.removeHeader('content-encoding');
        this.removeHeader('etag');
        this.removeHeader('content-md5');
        this.removeHeader('transfer-encoding');
        const type = this.getHeader('content-type');
        if (typeof type === 'string' && !sniffed) this.setHeader('content-type', `${mediaType(type)}; charset=utf-8`);
        this.setHeader('content-length', out.length);
        (end as (...a: unknown[]) => ServerResponse).call(this, out, cb);
      } catch (e) {
        answerNode(this, e, config.errorFormat);
      }
    })();
    return this;
  } as ServerResponse['end'];
}

/**
 * Guards a response: the answer is transformed before a byte of it leaves, in every form the
 * framework allows — as a value (`res.json`, `res.send(object)`, `res.jsonp`, Koa's object
 * `ctx.body`) or as bytes (`res.send(string | Buffer)`, `res.write`/`res.end`, streams, Koa
 * string, Buffer and stream bodies) of a JSON type, or untyped (whatever default type the
 * framework then gives them) and starting like JSON. A
 * failure answers 500 (or 503 for the vault) instead of the body: nothing untransformed is sent.
 */
export function guardResponse(ex: Exchange, transform: ResponseTransform, config: CommonConfig): void {
  // A guarded answer is never partial: a range of its bytes could not be masked, and would show what masking hides.
  delete ex.req.headers.range;
  delete ex.req.headers['if-range'];
  const done = { value: false };
  const failed = (e: unknown): FieldguardError => serverFault(e);
  const finish = (result: PlanResult): unknown => {
    leaveReport(ex, config.onReport, () => result.report);
    return result.value;
  };
  ex.onValue((value) => {
    done.value = true;
    let result: PlanResult | Promise<PlanResult>;
    try {
      result = transform(value);
    } catch (e) {
      // Handed to the app's error handling, the refusal must reach it: the adapter awaits this.
      return refuse(ex, failed(e), config).then(() => ANSWERED);
    }
    // A synchronous plan answers at once, so code right after res.json() sees the report.
    if (!(result instanceof Promise)) return finish(result);
    return result.then(finish, async (e: unknown) => {
      await refuse(ex, failed(e), config);
      return ANSWERED;
    });
  });
  // Without a Node response (Web-standard Response) the adapter reads the answer's bytes and hands them to onValue.
  const res = ex.res;
  if (res === undefined) return;
  interceptBytes(
    res,
    ex.req.method,
    done,
    config.limit,
    async (value) => {
      try {
        return finish(await transform(value));
      } catch (e) {
        answerNode(res, failed(e), config.errorFormat);
        return ANSWERED;
      }
    },
    config,
    // Each record of a streamed answer reports on its own: a stream's merged report would grow with its length.
    { apply: transform, onRecord: finish, fail: failed },
  );
}
