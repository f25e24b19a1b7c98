// Streamed bodies, framework-free: server-sent events and NDJSON cut into records, each rewritten through a plan as it passes.
import { redactText } from '../detect/detect.js';
import { FieldguardError } from '../errors.js';
import type { PlanResult } from '../plan/walk.js';

/** The streamed formats fieldguard rewrites record by record: `text/event-stream` and newline-delimited JSON. */
export type StreamFormat = 'sse' | 'ndjson';

const NDJSON_TYPES: ReadonlySet<string> = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']);

/** Which streamed format a `Content-Type` names, or `undefined` for any other type. */
export function streamFormat(contentType: string | undefined): StreamFormat | undefined {
  // Read here rather than with body.ts's helper: this file imports nothing of Node, so a Web-standard adapter can use it.
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') return 'sse';
  return type !== undefined && NDJSON_TYPES.has(type) ? 'ndjson' : undefined;
}

/** Rewrites one record's parsed JSON (masking, scrubbing, tokenizing, detokenizing). */
export type RecordApply = (value: unknown) => PlanResult | Promise<PlanResult>;

/** What a record stream needs: how each record is rewritten, the largest record held, and where reports go. */
export interface RecordStreamOptions {
  readonly apply: RecordApply;
  /** Largest record (one line, one event) held while it is incomplete, in characters. */
  readonly limit: number;
  /** Told each record's report. */
  readonly onRecord?: (result: PlanResult) => void;
  /** Told each record's text as it arrived, before it is read; throwing cuts the stream there. */
  readonly check?: ((text: string, value: unknown) => void) | undefined;
}

function malformed(message: string): FieldguardError {
  return new FieldguardError('ERR_STREAM_MALFORMED', message);
}

/**
 * Parses one record's JSON. A parser's message quotes the text, so it is never kept: the record is
 * named only by what it was meant to be.
 */
function parseRecord(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformed(`${what} is not valid JSON, so it cannot be rewritten; the stream was cut`);
  }
}

/** A record's rewritten text, synchronously when the plan is, so a synchronous stream adds no promise per record. */
type Out = string | Promise<string>;

/**
 * Cuts a stream of text into records and rewrites each through a plan. Only the incomplete tail
 * is held (at most `limit` characters), so memory stays bounded whatever the stream's length; a
 * value split across chunks is joined before it is parsed. A record that is not JSON, or longer
 * than the limit, throws `ERR_STREAM_MALFORMED` / `ERR_PAYLOAD_TOO_LARGE`: the caller cuts the
 * stream, and nothing of that record is passed on.
 */
export class RecordStream {
  private tail = '';
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private ended = false;

  constructor(
    readonly format: StreamFormat,
    private readonly options: RecordStreamOptions,
  ) {}

  /** Takes the next bytes; returns the rewritten text of the records they complete. */
  write(chunk: Uint8Array): Out {
    return this.text(this.decoder.decode(chunk, { stream: true }), false);
  }

  /** Ends the stream; returns the rewritten text of its last record. An incomplete event or line is rewritten if whole JSON, else refused. */
  end(): Out {
    if (this.ended) return '';
    this.ended = true;
    return this.text(this.decoder.decode(), true);
  }

  private text(more: string, final: boolean): Out {
    let text = this.tail + more;
    this.tail = '';
    const records: string[] = [];
    if (this.format === 'ndjson') {
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        records.push(text.slice(start, nl));
        start = nl + 1;
      }
      text = text.slice(start);
    } else {
      // Events end at a blank line; CRLF and CR line ends are normalized first (a CR may end a chunk, so it waits).
      if (!final && text.endsWith('\r')) {
        this.tail = '\r';
        text = text.slice(0, -1);
      }
      text = text.replace(/\r\n?/g, '\n');
      let start = 0;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', start)) {
        records.push(text.slice(start, end));
        start = end + 2;
      }
      text = text.slice(start);
    }
    if (final) {
      if (text.trim() !== '') records.push(text);
      text = '';
    }
    // One bound for a record, whether it came whole in a chunk or is still incomplete.
    if (this.tail.length + text.length > this.options.limit || records.some((r) => r.length > this.options.limit)) {
      throw new FieldguardError('ERR_PAYLOAD_TOO_LARGE', `a streamed record is longer than ${this.options.limit} characters, the most fieldguard holds to rewrite it; the stream was cut`);
    }
    this.tail = text + this.tail;
    return this.all(records);
  }

  private all(records: readonly string[]): Out {
    let out = '';
    for (let i = 0; i < records.length; i++) {
      const one = this.format === 'ndjson' ? this.line(records[i]!) : this.event(records[i]!);
      if (typeof one !== 'string') return this.rest(out, one, records, i + 1);
      out += one;
    }
    return out;
  }

  private async rest(out: string, pending: Promise<string>, records: readonly string[], from: number): Promise<string> {
    out += await pending;
    for (let i = from; i < records.length; i++) out += await (this.format === 'ndjson' ? this.line(records[i]!) : this.event(records[i]!));
    return out;
  }

  private rewrite(value: unknown, serialize: (json: string) => string): Out {
    const result = this.options.apply(value);
    const done = (r: PlanResult): string => {
      this.options.onRecord?.(r);
      return serialize(JSON.stringify(r.value) ?? 'null');
    };
    return result instanceof Promise ? result.then(done) : done(result);
  }

  private line(raw: string): Out {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return '\n';
    const value = parseRecord(line, 'a line of the NDJSON stream');
    this.options.check?.(line, value);
    return this.rewrite(value, (json) => `${json}\n`);
  }

  private event(raw: string): Out {
    let head = '';
    const data: string[] = [];
    let comment = false;
    for (const line of raw.split('\n')) {
      if (line === '') continue;
      if (line.startsWith(':')) {
        // A comment is never read by a client, but may carry anything: it passes as a bare keep-alive.
        comment = true;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      // An event's name and id are the app's text, not the record: what a detector finds in them (an email as the id) is redacted.
      else if (field === 'event' || field === 'id') head += `${field}: ${redactText(value, { censor: 'redact' })}\n`;
      else if (field === 'retry') {
        if (!/^\d+$/.test(value)) throw malformed('an event of the stream has a retry field that is not a number; the stream was cut');
        head += `retry: ${value}\n`;
      }
      // Other fields are ignored by every client (the standard's rule), so they are not passed on.
    }
    if (data.length === 0) {
      this.options.check?.(raw, undefined);
      return head === '' ? (comment ? ':\n\n' : '') : `${head}\n`;
    }
    const value = parseRecord(data.join('\n'), "an event's data");
    this.options.check?.(raw, value);
    return this.rewrite(value, (json) => `${head}data: ${json}\n\n`);
  }
}

/** The text of the event that ends a stream fieldguard cut, naming the error's code and message (never a value). */
export function errorEvent(error: FieldguardError): string {
  return `event: error\ndata: ${JSON.stringify(error.toJSON())}\n\n`;
}
