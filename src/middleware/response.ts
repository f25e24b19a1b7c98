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
import { BODY_DESCRIPTORS, bodilessStatus, firstByte, typeVerdict, type Verdict } from './verdict.js';
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

type Records = { readonly apply: RecordApply; readonly onRecord: (result: PlanResult) => void; readonly fail: (e: unknown) => FieldguardError };
type Write = (...a: unknown[]) => boolean;
type End = (...a: unknown[]) => ServerResponse;

/**
 * Holds back every write of a response whose body must be transformed, and sends the
 * transformed body when the handler ends it — whatever wrote it (`res.send(string)`,
 * `res.end`, `res.write`, a piped stream, Koa's own respond). Bodies of other types pass
 * through unbuffered; untyped bodies (no type, or the `text/plain`, `text/html` or
 * `application/octet-stream` a framework gives them) are buffered only when they start like
 * JSON. Headers are deferred too, so the new body gets a matching Content-Length and loses a
 * Content-Encoding and ETag that described the old one.
 *
 * One object per response holds the state, and the four methods put on the response are functions
 * made once, bound to it. A closure made per response and kept on the Node response (as these
 * methods were) makes V8 on Node 20 keep every response's objects through the young generation's
 * collections until an old-space collection: a Koa answer through maskFields spent about 20 µs of
 * collector time per request that way, against 2–4 µs with bound functions (`--trace-gc`; a bound
 * function, a number or an object on the response do not do it).
 */
class ByteGuard {
  mode: 'undecided' | 'pass' | 'buffer' | 'stream' = 'undecided';
  streamed: StreamedAnswer | undefined = undefined;
  sniffed = false;
  /** What is held back, made at the first chunk held. */
  chunks: Buffer[] | undefined = undefined;
  size = 0;
  overflow = false;
  /**
   * From the end that handed over the body until the transformed answer is sent: the answer is the
   * app's last word, and what is written after it (a second `res.send` of a handler missing a
   * `return`, a second `end`, Fastify sending a returned value after `reply.send`) is dropped. Without
   * the guard Node would refuse it, the headers being sent; here they are held back, and it would go
   * out in place of the masked answer. fieldguard's own refusal (an answer marked as its own) still goes out.
   * The same holds while an asynchronous plan transforms an answer given as a value (`res.json`). The
   * status of the sealed answer is kept too: a late `res.status(404)` would otherwise change it.
   */
  sealed = false;
  #status: { code: number; message: string } | undefined = undefined;
  readonly write: Write;
  readonly end: End;
  readonly writeHead: (...a: unknown[]) => ServerResponse;
  readonly setHeader: ServerResponse['setHeader'];
  constructor(
    readonly res: ServerResponse,
    readonly method: string | undefined,
    readonly done: { value: boolean },
    readonly limit: number,
    readonly transform: (value: unknown) => Promise<unknown>,
    readonly config: Pick<CommonConfig, 'errorFormat'>,
    readonly records: Records,
  ) {
    this.write = res.write as Write;
    this.end = res.end as End;
    this.writeHead = res.writeHead as (...a: unknown[]) => ServerResponse;
    this.setHeader = res.setHeader;
  }

  /** From now until unseal(), what the app writes is dropped and the status stays as it is. */
  seal(): void {
    this.sealed = true;
    this.#status = { code: this.res.statusCode, message: this.res.statusMessage };
  }

  /** The sealed answer goes out now: with the status it had when it was handed over. */
  unseal(): void {
    this.sealed = false;
    const status = this.#status;
    this.#status = undefined;
    if (status === undefined || this.res.headersSent) return;
    this.res.statusCode = status.code;
    this.res.statusMessage = status.message;
  }

  held(): number {
    return this.chunks === undefined ? 0 : this.chunks.length;
  }

  startStream(): void {
    this.mode = 'stream';
    const res = this.res;
    const header = res.getHeader('content-type');
    const format = streamFormat(typeof header === 'string' ? header : Array.isArray(header) ? header[0] : undefined)!;
    const records = this.records;
    this.streamed = streamAnswer(res, format, { write: this.write, end: this.end }, { apply: records.apply, limit: this.limit, onRecord: records.onRecord }, (e) => {
      this.mode = 'pass';
      answerNode(res, records.fail(e), this.config.errorFormat);
    });
  }

  decide(chunk: Buffer | undefined): void {
    if (this.done.value) {
      this.mode = 'pass';
      return;
    }
    const verdict = verdictOf(this.res, this.method);
    if (verdict === 'stream') this.startStream();
    else if (verdict === 'json') this.mode = 'buffer';
    else if (verdict === 'pass') this.mode = 'pass';
    else if (chunk !== undefined && chunk.length > 0) {
      const b = firstByte(chunk);
      if (b === undefined) return;
      this.sniffed = true;
      this.mode = mayStartJson(b) ? 'buffer' : 'pass';
    } else if (chunk !== undefined) {
      this.mode = 'undecided';
    } else {
      this.mode = 'pass';
    }
  }

  hold(chunk: Buffer | undefined): void {
    if (chunk === undefined || this.overflow) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.overflow = true;
      this.chunks = undefined;
      return;
    }
    (this.chunks ??= []).push(chunk);
  }

  onSetHeader(res: ServerResponse, name: string, value: number | string | readonly string[]): ServerResponse {
    if (this.sealed && !isAnswer(res)) return res;
    // Validators, digests and lengths computed from the body masking replaces would describe it: an ETag
    // or a digest is an oracle for the hidden digits (a HEAD shows it, a matching If-None-Match answers
    // 304), a HEAD's Content-Length its size. Until the body is decided they are not set; the masked body
    // gets its own length.
    if (!this.done.value && this.mode !== 'pass' && !isAnswer(res)) {
      const n = name.toLowerCase();
      if (this.mode === 'stream' && isStaleHeader(n)) return res;
      if (BODY_DESCRIPTORS.includes(n) && typeVerdictOf(res) !== 'pass') return res;
      if (n === 'content-length' && this.method === 'HEAD' && typeVerdictOf(res) !== 'pass') return res;
    }
    return this.setHeader.call(res, name, value);
  }

  onWriteHead(res: ServerResponse, status: number, rest: unknown[]): ServerResponse {
    if (this.sealed && !isAnswer(res)) return res;
    // Node's own end() writes the head through here too, once the body is decided.
    if (this.mode === 'pass') return this.writeHead.call(res, status, ...rest);
    // Headers wait for the body: applied now, written with the (possibly new) body.
    res.statusCode = status;
    const headers = typeof rest[0] === 'string' ? rest[1] : rest[0];
    if (typeof rest[0] === 'string') res.statusMessage = rest[0];
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1] as string);
    } else if (headers !== null && typeof headers === 'object') {
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, v as string);
    }
    // A stream's head goes out now (its records follow as they come), without the headers of the old bytes.
    if (this.mode === 'undecided' && !this.done.value && verdictOf(res, this.method) === 'stream') this.startStream();
    if (this.mode === 'stream') return this.writeHead.call(res, res.statusCode);
    return res;
  }

  onWrite(res: ServerResponse, chunk: unknown, rest: unknown[]): boolean {
    if (this.sealed && !isAnswer(res)) return afterEnd(rest);
    // Once the answer passes as it is, its chunks go on untouched: no copy of them is made.
    if (this.mode === 'pass') return this.write.call(res, chunk, ...rest);
    const encoding = typeof rest[0] === 'string' ? rest[0] : undefined;
    const buf = toBuffer(chunk, encoding);
    if (this.mode === 'undecided') this.decide(buf);
    // decide() has set the mode: read again.
    const mode = this.mode as ByteGuard['mode'];
    if (mode === 'undecided') return true;
    if (mode === 'pass') return this.write.call(res, chunk, ...rest);
    if (mode === 'stream') return this.streamed!.write(buf);
    this.hold(buf);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (cb !== undefined) process.nextTick(cb);
    return true;
  }

  onEnd(res: ServerResponse, chunk: unknown, rest: unknown[]): ServerResponse {
    if (this.sealed && !isAnswer(res)) {
      afterEnd([chunk, ...rest]);
      return res;
    }
    // An answer already transformed as a value (res.json, Koa's object body) ends as it is, without a copy of its bytes.
    if (this.mode === 'undecided' && this.done.value) this.mode = 'pass';
    if (this.mode === 'pass' && this.held() === 0) return this.end.call(res, chunk, ...rest);
    const args = [chunk, ...rest];
    const cb = args.find((r) => typeof r === 'function') as (() => void) | undefined;
    const data = typeof chunk === 'function' ? undefined : chunk;
    const encoding = typeof rest[0] === 'string' ? rest[0] : undefined;
    const buf = toBuffer(data, encoding);
    if (this.mode === 'undecided') this.decide(buf ?? Buffer.alloc(0));
    if (this.mode === 'undecided') this.mode = 'pass';
    if (this.mode === 'stream') {
      this.streamed!.end(buf, cb);
      return res;
    }
    if (this.mode === 'pass') {
      const held = this.chunks;
      this.chunks = undefined;
      // Undecided writes held back (whitespace before the first character) go out first.
      if (held !== undefined) for (const c of held) this.write.call(res, c);
      return this.end.call(res, ...args);
    }
    this.hold(buf);
    this.mode = 'pass';
    this.seal();
    const bytes = this.chunks === undefined ? Buffer.alloc(0) : Buffer.concat(this.chunks);
    this.chunks = undefined;
    void this.answer(res, bytes, cb);
    return res;
  }

  /** Parses, transforms and sends the buffered answer; a failure answers an error instead, never the bytes. */
  async answer(res: ServerResponse, bytes: Buffer, cb: (() => void) | undefined): Promise<void> {
    try {
      if (this.overflow) throw new FieldguardError('ERR_MASK_FAILED', `the answer is larger than ${this.limit} bytes, the most fieldguard buffers to mask it`);
      const text = bodyText(res, bytes);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        // An untyped answer that starts like JSON but is not one JSON text (JSON Lines sent as a string, a
        // truncated document) may carry the very records masking is for: refused, never sent unread.
        if (this.sniffed) throw new FieldguardError('ERR_MASK_FAILED', UNTYPED_NOT_JSON);
        throw new FieldguardError('ERR_MASK_FAILED', 'the answer is declared as JSON but is not valid JSON, so it cannot be masked');
      }
      const value = await this.transform(parsed);
      // The transform answered itself (a refusal, marked as fieldguard's own answer, which the seal lets through).
      if (value === ANSWERED) return;
      const out = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
      // From here to the end, all synchronous: nothing else can write in between.
      this.unseal();
      res.removeHeader('content-encoding');
      for (const name of BODY_DESCRIPTORS) res.removeHeader(name);
      res.removeHeader('transfer-encoding');
      const type = res.getHeader('content-type');
      if (typeof type === 'string' && !this.sniffed) res.setHeader('content-type', `${mediaType(type)}; charset=utf-8`);
      res.setHeader('content-length', out.length);
      this.end.call(res, out, cb);
    } catch (e) {
      this.sealed = false;
      answerNode(res, e, this.config.errorFormat);
    }
  }
}

/** A write or end after the answer was handed over: dropped, and its callback told so, as Node tells a write after end. */
function afterEnd(args: readonly unknown[]): false {
  const cb = args.find((a) => typeof a === 'function') as ((e: Error) => void) | undefined;
  if (cb !== undefined) process.nextTick(cb, Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' }));
  return false;
}

// The methods put on a guarded response, bound to its ByteGuard: see ByteGuard for why not closures.
function guardedSetHeader(this: ByteGuard, name: string, value: number | string | readonly string[]): ServerResponse {
  return this.onSetHeader(this.res, name, value);
}
function deferredWriteHead(this: ByteGuard, status: number, ...rest: unknown[]): ServerResponse {
  return this.onWriteHead(this.res, status, rest);
}
function guardedWrite(this: ByteGuard, chunk: unknown, ...rest: unknown[]): boolean {
  return this.onWrite(this.res, chunk, rest);
}
function guardedEnd(this: ByteGuard, chunk?: unknown, ...rest: unknown[]): ServerResponse {
  return this.onEnd(this.res, chunk, rest);
}

function interceptBytes(
  res: ServerResponse,
  method: string | undefined,
  done: { value: boolean },
  limit: number,
  transform: (value: unknown) => Promise<unknown>,
  config: Pick<CommonConfig, 'errorFormat'>,
  records: Records,
): ByteGuard {
  const g = new ByteGuard(res, method, done, limit, transform, config, records);
  res.setHeader = guardedSetHeader.bind(g) as ServerResponse['setHeader'];
  res.writeHead = deferredWriteHead.bind(g) as ServerResponse['writeHead'];
  res.write = guardedWrite.bind(g) as ServerResponse['write'];
  res.end = guardedEnd.bind(g) as ServerResponse['end'];
  return g;
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
  // The bytes guard, on a Node response: sealed while an asynchronous plan transforms an answer given as a value.
  let bytes: ByteGuard | undefined;
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
    const sealed = bytes;
    sealed?.seal();
    return result.then(
      (r) => {
        sealed?.unseal();
        return finish(r);
      },
      async (e: unknown) => {
        if (sealed !== undefined) sealed.sealed = false;
        await refuse(ex, failed(e), config);
        return ANSWERED;
      },
    );
  });
  // Without a Node response (Web-standard Response) the adapter reads the answer's bytes and hands them to onValue.
  const res = ex.res;
  if (res === undefined) return;
  bytes = interceptBytes(
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
