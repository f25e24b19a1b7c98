// Streamed bodies on Node's http: record streams piped through zlib and Node streams, for the request a forwarder pipes and the answer a handler writes.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { FieldguardError, toFieldguardError } from '../errors.js';
import { RecordStream, errorEvent, type RecordStreamOptions, type StreamFormat } from './stream.js';
import { BODY_DESCRIPTORS } from './verdict.js';

/** A Node transform of bytes: records in, rewritten records out, in order, one record's plan at a time. */
class RecordTransform extends Transform {
  private readonly records: RecordStream;

  constructor(format: StreamFormat, options: RecordStreamOptions) {
    super();
    this.records = new RecordStream(format, options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.emitOut(() => this.records.write(chunk), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.emitOut(() => this.records.end(), callback);
  }

  private emitOut(run: () => string | Promise<string>, callback: TransformCallback): void {
    let out: string | Promise<string>;
    try {
      out = run();
    } catch (e) {
      callback(toFieldguardError(e));
      return;
    }
    if (typeof out === 'string') {
      callback(null, out === '' ? undefined : Buffer.from(out, 'utf8'));
      return;
    }
    out.then(
      (text) => callback(null, text === '' ? undefined : Buffer.from(text, 'utf8')),
      (e: unknown) => callback(toFieldguardError(e)),
    );
  }
}

/** A decompressor for a `Content-Encoding`, `undefined` for identity; throws for one fieldguard cannot read. */
function decompressor(encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the stream has a content encoding fieldguard cannot read; send it uncompressed, or gzip, deflate or br');
  }
}

/** Bytes in (decompressed first), rewritten records out; an error on either side ends both. */
function pipeline(format: StreamFormat, encoding: string | undefined, options: RecordStreamOptions): { input: Transform; output: Transform } {
  const output = new RecordTransform(format, options);
  const unzip = decompressor(encoding);
  if (unzip === undefined) return { input: output, output };
  unzip.on('error', () => output.destroy(new FieldguardError('ERR_STREAM_MALFORMED', 'the stream is not validly compressed; the stream was cut')));
  unzip.pipe(output);
  return { input: unzip, output };
}

/** Headers that described the bytes before they were rewritten: a new length, no compression, no digest of the old body. */
const STALE: readonly string[] = ['content-length', 'content-encoding', ...BODY_DESCRIPTORS];

/** The Node response's own methods, saved before fieldguard intercepts them. */
export interface RawWrites {
  readonly write: ServerResponse['write'];
  readonly end: ServerResponse['end'];
}

/** The intercepted side of a streamed answer: what the handler writes goes in here. */
export interface StreamedAnswer {
  write(chunk: Buffer | undefined): boolean;
  end(chunk: Buffer | undefined, callback: (() => void) | undefined): void;
}

/**
 * Rewrites an answer record by record as the handler (or a proxy) writes it. The stale framing
 * headers are removed now and kept off; the rewritten records go out through the saved writes with
 * the response's own backpressure. A record that cannot be rewritten cuts the answer: before its
 * head was sent, `fail` answers the error; after, a server-sent event stream gets an `event: error`
 * and the connection is closed, an NDJSON stream is closed as it is — nothing of the record is sent.
 */
export function streamAnswer(res: ServerResponse, format: StreamFormat, raw: RawWrites, options: RecordStreamOptions, fail: (error: FieldguardError) => void): StreamedAnswer {
  const encoding = String(res.getHeader('content-encoding') ?? 'identity');
  for (const name of STALE) res.removeHeader(name);
  let stages: { input: Transform; output: Transform } | undefined;
  let cut = false;
  const abort = (e: unknown): void => {
    if (cut) return;
    cut = true;
    stages?.input.destroy();
    stages?.output.destroy();
    const error = toFieldguardError(e);
    if (!res.headersSent) return fail(error);
    if (format === 'sse') (raw.write as (c: string, cb: () => void) => boolean).call(res, errorEvent(error), () => res.destroy());
    else res.destroy();
  };
  try {
    stages = pipeline(format, encoding, options);
  } catch (e) {
    abort(e);
    return { write: () => false, end: () => undefined };
  }
  const { input, output } = stages;
  output.on('error', abort);
  input.on('error', abort);
  // A client gone mid-stream: the records stop, and so does whatever feeds them (a pipe unpipes on close).
  res.once('close', () => {
    if (res.writableFinished || cut) return;
    cut = true;
    input.destroy();
    output.destroy();
  });
  let onEnd: (() => void) | undefined;
  let waiting = false;
  let blocked = false;
  output.on('data', (chunk: Buffer) => {
    if (cut) return;
    if (!(raw.write as (c: Buffer) => boolean).call(res, chunk) && !waiting) {
      waiting = true;
      output.pause();
      res.once('drain', () => {
        waiting = false;
        output.resume();
      });
    }
  });
  output.on('end', () => {
    if (!cut) (raw.end as (cb?: () => void) => ServerResponse).call(res, onEnd);
  });
  return {
    write(chunk) {
      if (cut || chunk === undefined) return !cut;
      const ok = input.write(chunk);
      // The writer waits for the response's drain; it comes when the pipeline has room again.
      if (!ok && !blocked) {
        blocked = true;
        input.once('drain', () => {
          blocked = false;
          res.emit('drain');
        });
      }
      return ok;
    },
    end(chunk, callback) {
      if (cut) return;
      onEnd = callback;
      if (chunk !== undefined) input.write(chunk);
      input.end();
    },
  };
}

/** Whether a header is one a streamed answer must keep off once its records are rewritten. */
export function isStaleHeader(name: string): boolean {
  return STALE.includes(name.toLowerCase());
}

/**
 * Rewrites a request body record by record on its way to whatever reads the request next (a
 * proxy piping it to the vendor): what Node's HTTP parser pushes into the request goes through
 * the records first, and only the rewritten records come out. The framing headers are rewritten
 * for a body of unknown length (chunked, uncompressed). A record that cannot be rewritten aborts
 * the request — the forwarder sees it destroyed and the vendor an aborted request; nothing of the
 * record is forwarded.
 *
 * What the request already buffered (a middleware before awaited something while the first
 * chunks arrived) is taken out first and goes through the records ahead of the rest. Returns
 * false, having changed nothing, when the body can no longer be rewritten from its start: something
 * is reading it, or it arrived whole and ended before fieldguard ran (a request's end cannot be
 * taken back).
 */
export function streamRequest(req: IncomingMessage, format: StreamFormat, options: RecordStreamOptions): boolean {
  if (req.readableEnded || req.complete || req.readableFlowing === true) return false;
  const { input, output } = pipeline(format, req.headers['content-encoding'], options);
  const early: Buffer[] = [];
  // Not ended, so reading what is buffered cannot end the request.
  for (let chunk: unknown = req.read(); chunk !== null; chunk = req.read()) early.push(chunk as Buffer);
  reframeStreamed(req.headers);
  const push = req.push.bind(req);
  const read = req._read.bind(req);
  let cut = false;
  const abort = (e: unknown): void => {
    if (cut) return;
    cut = true;
    input.destroy();
    output.destroy();
    req.destroy(toFieldguardError(e));
  };
  input.on('error', abort);
  output.on('error', abort);
  output.on('data', (chunk: Buffer) => {
    if (!cut && !push(chunk)) output.pause();
  });
  output.on('end', () => {
    if (!cut) push(null);
  });
  // The parser pushes here; a full pipeline pauses the socket as a full request would.
  req.push = function pushThroughRecords(chunk: unknown): boolean {
    if (cut) return false;
    if (chunk === null) {
      input.end();
      return false;
    }
    return input.write(chunk as Buffer);
  };
  // A reader asking for more resumes the records, and the socket once the pipeline has room.
  req._read = function readRecords(n: number): void {
    output.resume();
    read(n);
  };
  input.on('drain', () => {
    if (!cut) read(0);
  });
  for (const chunk of early) input.write(chunk);
  return true;
}

/** Makes a request's headers describe a body rewritten as it streams: no length known, chunked, uncompressed. */
function reframeStreamed(headers: IncomingHttpHeaders): void {
  delete headers['content-length'];
  delete headers['content-encoding'];
  delete headers['content-md5'];
  headers['transfer-encoding'] = 'chunked';
}
