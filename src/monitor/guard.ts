// The monitor's place in the request guards: the kill switch first, then the honeytoken search, then the outbound counts — all before anything is forwarded.
import type { Destinations } from '../destinations/define.js';
import { FieldguardError } from '../errors.js';
import { refuse } from '../middleware/answer.js';
import { bodyFormat, parseBody, parseQuery, pathOf, searchOf } from '../middleware/body.js';
import type { CommonConfig } from '../middleware/config.js';
import type { Behaviour, Exchange } from '../middleware/exchange.js';
import { tapWrites, type ChunkObserver } from '../middleware/node-tap.js';
import { mergeReports, type Report } from '../plan/report.js';
import { answerValue, MAX_SHAPE_BYTES, readableEncoding } from './decode.js';
import { watchOf, type Watch } from './watch.js';

/** The error a suspended destination is refused with. */
export function suspendedError(destination: string): FieldguardError {
  return new FieldguardError('ERR_DESTINATION_SUSPENDED', `the destination ${destination} is suspended; nothing was forwarded`);
}

/** What the preflight searched: a rewritten text derived from a searched original needs no second search. */
interface Searched {
  readonly found: Error | undefined;
  readonly body: boolean;
}

/** Percent-decoded text, or `undefined` when it holds no escape or does not decode. */
function decoded(text: string): string | undefined {
  if (!text.includes('%')) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Searches a body's text as it came and as the guard will read it (parsed by its type: a JSON
 * escape or a number's exponent form hides no decoy from the parser, so not from the search). A
 * body that does not parse is refused by the guard itself, so only its text is searched.
 */
export function searchBodyText(watch: Watch, destination: string, text: string, contentType: string | undefined): Error | undefined {
  const found = watch.check(destination, 'body', text);
  if (found !== undefined) return found;
  const format = bodyFormat(contentType);
  if (format === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = parseBody(format, text);
  } catch {
    return undefined;
  }
  return watch.checkValue(destination, 'body', value);
}

function preflight(watch: Watch, destination: string, ex: Exchange): Searched {
  // Each header's name and value searched where it is (a decoy split across two headers is not one decoy): no text is joined for it.
  const headers = watch.checkValue(destination, 'headers', ex.req.headers);
  if (headers !== undefined) return { found: headers, body: false };
  const url = ex.url();
  const raw = watch.check(destination, 'url', url);
  if (raw !== undefined) return { found: raw, body: false };
  // The rewritten query is made from the query as parsed (decoded): searched here as the guard reads it, it is not searched again.
  const path = decoded(pathOf(url));
  const inPath = path === undefined ? undefined : watch.check(destination, 'url', path);
  if (inPath !== undefined) return { found: inPath, body: false };
  const search = searchOf(url);
  if (search !== '' && /[%+]/.test(search)) {
    const query = watch.checkValue(destination, 'query', parseQuery(search));
    if (query !== undefined) return { found: query, body: false };
  }
  // Only a body a parser consumed is the one forwarded; otherwise the guard reads it from the wire (see readBody).
  if (!ex.req.readableEnded) return { found: undefined, body: false };
  const body = ex.body();
  // A parsed body is searched as the app handed it, before the policy: a decoy that is tokenized still gave its record away.
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return { found: watch.checkValue(destination, 'body', body), body: true };
  if (typeof body === 'string' || Buffer.isBuffer(body)) return { found: searchBodyText(watch, destination, body.toString(), ex.req.headers['content-type']), body: true };
  return { found: undefined, body: false };
}

/**
 * Watches the answer a proxied route sends back: for a JSON answer of at most 256 KiB as sent and
 * once decompressed (gzip, deflate, br), its shape is learned (`responseDrift`). Statuses are redactLogs' to count, once. The bytes are only
 * copied, never changed; what is copied is parsed once the answer finished and then dropped.
 */
function watchAnswer(res: NonNullable<Exchange['res']>, watch: Watch, destination: string): void {
  const copy = new AnswerCopy(res);
  tapWrites(res, copy);
  res.once('finish', () => {
    const { chunks, size } = copy;
    if (!copy.json || size === 0 || size > MAX_SHAPE_BYTES || res.statusCode >= 300) return;
    // Decompressed off the request's path; an answer that does not decode or parse has no shape.
    void answerValue(Buffer.concat(chunks), encodingOf(res)).then((value) => {
      if (value !== undefined) watch.response(destination, value);
    });
  });
}

/** The copy of a watched answer's bytes, as they are written. */
class AnswerCopy implements ChunkObserver {
  readonly chunks: Buffer[] = [];
  size = 0;
  json: boolean | undefined = undefined;
  constructor(readonly res: NonNullable<Exchange['res']>) {}
  seen(chunk: unknown, encoding: unknown): void {
    this.json ??= /\bjson\b/i.test(String(this.res.getHeader('content-type') ?? '')) && readableEncoding(encodingOf(this.res));
    if (!this.json || this.size > MAX_SHAPE_BYTES || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const b = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
    if (b === undefined) return;
    this.size += b.length;
    if (this.size <= MAX_SHAPE_BYTES) this.chunks.push(b);
  }
}

/**
 * Where there is no Node response (a Web-standard `Response`), the answer's value as the adapter
 * reads it for observers (never changed, never refused for it), learned once the answer finished
 * with a success status.
 */
function watchValue(ex: Exchange, watch: Watch, destination: string): void {
  let value: unknown;
  let read = false;
  ex.onValue(
    (v) => {
      value = v;
      read = true;
      return v;
    },
    { observe: true },
  );
  ex.finished((outcome) => {
    if (read && !outcome.aborted && outcome.status < 300) watch.response(destination, value);
  });
}

function encodingOf(res: NonNullable<Exchange['res']>): string | undefined {
  const e = res.getHeader('content-encoding');
  return e === undefined ? undefined : String(e);
}

/**
 * The exchange the guard sees: its rewritten body searched, its report kept, its request counted
 * when it is handed on. A class over the adapter's exchange (one small object per request, its
 * methods shared), not a copy of it.
 */
class WatchedExchange implements Exchange {
  /** Reports left before the request was handed on; `null` once it was (a streamed body's records report after). */
  #reports: Report[] | null = [];
  constructor(
    readonly ex: Exchange,
    readonly watch: Watch,
    readonly destination: string,
    readonly searched: Searched | undefined,
  ) {}
  get native(): unknown {
    return this.ex.native;
  }
  get req(): Exchange['req'] {
    return this.ex.req;
  }
  get res(): Exchange['res'] {
    return this.ex.res;
  }
  // The monitor counts what is forwarded by the report: it is built now, never deferred past this wrapper.
  get reportLater(): undefined {
    return undefined;
  }
  // A streamed body is never held whole: each record is searched as it arrives, and a decoy cuts the stream before it.
  get checkRecord(): Exchange['checkRecord'] {
    if (this.watch.honeytokens === 0) return this.ex.checkRecord;
    return (text, value) => {
      // The record as it came, and as parsed: what is written on is the parsed record serialized again.
      const found = this.watch.check(this.destination, 'body', text) ?? (value === undefined ? undefined : this.watch.checkValue(this.destination, 'body', value));
      if (found !== undefined) throw found;
    };
  }
  async readBody(limit: number): Promise<string> {
    const text = await this.ex.readBody(limit);
    // A body the guard reads itself is searched as it came and as the guard will parse it, before the policy.
    if (this.watch.honeytokens > 0) {
      const found = searchBodyText(this.watch, this.destination, text, this.ex.req.headers['content-type']);
      if (found !== undefined) throw found;
    }
    return text;
  }
  url(): string {
    return this.ex.url();
  }
  body(): unknown {
    return this.ex.body();
  }
  setBody(value: unknown, text: string): void {
    // What the policy wrote is made from the body already searched (kept values as they were, hashes and tokens of the rest); a body read here was not.
    if (this.watch.honeytokens > 0 && this.searched?.body !== true) {
      const found = this.watch.check(this.destination, 'body', text);
      if (found !== undefined) throw found;
    }
    this.ex.setBody(value, text);
  }
  setQuery(value: unknown, search: string): void {
    if (this.watch.honeytokens > 0 && this.searched === undefined) {
      const found = this.watch.check(this.destination, 'query', search);
      if (found !== undefined) throw found;
    }
    this.ex.setQuery(value, search);
  }
  route(): string | undefined {
    return this.ex.route();
  }
  report(r: Report): void {
    // A record of a streamed body is counted as it is rewritten: its fields and subjects, not another request.
    if (this.#reports === null) this.watch.outbound(this.destination, { report: r, bytes: 0, request: false });
    else this.#reports.push(r);
    this.ex.report(r);
  }
  logger(make: Parameters<Exchange['logger']>[0]): void {
    this.ex.logger(make);
  }
  onValue(transform: Parameters<Exchange['onValue']>[0], options?: Parameters<Exchange['onValue']>[1]): void {
    this.ex.onValue(transform, options);
  }
  next(): Promise<void> {
    const { ex, watch, destination } = this;
    const reports = this.#reports ?? [];
    this.#reports = null;
    const bytes = Number(ex.req.headers['content-length'] ?? 0) || 0;
    watch.outbound(destination, { report: reports.length === 0 ? undefined : reports.length === 1 ? reports[0] : mergeReports(reports), bytes });
    if (watch.answers && watch.sampleAnswer(destination)) {
      if (ex.res !== undefined) watchAnswer(ex.res, watch, destination);
      else watchValue(ex, watch, destination);
    }
    return ex.next();
  }
  answer(status: number, headers: Readonly<Record<string, string>>, body: string): void {
    this.ex.answer(status, headers, body);
  }
  finished(listener: Parameters<Exchange['finished']>[0]): void {
    this.ex.finished(listener);
  }
  fail(error: FieldguardError): Promise<void> {
    return this.ex.fail(error);
  }
}

/**
 * Wraps a request guard with the monitor's checks: a suspended destination is refused (503
 * `ERR_DESTINATION_SUSPENDED`), a request carrying a honeytoken is refused (403
 * `ERR_HONEYTOKEN_DETECTED`) with a critical alert, and what is forwarded is counted. Without a
 * monitor and a suspension it costs one look-up per request.
 */
export function watched(source: Destinations | object | undefined, destinations: Destinations | undefined, destination: string | undefined, guard: Behaviour, config: Pick<CommonConfig, 'errors' | 'errorFormat'>): Behaviour {
  if (destination === undefined) return guard;
  return async function watchedRequest(ex) {
    if (destinations !== undefined && destinations.names.includes(destination) && destinations.suspension(destination) !== undefined) {
      watchOf(source)?.refused(destination, 'ERR_DESTINATION_SUSPENDED');
      return refuse(ex, suspendedError(destination), config);
    }
    const watch = watchOf(source);
    if (watch === undefined) return guard(ex);
    let searched: Searched | undefined;
    if (watch.honeytokens > 0) {
      searched = preflight(watch, destination, ex);
      if (searched.found !== undefined) return refuse(ex, searched.found, config);
    }
    return guard(new WatchedExchange(ex, watch, destination, searched));
  };
}
