// The hunt's assertions beside the scan: what each request must have sent, answered and written, and how a client encodes a payload.
import { get as httpGet } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import qs from 'qs';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { flows } from '../../../src/index.js';
import type { HuntApp } from './apps.js';
import { describeLeaks, redisDump, sqliteBytes, type Channels, type Found, type Route, type Seen } from './channels.js';
import { formTree, toForm, toJson, type Draw, type JsonEscape, type Planted, type UrlEncoding } from './plant.js';

/** The status of a GET sent with exactly these headers (node:http; fetch adds headers of its own). */
export function exchangeRaw(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** What an assertion failure says: the framework, route, body form and every leak with its context. */
export function leakMessage(framework: string, what: string, found: readonly Found[]): string {
  return `${found.length} leak(s) through ${framework} ${what}:\n${describeLeaks(found, `${framework} ${what}`)}`;
}

/** The value at a concrete path of a parsed body, or undefined. */
export function at(value: unknown, segments: ReadonlyArray<string | number>): unknown {
  let v = value;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(s)];
  }
  return v;
}

export const OUTBOUND: ReadonlyArray<{ prefix: string; route: Route; stores: boolean }> = [
  { prefix: 'scrub', route: { family: 'outbound', middleware: 'scrubPII', ci: false }, stores: false },
  { prefix: 'scrub-ci', route: { family: 'outbound', middleware: 'scrubPII', ci: true }, stores: false },
  { prefix: 'tok', route: { family: 'outbound', middleware: 'tokenizeFields', ci: false }, stores: true },
  { prefix: 'protect', route: { family: 'outbound', middleware: 'protect', ci: false }, stores: true },
];
export const BODY_FORMS = ['json', 'raw', 'form', 'query'] as const;
export type BodyForm = (typeof BODY_FORMS)[number];

/** The body (or query) a client sends for a planted payload, in the form's syntax and a random encoding. */
export function encodeRequest(planted: Planted, form: BodyForm, d: Draw): { path: string; body?: Buffer; contentType?: string; encoding?: string; syntax: 'json' | 'form'; note: string } {
  const asForm = form === 'form' || form === 'query' || (form === 'raw' && d.chance(35));
  if (asForm) {
    const enc = d.pick<UrlEncoding>(['standard', 'plus', 'minimal', 'every']);
    const text = toForm(formTree(planted.root), d, enc);
    if (form === 'query') return { path: `?${text}`, syntax: 'form', note: `query, ${enc} encoding` };
    return { path: '', body: Buffer.from(text), contentType: d.pick(['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8']), syntax: 'form', note: `form, ${enc} encoding` };
  }
  const escape = d.pick<JsonEscape>(['none', 'some', 'all']);
  let contentType = form === 'json' ? d.pick(['application/json', 'application/json; charset=utf-8']) : d.pick(['application/json', 'Application/JSON', 'application/vnd.hunt+json; charset=utf-8']);
  const text = toJson(planted.root, d, escape);
  // A canary in UTF-16, or compressed: after the rewrite the vendor must get plain UTF-8 saying so.
  const utf16 = d.chance(20);
  if (utf16) contentType = `${contentType.split(';')[0]}; charset=utf-16le`;
  let body = Buffer.from(text, utf16 ? 'utf16le' : 'utf8');
  const encoding = d.chance(25) ? d.pick(['gzip', 'deflate', 'br'] as const) : undefined;
  if (encoding !== undefined) body = encoding === 'gzip' ? gzipSync(body) : encoding === 'deflate' ? deflateSync(body) : brotliCompressSync(body);
  return { path: '', body, contentType, syntax: 'json', note: `JSON, ${escape} escapes, ${contentType}${encoding ? `, ${encoding}` : ''}`, ...(encoding ? { encoding } : {}) };
}

/** The vendor got exactly one plain request whose framing describes the rewritten body. */
export function expectReframed(seen: Seen, syntax: 'json' | 'form', form: BodyForm, context: string, proxy: 'labels' | 'bare' = 'labels'): void {
  const got = seen.vendor[0]!;
  expect(got.headers['content-encoding'], `${context}: no Content-Encoding after the rewrite`).toBeUndefined();
  expect(got.headers['transfer-encoding'], `${context}: no Transfer-Encoding after the rewrite`).toBeUndefined();
  if (form === 'query') return;
  expect(Number(got.headers['content-length']), `${context}: Content-Length`).toBe(Buffer.byteLength(got.body));
  // @fastify/reply-from forwards a body with its bare media type ('bare'): for JSON that means UTF-8 (RFC 8259).
  const json = proxy === 'bare' ? /json$/ : /json; charset=utf-8$/;
  expect(String(got.headers['content-type']).toLowerCase(), `${context}: Content-Type`).toMatch(syntax === 'json' ? json : /^application\/x-www-form-urlencoded/);
}

/** The vendor's body (or query) parsed back, in the syntax it was sent in. */
export function vendorValue(seen: Seen, form: BodyForm, syntax: 'json' | 'form'): unknown {
  const got = seen.vendor[0]!;
  if (form === 'query') {
    const q = got.url.indexOf('?');
    return qs.parse(q < 0 ? '' : got.url.slice(q + 1), { depth: 10, arrayLimit: 100 });
  }
  return syntax === 'json' ? (JSON.parse(got.body) as unknown) : qs.parse(got.body, { depth: 10, arrayLimit: 100 });
}

/**
 * The public and internal values the vendor must still have received, exactly. Forms are rebuilt by
 * http-proxy-middleware's fixRequestBody with node:querystring, which writes only top-level
 * scalars; queries are rebuilt by fieldguard with qs, whose parser reads five levels of brackets.
 */
export function expectPublicFields(seen: Seen, planted: Planted, route: Route, form: BodyForm, syntax: 'json' | 'form', context: string): void {
  const value = vendorValue(seen, form, syntax);
  for (const p of planted.plants) {
    const cls = route.ci ? p.clsCI : p.cls;
    if (cls !== 'clear' || p.site === 'decoy' || p.site === 'counts-value' || p.jsonOnly) continue;
    if (syntax === 'form' && (form === 'query' ? p.segments.length > 6 : p.segments.length > 1)) continue;
    if (p.where === 'key') {
      if (syntax !== 'json') continue;
      const holder = at(value, p.segments.slice(0, -1));
      expect(holder !== null && typeof holder === 'object' && Object.keys(holder).includes(p.text), `${context}: the public key ${JSON.stringify(p.segments)} reached the vendor`).toBe(true);
      continue;
    }
    const want = syntax === 'json' && p.number ? Number(p.text) : p.text;
    expect(at(value, p.segments), `${context}: the public value at ${JSON.stringify(p.segments)} reached the vendor exactly`).toEqual(want);
  }
}

/** Reports, flows() and error paths name a key the sender chose only as its parent's path plus `*`. */
export function expectNoSenderKeys(texts: Readonly<Record<string, string | Buffer | undefined>>, planted: Planted, context: string): void {
  for (const [channel, text] of Object.entries(texts)) {
    if (text === undefined) continue;
    const named = planted.senderKeys.filter((k) => String(text).includes(k));
    expect(named, `${context}: ${channel} names keys the sender chose`).toEqual([]);
  }
}

/** Every log line written for a request is one valid JSON object (a value with a newline never makes a second line). */
export function expectLogLines(seen: Seen, context: string): void {
  for (const channel of ['log.pino', 'log.winston'] as const) {
    for (const line of String(seen.channels[channel]).split('\n')) {
      if (line === '') continue;
      expect(() => JSON.parse(line) as unknown, `${context}: a ${channel} line is JSON: ${line.slice(0, 120)}`).not.toThrow();
    }
  }
}

/** The channels every request shares beside its own: the vault's raw bytes, Redis, flows() and audit events. */
export async function sharedChannels(app: HuntApp, redis: Redis | undefined): Promise<Channels> {
  const out: Channels = { ...sqliteBytes(app.sqliteFile), flows: JSON.stringify(flows()), audit: JSON.stringify(app.audit) };
  if (redis !== undefined && app.redisPrefix !== undefined) Object.assign(out, await redisDump(redis, app.redisPrefix));
  return out;
}

/**
 * What the client must still get exactly: public and internal values where the schema has them
 * (and, from an authorized detokenization, every tagged value the vault resolves).
 */
export function expectAnswered(answered: unknown, planted: Planted, route: Route, context: string): void {
  for (const p of planted.plants) {
    const cls = route.ci ? p.clsCI : p.cls;
    const wanted = cls === 'clear' || (route.family === 'detokenize' && cls === 'sensitive');
    if (!wanted || p.site === 'decoy' || p.site === 'counts-value' || p.site === 'proto') continue;
    if (p.where === 'key') {
      if (p.site !== 'meta-key') continue;
      const holder = at(answered, p.segments.slice(0, -1));
      expect(holder !== null && typeof holder === 'object' && Object.keys(holder).includes(p.text), `${context}: the key ${JSON.stringify(p.segments)} is answered`).toBe(true);
      continue;
    }
    // Keys under a tokenized record leave as keyed pseudonyms (they cannot come back), so what sits under them is not restored at its old key.
    if (route.family === 'detokenize' && (p.segments[0] === 'counts' || p.segments[0] === 'profile')) continue;
    expect(at(answered, p.segments), `${context}: the value at ${JSON.stringify(p.segments)} is answered exactly`).toEqual(p.number ? Number(p.text) : p.text);
  }
}
