// The Exchange for Web-standard Request/Response handlers: the request rebuilt with what the core rewrote, the answer read, masked and rebuilt.
import { FieldguardError, toFieldguardError } from '../errors.js';
import type { RedactingLogger } from '../log/wrap.js';
import { errorAnswer } from '../middleware/answer.js';
import { byteLength } from '../middleware/body.js';
import type { CommonConfig } from '../middleware/config.js';
import { streamFormat } from '../middleware/stream.js';
import { BODY_DESCRIPTORS } from '../middleware/verdict.js';
import { OPEN_STREAM } from '../middleware/stream-web.js';
import { EMPTY_REPORT } from '../plan/report.js';
import { ANSWERED, type Exchange, type Outcome, type RequestHead, type ValueTransform } from '../middleware/exchange.js';
import type { Report } from '../plan/walk.js';
import { answerVerdict, isJsonType, openRequestStream, readAnswer, readRequestBody, rewrittenAnswer, streamedAnswer } from './wire.js';

/** A Web-standard handler: a Request (and whatever else the framework passes, e.g. Next.js's `{ params }`) in, a Response out. */
export type WebHandler<Args extends unknown[] = []> = (request: Request, ...args: Args) => Response | Promise<Response>;

const reports = new WeakMap<Request, Report>();
const loggers = new WeakMap<Request, () => RedactingLogger>();
const routes = new WeakMap<Request, string>();
/** Requests whose query a framework's validator already read before the guard (Hono's `validator('query')`). */
const queriesRead = new WeakSet<Request>();

/** One call of a guarded handler: what the core rewrote, and the answer once there is one. */
export interface Call {
  readonly request: Request;
  readonly head: RequestHead & { readonly headers: Record<string, string> };
  /** The body as read from the wire or rewritten; `undefined` while the request's own stream is untouched. */
  text: string | undefined;
  /** The streamed body (server-sent events, NDJSON) rewritten record by record, once the core asked for it. */
  stream: ReadableStream<Uint8Array> | undefined;
  search: string | undefined;
  response: Response | undefined;
  /** The Request handed to the wrapped handler, once it was called. */
  out: Request | undefined;
  readonly transforms: ValueTransform[];
  /** How many of the transforms only observe the answer (a log line). */
  observers: number;
  /** Whether reading the body failed part-way (too large, an encoding refused): the rest of it was cancelled, not read. */
  cut: boolean;
  readonly finished: Array<(outcome: Outcome) => void>;
}

/** The request's head as the core reads it: lower-cased headers, and a body announced by its framing even when the runtime streams it without a length. */
export function startCall(request: Request): Call {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (request.body !== null && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) headers['transfer-encoding'] = 'chunked';
  const head = { method: request.method, headers, readableEnded: request.bodyUsed };
  // A streamed body is opened only when a guard rewrites it: its records then pass one by one, never read whole.
  if (streamFormat(headers['content-type']) !== undefined && request.body !== null) {
    Object.defineProperty(head, OPEN_STREAM, { value: () => openRequestStream(request, headers) });
  }
  return { request, head, text: undefined, stream: undefined, search: undefined, response: undefined, out: undefined, transforms: [], observers: 0, cut: false, finished: [] };
}

/** The Request the wrapped handler gets: the original when nothing was read or rewritten, else one carrying the rewritten body, query and framing. */
function outgoing(call: Call): Request {
  if (call.text === undefined && call.search === undefined && call.stream === undefined) return call.request;
  const url = new URL(call.request.url);
  if (call.search !== undefined) url.search = call.search === '' ? '' : `?${call.search}`;
  const headers = new Headers();
  // Framing is the runtime's to compute from the new body.
  for (const [name, value] of Object.entries(call.head.headers)) if (name !== 'content-length' && name !== 'transfer-encoding') headers.set(name, value);
  const method = call.request.method;
  const body = method === 'GET' || method === 'HEAD' ? null : (call.stream ?? call.text ?? '');
  // A stream body is sent as it is read (half duplex, the only way a Request streams).
  const init = { method, headers, body, signal: call.request.signal, ...(call.stream === undefined ? {} : { duplex: 'half' }) } as RequestInit;
  const out = new Request(url, init);
  const report = reports.get(call.request);
  if (report !== undefined) reports.set(out, report);
  const log = loggers.get(call.request);
  if (log !== undefined) loggers.set(out, log);
  const route = routes.get(call.request);
  if (route !== undefined) routes.set(out, route);
  return out;
}

/** fieldguard's own answers, which a guard further out passes on untouched. */
const answers = new WeakSet<Response>();
/** Answers whose value could not be serialized (see `json`): each guard refuses them in its own way. */
const unreadable = new WeakSet<Response>();

/** fieldguard's own answer, as a Response. */
export function answerResponse(status: number, headers: Readonly<Record<string, string>>, body: string): Response {
  const response = new Response(body, { status, headers: { ...headers, 'content-length': String(byteLength(body)) } });
  answers.add(response);
  return response;
}

/** Marks fieldguard's answer for a value that could not be serialized, for the guard to answer as it was configured. */
export function markUnreadable(response: Response): Response {
  unreadable.add(response);
  return response;
}

/** The answer after the value transforms: read, transformed and rebuilt when it is JSON (or untyped and starts like JSON). */
async function guardAnswer(call: Call, response: Response, config: CommonConfig): Promise<Response> {
  if (call.transforms.length === 0) return response;
  if (unreadable.has(response) && call.observers < call.transforms.length) {
    // The value the handler answered could not be serialized: refused as this guard refuses, the app's error never seen.
    const error = new FieldguardError('ERR_UNREADABLE_VALUE', 'the answer could not be serialized (a getter, toJSON or proxy threw), so it cannot be masked');
    if (config.errors === 'handler') throw error;
    const { status, headers, body } = errorAnswer(error, config.errorFormat);
    return answerResponse(status, headers, body);
  }
  if (answers.has(response)) return response;
  const head = call.request.method === 'HEAD';
  const verdict = answerVerdict(response);
  if (call.observers === call.transforms.length) {
    // Only observed (a log line): the answer goes out as it came, whether or not a copy of it can be read; a stream is never copied whole.
    if (verdict === 'pass' || verdict === 'stream') return response;
    try {
      const read = await readAnswer(response.clone(), verdict, config.limit);
      if ('value' in read) for (const transform of call.transforms) await transform(read.value);
    } catch {
      // An answer that cannot be read is logged without its body.
    }
    return response;
  }
  if (verdict === 'pass') {
    if (head && isJsonType(response) && response.body === null) {
      // A bodiless HEAD of a JSON answer: its length, validator and digests describe what masking would hide.
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      for (const name of BODY_DESCRIPTORS) headers.delete(name);
      return new Response(null, { status: response.status, statusText: response.statusText, headers });
    }
    return response;
  }
  if (verdict === 'stream') return streamedRecords(call, response, config);
  let value: unknown;
  try {
    const read = await readAnswer(response, verdict, config.limit);
    if ('pass' in read) return read.pass;
    value = read.value;
  } catch (e) {
    const { status, headers, body } = errorAnswer(toFieldguardError(e), config.errorFormat);
    return answerResponse(status, headers, body);
  }
  for (const transform of call.transforms) {
    const v = await transform(value);
    if (v === ANSWERED) return call.response ?? answerResponse(500, {}, '');
    value = v;
  }
  return rewrittenAnswer(response, value, head, verdict === 'sniff');
}

/**
 * A streamed answer (server-sent events, NDJSON) whose records go through the value transforms one
 * by one as the client reads them; each transform reports per record. A transform that answered
 * instead (a refusal) cuts the stream there.
 */
function streamedRecords(call: Call, response: Response, config: CommonConfig): Response {
  const apply = async (value: unknown) => {
    let v = value;
    for (const transform of call.transforms) {
      v = await transform(v);
      if (v === ANSWERED) throw new FieldguardError('ERR_MASK_FAILED', 'a record of the streamed answer could not be rewritten; the stream was cut');
    }
    return { value: v, report: EMPTY_REPORT };
  };
  try {
    const format = streamFormat(response.headers.get('content-type') ?? undefined)!;
    return streamedAnswer(response, format, { apply, limit: config.limit });
  } catch (e) {
    const { status, headers, body } = errorAnswer(toFieldguardError(e), config.errorFormat);
    return answerResponse(status, headers, body);
  }
}

/** The Exchange of one call of a guarded handler. */
export function webExchange<Args extends unknown[]>(call: Call, handler: WebHandler<Args>, args: Args, config: CommonConfig): Exchange<Request> {
  const { request } = call;
  return {
    native: request,
    req: call.head,
    res: undefined,
    url() {
      const url = new URL(request.url);
      return url.pathname + url.search;
    },
    async readBody(limit) {
      let text: string;
      try {
        text = await readRequestBody(request, limit);
      } catch (e) {
        call.cut = true;
        throw e;
      }
      call.text = text;
      return text;
    },
    finished: (listener) => void call.finished.push(listener),
    body: () => undefined,
    setBody(value, text) {
      if (value instanceof ReadableStream) call.stream = value as ReadableStream<Uint8Array>;
      else call.text = text;
    },
    setQuery(_value, search) {
      // What a validator read before the guard is what the handler gets: a query the guard rewrote is refused, as a body read before it is.
      if (queriesRead.has(request) && search !== new URL(request.url).search.slice(1)) {
        throw new FieldguardError('ERR_INVALID_OPTIONS', 'the query was read by a validator before fieldguard could scrub it; mount fieldguard\'s middleware before the route\'s validators');
      }
      call.search = search;
    },
    route: () => routes.get(request),
    report(r) {
      reports.set(request, r);
      if (call.out !== undefined) reports.set(call.out, r);
    },
    logger(make) {
      let own: RedactingLogger | undefined;
      loggers.set(request, () => (own ??= make()));
    },
    onValue(transform, options) {
      call.transforms.push(transform);
      if (options?.observe === true) call.observers++;
    },
    async next() {
      call.out = outgoing(call);
      const response = await handler(call.out, ...args);
      call.response = await guardAnswer(call, response, config);
    },
    answer(status, headers, body) {
      // A body cancelled part-way leaves the connection unusable on Node's http server (it is destroyed once the
      // answer is out): the client is told so, and does not send its next request on it.
      call.response = answerResponse(status, call.cut ? { ...headers, connection: 'close' } : headers, body);
    },
    async fail(error) {
      throw error;
    },
  };
}

/** Calls the `finished` listeners when the answer's body has been read to its end (or cancelled by the client), counting its bytes. */
export function counted(response: Response, listeners: ReadonlyArray<(outcome: Outcome) => void>): Response {
  if (listeners.length === 0) return response;
  let told = false;
  const tell = (bytes: number, aborted: boolean): void => {
    if (told) return;
    told = true;
    for (const l of listeners) l({ status: response.status, bytes, aborted });
  };
  if (response.body === null) {
    tell(0, false);
    return response;
  }
  const reader = response.body.getReader();
  let bytes = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        // A streamed answer cut at a record it could not rewrite: the request line is still written, as aborted.
        tell(bytes, true);
        throw e;
      }
      const { done, value } = chunk;
      if (done) {
        controller.close();
        tell(bytes, false);
      } else {
        bytes += value.byteLength;
        controller.enqueue(value);
      }
    },
    cancel(reason) {
      tell(bytes, true);
      return reader.cancel(reason);
    },
  });
  const out = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  if (answers.has(response)) answers.add(out);
  return out;
}

/** The last report a fieldguard guard left for this request (the one it received or the one it passed on), or `undefined`. */
export function reportOf(request: Request): Report | undefined {
  return reports.get(request);
}

/** The redacting logger `redactLogs` made for this request, or `undefined` when it is not in front of the handler. */
export function requestLog(request: Request): RedactingLogger | undefined {
  return loggers.get(request)?.();
}

/** Records that a framework's validator read this request's query before the guard ran. */
export function setQueryRead(request: Request): void {
  queriesRead.add(request);
}

/** Records the route pattern a framework matched for this request (never the matched text), for the request line. */
export function setRoute(request: Request, pattern: string): void {
  routes.set(request, pattern);
}
