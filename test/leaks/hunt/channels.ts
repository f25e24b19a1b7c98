// Every channel a request can leak through, and the one model of where a planted canary may appear in clear.
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import type { Redis } from 'ioredis';
import { redactText } from '../../../src/index.js';
import { encodings } from '../canaries.js';
import type { Received } from '../../helpers/vendor.js';
import type { HuntApp } from './apps.js';
import type { Cls, Plant } from './plant.js';

/** The middleware families, by what the schema lets through them in clear. */
export type Family =
  /** scrubPII, tokenizeFields, protect on the way to the vendor: only public and internal fields in clear. */
  | 'outbound'
  /** maskFields: public and internal in clear, untagged text kept after the detectors ran over it. */
  | 'mask'
  /** tokenizeFields on the answer: public and internal in clear, untagged dropped. */
  | 'tokenize-answer'
  /** detokenizeFields for an authorized caller: every tagged value in clear again. */
  | 'detokenize'
  /** A refused request whose body was read (403, 413, 422): nothing forwarded or answered; logs as usual. */
  | 'refused'
  /** A body no parser can read (malformed, too deep): nothing anywhere, logs included. */
  | 'error';

/** A route under test: its family, its middleware (for the known-leak table) and its schema's case rule. */
export interface Route {
  readonly family: Family;
  readonly middleware: 'scrubPII' | 'tokenizeFields' | 'protect' | 'maskFields' | 'detokenizeFields';
  readonly ci: boolean;
  /** Plants the app logs inside a query as Koa and Express 5 parse it, with flat `a[b]` keys: what the vendor's URL kept. */
  readonly flatQueryPlants?: ReadonlySet<number>;
  /** The app logs, through requestLog(req), the error body-parser gave a malformed JSON body (Express). */
  readonly parserErrorLogged?: boolean;
  /** How the handler answered (see apps.ts). */
  readonly answerForm?: string;
  /** Known leaks of the log call itself (which logger method, which pino feature): they apply to every plant it logged. */
  readonly logCallLeaks?: readonly string[];
}

/** Everything one request left behind, by channel. */
export type Channels = Record<string, string | Buffer>;

/**
 * A leak the hunt found and keeps as a skipped regression case (see hunt.test.ts): while it stands,
 * the properties allow exactly that canary in exactly that channel, and nothing else.
 */
export interface KnownLeak {
  readonly id: string;
  readonly applies: (route: Route, channel: string, plant: Plant) => boolean;
}

const isLog = (channel: string): boolean => channel.startsWith('log.');
const carriesPayload = (route: Route, channel: string): boolean => channel === 'vendor.body' || channel === 'vendor.url' || channel === 'answer.body';

/**
 * Leaks found and not yet fixed, each tolerated by an exact rule while its pinned case in
 * hunt.test.ts is skipped. A new finding gets a rule here and an `it.skip` there until fixed.
 */
export const KNOWN_LEAKS: readonly KnownLeak[] = [];


/** The class of a plant as the channel's engine sees it: the route's schema, or the log redactor's (case-insensitive). */
function clsFor(route: Route, channel: string, p: Plant): Cls {
  return isLog(channel) || route.ci ? p.clsCI : p.cls;
}

const detectorVerdicts = new Map<string, boolean>();
/** Whether the detectors alone mask the canary's text, as they do wherever untagged text is scanned. */
export function caughtByDetectors(p: Pick<Plant, 'canary' | 'text'>): boolean {
  let v = detectorVerdicts.get(p.text);
  if (v === undefined) {
    const out = redactText(p.text).toLowerCase();
    v = !encodings(p.canary).some((f) => out.includes(f.toLowerCase()));
    detectorVerdicts.set(p.text, v);
  }
  return v;
}

/**
 * Whether a planted canary may appear in clear in a channel after a request through a route —
 * `true`, `false`, or the id of the known leak that lets it through.
 */
export function mayAppear(route: Route, channel: string, p: Plant): boolean | string {
  const cls = clsFor(route, channel, p);
  let ok = false;
  if (isLog(channel)) {
    ok = route.family !== 'error' && (cls === 'clear' || (cls === 'untagged' && !caughtByDetectors(p)));
  } else if (carriesPayload(route, channel)) {
    switch (route.family) {
      case 'outbound':
      case 'tokenize-answer':
        ok = cls === 'clear';
        break;
      case 'mask':
        ok = channel === 'answer.body' && (cls === 'clear' || (cls === 'untagged' && !caughtByDetectors(p)));
        break;
      case 'detokenize':
        ok = channel === 'answer.body' && cls !== 'untagged';
        break;
      case 'refused':
      case 'error':
        ok = false;
    }
  }
  if (ok) return true;
  const known = KNOWN_LEAKS.find((k) => k.applies(route, channel, p));
  return known === undefined ? false : known.id;
}

/** One canary found where it must not be. */
export interface Found {
  readonly channel: string;
  readonly plant: Plant;
  readonly form: string;
  readonly around: string;
}

/** Percent-escapes decoded (and `+` read as a space), for a client that encoded every character: `%63%61…`. */
function percentDecoded(t: string): string | undefined {
  if (!/%[0-9a-f]{2}/i.test(t)) return undefined;
  const once = Buffer.from(t.replace(/\+/g, ' ').replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  return once;
}

/**
 * Channel contents prepared once for matching: case-insensitive over the latin1 and UTF-8 readings
 * (as findLeaks does), and over their percent-decoded reading, so a canary every character of which
 * was percent-encoded is found too.
 */
function prepared(content: string | Buffer): string[] {
  // Bytes are also read as UTF-16LE at both alignments, so an answer left in UTF-16 is scanned too.
  const readings = typeof content === 'string' ? [content] : [content.toString('latin1'), content.toString('utf8'), content.toString('utf16le'), content.subarray(1).toString('utf16le')];
  const out = new Set<string>();
  for (const r of readings) {
    out.add(r.toLowerCase());
    const decoded = percentDecoded(r);
    if (decoded !== undefined) out.add(decoded.toLowerCase());
  }
  return [...out];
}

const formsCache = new Map<string, Array<readonly [string, string]>>();
function formsOf(canary: string): Array<readonly [string, string]> {
  let f = formsCache.get(canary);
  if (f === undefined) {
    // Beside findLeaks' encodings: the bytes as JSON.stringify writes a Buffer or typed array (`99,97,110,…`).
    const bytes = [...Buffer.from(canary, 'utf8')].join(',');
    formsCache.set(canary, (f = [...encodings(canary), bytes].map((e) => [e, e.toLowerCase()] as const)));
  }
  return f;
}

/**
 * Scans every channel for every plant the model does not allow there, in every encoding (raw,
 * URL-encoded once and twice, JSON-escaped, hex, base64 at each alignment, lower-cased, digits
 * only). Returns what it found, and which known leaks were seen.
 */
export function scan(route: Route, channels: Channels, plants: readonly Plant[]): { found: Found[]; known: Set<string> } {
  const found: Found[] = [];
  const known = new Set<string>();
  for (const [channel, content] of Object.entries(channels)) {
    if (content.length === 0) continue;
    const texts = prepared(content);
    for (const p of plants) {
      const verdict = mayAppear(route, channel, p);
      if (verdict === true) continue;
      for (const [form, needle] of formsOf(p.canary)) {
        const text = texts.find((t) => t.includes(needle));
        if (text === undefined) continue;
        if (typeof verdict === 'string') {
          known.add(verdict);
        } else {
          const at = text.indexOf(needle);
          found.push({ channel, plant: p, form: form === p.canary ? 'raw' : form, around: text.slice(Math.max(0, at - 60), at + needle.length + 60) });
        }
        break;
      }
    }
  }
  return { found, known };
}

/** The plants whose canary is in a text, in any encoding. */
export function present(content: string | Buffer, plants: readonly Plant[]): Set<number> {
  const texts = prepared(content);
  return new Set(plants.filter((p) => formsOf(p.canary).some(([, needle]) => texts.some((t) => t.includes(needle)))).map((p) => p.id));
}

/** A readable account of leaks, for the assertion message. */
export function describeLeaks(found: readonly Found[], context: string): string {
  return found
    .slice(0, 8)
    .map(
      (f) =>
        `${context}: ${f.plant.kind} canary (${f.plant.where} at ${JSON.stringify(f.plant.segments)}, site ${f.plant.site}, depth ${f.plant.depth}, ${f.plant.cls}/${f.plant.clsCI}${f.plant.number ? ', as a number' : ''}) found ${f.form === 'raw' ? 'raw' : `as ${JSON.stringify(f.form)}`} in ${f.channel}: …${f.around}…`,
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Sending a request and collecting what it left

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One request as the client sends it. */
export interface Outgoing {
  readonly method: 'GET' | 'POST' | 'HEAD';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Send the body chunked, cut at these byte offsets (inside canaries too). */
  readonly chunkCuts?: readonly number[];
  /** The request's `x-hunt-id`, when the test registered an answer under it. */
  readonly id?: string;
}

/** What the client got and what every channel holds for this request. */
export interface Seen {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly vendor: readonly Received[];
  readonly channels: Channels;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let ids = 0;
/** A request id of letters only, which no detector mistakes for data. */
export function huntId(): string {
  let n = ++ids * 7919 + process.pid;
  let out = 'hunt';
  while (n > 0) {
    out += String.fromCharCode(97 + (n % 26));
    n = Math.floor(n / 26);
  }
  return out;
}

/** Bytes written between two looks at the socket, so an answer that came early is seen before the next write. */
const SLICE = 64 * 1024;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Sends like a careful client: the body in slices with a look at the socket between them. A server that
 * refuses part-way and closes the connection (`connection: close`) is not written to once its answer is
 * in; the write errors a closing server causes after its answer (EPIPE, ECONNRESET) are not failures.
 */
function send(app: HuntApp, o: Outgoing, id: string): Promise<{ status: number; headers: IncomingHttpHeaders; raw: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...o.headers, 'x-hunt-id': id };
    const chunked = o.body !== undefined && o.chunkCuts !== undefined && o.chunkCuts.length > 0;
    if (o.body !== undefined) {
      if (chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = String(o.body.length);
    }
    let closing = false;
    let answered = false;
    const req = httpRequest(`${app.url}${o.path}`, { method: o.method, headers, agent }, (res) => {
      answered = true;
      closing = res.headers.connection === 'close';
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw: string[] = [];
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) raw.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: raw.join('\r\n'), body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${o.method} ${o.path} within 5 s`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (answered && (e.code === 'EPIPE' || e.code === 'ECONNRESET')) return;
      reject(e);
    });
    void (async () => {
      const body = o.body;
      if (body === undefined) return req.end();
      const cuts = chunked ? [...new Set(o.chunkCuts)].filter((c) => c > 0 && c < body.length).sort((a, b) => a - b) : [];
      let at = 0;
      for (const end of [...cuts, body.length]) {
        while (at < end) {
          if (closing || req.destroyed) return;
          const next = Math.min(end, at + SLICE);
          req.write(body.subarray(at, next));
          at = next;
          await turn();
        }
        if (end < body.length) await pause(1);
      }
      if (!closing && !req.destroyed) req.end();
    })();
  });
}

/**
 * Sends one request and collects, for it alone, every channel: the vendor's received body, URL and
 * headers, the answer's body and headers, what pino and winston wrote, and the reports.
 */
export async function exchange(app: HuntApp, o: Outgoing): Promise<Seen> {
  const id = o.id ?? huntId();
  const v0 = app.vendor.received.length;
  const p0 = app.pino.length;
  const w0 = app.winston.length;
  const r0 = app.reports.length;
  const res = await send(app, o, id);
  // The request line is written when the answer finished; both loggers name the request's id in its headers.
  for (let i = 0; i < 200; i++) {
    if (app.pino.since(p0).includes(id) && app.winston.since(w0).includes(id)) break;
    await pause(2);
  }
  const vendor = app.vendor.received.slice(v0);
  return {
    status: res.status,
    headers: res.headers,
    body: res.body,
    vendor,
    channels: {
      'vendor.body': vendor.map((r) => r.body).join('\n'),
      'vendor.url': vendor.map((r) => r.url).join('\n'),
      'vendor.headers': vendor.map((r) => JSON.stringify(r.headers)).join('\n'),
      'answer.body': res.body,
      'answer.headers': res.raw,
      'log.pino': app.pino.since(p0),
      'log.winston': app.winston.since(w0),
      reports: JSON.stringify(app.reports.slice(r0)),
    },
  };
}

/** The raw bytes of the app's SQLite vault: main file, WAL and shared-memory index. */
export function sqliteBytes(file: string): Channels {
  const out: Channels = {};
  for (const part of ['', '-wal', '-shm']) if (existsSync(file + part)) out[`vault.sqlite${part || '-main'}`] = readFileSync(file + part);
  return out;
}

/** Every key and value under a Redis prefix, as one text (pipelined: one round trip per kind of read). */
export async function redisDump(redis: Redis, prefix: string): Promise<Channels> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const types = ((await redis.pipeline(keys.map((k) => ['type', k])).exec()) ?? []).map(([, t]) => String(t));
  const reads = keys.map((k, i): [string, ...string[]] => {
    switch (types[i]) {
      case 'string':
        return ['get', k];
      case 'zset':
        return ['zrange', k, '0', '-1', 'WITHSCORES'];
      case 'hash':
        return ['hgetall', k];
      case 'set':
        return ['smembers', k];
      case 'list':
        return ['lrange', k, '0', '-1'];
      default:
        return ['type', k];
    }
  });
  const values = ((await redis.pipeline(reads).exec()) ?? []).map(([, v]) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return { 'vault.redis': keys.map((k, i) => `${k} ${types[i]} ${values[i]}`).join('\n') };
}
