// The hunt's gateways: one app per framework with every middleware on its own routes, real pino and winston, real SQLite and Redis vaults, and a real vendor behind http-proxy-middleware.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import express5 from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Koa2 from 'koa2';
import { bodyParser } from '@koa/bodyparser';
import c2k from 'koa-connect';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import pino from 'pino';
import winston from 'winston';
import type { Redis } from 'ioredis';
import { defineDestinations, type AuditEvent, type Destinations, type Report } from '../../../src/index.js';
import * as fx from '../../../src/express/index.js';
import * as fk from '../../../src/koa/index.js';
import { pinoOptions } from '../../../src/log/pino-entry.js';
import { redactFormat } from '../../../src/log/winston-entry.js';
import type { LoggerLike } from '../../../src/log/wrap.js';
import { createVault, keyRing, redisStore, sqliteStore, type Vault } from '../../../src/vault/index.js';
import { listen, startVendor, type Vendor } from '../../helpers/vendor.js';
import { huntSchema, huntSchemaCI } from './schema.js';
import { fastifyApp, webApp } from './apps-fastify-web.js';

/** How a handler answers: the forms each framework allows. */
export const EXPRESS_ANSWERS = ['json', 'send-object', 'send-string', 'send-text', 'send-buffer', 'write-end', 'stream', 'untyped', 'gzip', 'utf16'] as const;
export const KOA_ANSWERS = ['object', 'string', 'string-untyped', 'buffer', 'stream', 'gzip', 'utf16'] as const;
export type AnswerForm = (typeof EXPRESS_ANSWERS)[number] | (typeof KOA_ANSWERS)[number];

/** What an answer route sends for one request: registered by the test under the request's `x-hunt-id`. */
export interface Answer {
  readonly form: AnswerForm;
  /** The value for res.json / ctx.body objects. */
  readonly value: unknown;
  /** The same as JSON text, for string, Buffer, write and stream forms. */
  readonly text: string;
  /** Where the text is cut into writes (inside canaries too). */
  readonly cuts: readonly number[];
  /** Arguments logged with the message template through the request's loggers. */
  readonly logArgs: readonly [string, unknown, unknown];
}

/** A log sink: everything a logger wrote. */
export interface Sink {
  readonly stream: Writable;
  /** How many characters were written so far. */
  readonly length: number;
  /** What was written after the first `from` characters. */
  since(from: number): string;
}

export function sink(): Sink {
  let all = '';
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        all += chunk.toString('utf8');
        cb();
      },
    }),
    get length() {
      return all.length;
    },
    since: (from) => all.slice(from),
  };
}

/** One running hunt gateway and everything it wrote. */
export type HuntKind = 'express' | 'koa' | 'fastify' | 'web';

export interface HuntApp {
  readonly name: string;
  readonly kind: HuntKind;
  readonly url: string;
  readonly vendor: Vendor;
  readonly pino: Sink;
  readonly winston: Sink;
  /** Reports given to onReport and left on res.locals / ctx.state. */
  readonly reports: unknown[];
  /** Audit events of both vaults. */
  readonly audit: AuditEvent[];
  readonly sqliteFile: string;
  /** The Redis key prefix of this app's vault, when Redis is there. */
  readonly redisPrefix: string | undefined;
  readonly vaults: { readonly sqlite: Vault; readonly redis: Vault | undefined; readonly dead: Vault | undefined };
  readonly answers: Map<string, Answer>;
  readonly destinations: readonly string[];
  close(): Promise<void>;
}

const KEYS = keyRing({ keys: { k1: Buffer.alloc(32, 0x5a).toString('base64') } });

/** The destination policy protect enforces: clear for public and internal, every other action for the rest. */
const POLICY = {
  vendor: 'Hunt Analytics',
  region: 'US',
  transfer: 'scc',
  lawfulBasis: 'legitimate_interests',
  purpose: 'leak hunt',
  rules: { public: 'keep', internal: 'keep', personal: 'tokenize', special: 'hash', secret: 'encrypt' },
  kinds: { email: 'mask', name: 'drop' },
} as const;

export interface Parts {
  readonly vendor: Vendor;
  readonly pino: Sink;
  readonly winston: Sink;
  readonly pinoLogger: pino.Logger;
  readonly winstonLogger: winston.Logger;
  readonly reports: unknown[];
  readonly audit: AuditEvent[];
  readonly dir: string;
  readonly sqliteFile: string;
  readonly redisPrefix: string | undefined;
  readonly vaults: { sqlite: Vault; redis: Vault | undefined; dead: Vault | undefined };
  readonly answers: Map<string, Answer>;
  /** One destination per store (a registry holds one vault), each with its own name in flows(). */
  readonly protects: ReadonlyArray<{ readonly registry: Destinations; readonly name: string }>;
  readonly redis: Redis | undefined;
}

export async function parts(name: string, redis: Redis | undefined, dead: Redis | undefined): Promise<Parts> {
  const slug = name.replace(/\W+/g, '').toLowerCase();
  const dir = mkdtempSync(join(tmpdir(), `fieldguard-hunt-${slug}-`));
  const sqliteFile = join(dir, 'vault.db');
  const audit: AuditEvent[] = [];
  const sink1 = (e: AuditEvent): void => void audit.push(e);
  const redisPrefix = redis === undefined ? undefined : `fg-hunt-${slug}-${process.pid}-${Date.now().toString(36)}:`;
  const vaults = {
    sqlite: createVault({ store: sqliteStore(sqliteFile), keys: KEYS, audit: sink1 }),
    redis: redis === undefined || redisPrefix === undefined ? undefined : createVault({ store: redisStore(redis, { prefix: redisPrefix }), keys: KEYS, audit: sink1 }),
    // A vault whose Redis was stopped: every call must fail closed within its timeout.
    dead: dead === undefined ? undefined : createVault({ store: redisStore(dead, { prefix: 'fg-hunt-dead:' }), keys: KEYS, audit: sink1, timeoutMs: 300 }),
  };
  const protects = [{ registry: defineDestinations({ [`hunt-sqlite-${slug}`]: POLICY }, { vault: vaults.sqlite }), name: `hunt-sqlite-${slug}` }];
  if (vaults.redis !== undefined) protects.push({ registry: defineDestinations({ [`hunt-redis-${slug}`]: POLICY }, { vault: vaults.redis }), name: `hunt-redis-${slug}` });
  const p = sink();
  const w = sink();
  return {
    vendor: await startVendor({ echo: true }),
    pino: p,
    winston: w,
    pinoLogger: pino(pinoOptions(huntSchema), p.stream),
    winstonLogger: winston.createLogger({
      level: 'info',
      format: winston.format.combine(redactFormat(huntSchema), winston.format.splat(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: w.stream })],
    }),
    reports: [],
    audit,
    dir,
    sqliteFile,
    redisPrefix,
    vaults,
    answers: new Map(),
    protects,
    redis,
  };
}

/** Cuts a text into writes at the given offsets (in UTF-16 units; canaries are ASCII). */
export function pieces(text: string, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c <= at || c >= text.length) continue;
    out.push(Buffer.from(text.slice(at, c)));
    at = c;
  }
  out.push(Buffer.from(text.slice(at)));
  return out;
}

/** Logs what a handler is about to answer, through both request loggers, with a message template. */
export function logAnswer(pinoLog: LoggerLike | undefined, winstonLog: LoggerLike | undefined, a: Answer): void {
  const [s, o, j] = a.logArgs;
  pinoLog?.info({ answer: a.value }, 'answering %s %o %j', s, o, j);
  winstonLog?.info('answering %s %o %j', s, o, j, { answer: a.value });
}

// ---------------------------------------------------------------------------------------------
// Express

function expressApp(name: string, express: typeof express5, redis: Redis | undefined, dead: Redis | undefined) {
  return async (): Promise<HuntApp> => {
    const p = await parts(name, redis, dead);
    const onReport = (r: Report): void => void p.reports.push(r);
    const app = express();
    const pinoLogs = new WeakMap<object, LoggerLike | undefined>();
    app.use((_req, res, next) => {
      res.on('finish', () => {
        if (res.locals[fx.REPORT_KEY] !== undefined) p.reports.push(res.locals[fx.REPORT_KEY]);
      });
      next();
    });
    app.use(fx.redactLogs({ schema: huntSchema, logger: p.pinoLogger, bodies: true, destination: 'hunt' }));
    app.use((req, _res, next) => {
      pinoLogs.set(req, fx.requestLog(req));
      next();
    });
    app.use(fx.redactLogs({ schema: huntSchema, logger: p.winstonLogger, bodies: true, destination: 'hunt' }));
    const logs = (req: express5.Request) => [pinoLogs.get(req), fx.requestLog(req)] as const;

    const proxy = createProxyMiddleware({ target: p.vendor.url, changeOrigin: true, pathRewrite: { '^/v': '' }, on: { proxyReq: fixRequestBody } });
    const forwarded: express5.RequestHandler = (req, _res, next) => {
      const [pl, wl] = logs(req);
      pl?.info({ forwarded: req.body, query: req.query }, 'forwarding');
      wl?.info('forwarding', { forwarded: req.body, query: req.query });
      next();
    };
    const byStore = (s: express5.RequestHandler, r: express5.RequestHandler | undefined): express5.RequestHandler => (req, res, next) =>
      (req.headers['x-store'] === 'redis' && r !== undefined ? r : s)(req, res, next);
    const parsers: Record<string, express5.RequestHandler[]> = {
      json: [express.json()],
      raw: [],
      form: [express.urlencoded({ extended: true })],
      query: [],
    };
    const outbound = (prefix: string, guard: express5.RequestHandler): void => {
      for (const form of ['json', 'raw', 'form'] as const) app.post(`/v/${prefix}/${form}`, ...parsers[form]!, guard, forwarded, proxy);
      app.get(`/v/${prefix}/query`, guard, forwarded, proxy);
    };
    outbound('scrub', fx.scrubPII({ schema: huntSchema, onReport }));
    outbound('scrub-ci', fx.scrubPII({ schema: huntSchemaCI, onReport }));
    const tok = (v: Vault) => fx.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', onReport });
    outbound('tok', byStore(tok(p.vaults.sqlite), p.vaults.redis && tok(p.vaults.redis)));
    const [protS, protR] = p.protects.map((d) => fx.protect({ schema: huntSchema, destinations: d.registry, destination: d.name, onReport }));
    outbound('protect', byStore(protS!, protR));
    app.post('/v/strict/json', express.json(), fx.scrubPII({ schema: huntSchema, untagged: 'reject', onReport }), proxy);
    app.post('/v/small/raw', fx.scrubPII({ schema: huntSchema, limit: 256, onReport }), proxy);
    // Any path below the mount: the URL's path is data the sender chose.
    app.use('/v/scrub-path', fx.scrubPII({ schema: huntSchema, onReport }), proxy);
    if (p.vaults.dead !== undefined) {
      app.post('/v/tok-dead/json', express.json(), fx.tokenizeFields({ schema: huntSchema, vault: p.vaults.dead, onReport }), forwarded, proxy);
    }

    const answer: express5.RequestHandler = (req, res) => {
      const a = p.answers.get(String(req.headers['x-hunt-id']));
      if (a === undefined) return void res.status(404).end();
      const [pl, wl] = logs(req);
      logAnswer(pl, wl, a);
      const chunks = pieces(a.text, a.cuts);
      switch (a.form) {
        case 'json':
          return void res.json(a.value);
        case 'send-object':
          return void res.send(a.value);
        case 'send-string':
          return void res.type('application/json').send(a.text);
        case 'send-text':
          // res.send(JSON.stringify(x)) with no type: Express calls it text/html.
          return void res.send(a.text);
        case 'send-buffer':
          return void res.type('application/json').send(Buffer.from(a.text));
        case 'write-end':
          res.statusCode = 200;
          res.setHeader('content-type', 'application/json; charset=utf-8');
          for (const c of chunks.slice(0, -1)) res.write(c);
          return void res.end(chunks.at(-1));
        case 'stream':
          res.setHeader('content-type', 'application/json');
          return void Readable.from(chunks).pipe(res);
        case 'untyped':
          for (const c of chunks.slice(0, -1)) res.write(c);
          return void res.end(chunks.at(-1));
        case 'gzip':
          res.setHeader('content-type', 'application/json');
          res.setHeader('content-encoding', 'gzip');
          return void res.end(gzipSync(a.text));
        case 'utf16':
          res.setHeader('content-type', 'application/json; charset=utf-16le');
          return void res.end(Buffer.from(a.text, 'utf16le'));
        default:
          return void res.status(500).end();
      }
    };
    const detok = (v: Vault) =>
      fx.detokenizeFields({ schema: huntSchema, vault: v, namespace: 'support', purpose: 'leak hunt', authorize: (req) => req.headers['x-role'] === 'support', actor: () => 'hunter', onReport });
    const tokOut = (v: Vault) => fx.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', on: 'response', onReport });
    app.get('/a/mask/:form', fx.maskFields({ schema: huntSchema, onReport }), answer);
    app.get('/a/mask-ci/:form', fx.maskFields({ schema: huntSchemaCI, onReport }), answer);
    app.get('/a/tok/:form', byStore(tokOut(p.vaults.sqlite), p.vaults.redis && tokOut(p.vaults.redis)), answer);
    app.get('/a/detok/:form', byStore(detok(p.vaults.sqlite), p.vaults.redis && detok(p.vaults.redis)), answer);
    if (p.vaults.dead !== undefined) {
      app.get('/a/tok-dead/:form', tokOut(p.vaults.dead), answer);
      app.get('/a/detok-dead/:form', detok(p.vaults.dead), answer);
    }
    app.post('/a/mask-in/json', express.json(), fx.maskFields({ schema: huntSchema, on: 'request', onReport }), (req, res) => {
      res.json(req.body);
    });
    // The usual error logging, then fieldguard's handler for parser errors, then a last answer that prints nothing.
    app.use((err: unknown, req: express5.Request, _res: express5.Response, next: express5.NextFunction) => {
      const [pl, wl] = logs(req);
      pl?.error(err, 'request failed');
      wl?.error('request failed', { err });
      next(err);
    });
    app.use(fx.errorHandler());
    app.use((_err: unknown, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
      res.status(500).json({ error: { code: 'ERR_INTERNAL', message: 'internal error' } });
    });
    const server = await listen(createServer(app));
    return finish(name, 'express', server, p);
  };
}

// ---------------------------------------------------------------------------------------------
// Koa

function koaApp(name: string, KoaApp: typeof Koa, redis: Redis | undefined, dead: Redis | undefined) {
  return async (): Promise<HuntApp> => {
    const p = await parts(name, redis, dead);
    const onReport = (r: Report): void => void p.reports.push(r);
    const proxy = c2k(createProxyMiddleware({ target: p.vendor.url, changeOrigin: true, pathRewrite: { '^/v': '' }, on: { proxyReq: fixRequestBody } }));
    const forward: Koa.Middleware = (ctx, next) => {
      ctx.respond = false;
      return proxy(ctx, next);
    };
    const pinoLogs = new WeakMap<object, LoggerLike | undefined>();
    const logs = (ctx: Koa.Context) => [pinoLogs.get(ctx), fk.contextLog(ctx)] as const;
    const forwarded: Koa.Middleware = async (ctx, next) => {
      const [pl, wl] = logs(ctx);
      const body = (ctx.request as { body?: unknown }).body;
      pl?.info({ forwarded: body, query: ctx.query }, 'forwarding');
      wl?.info('forwarding', { forwarded: body, query: ctx.query });
      await next();
    };
    const byStore = (s: Koa.Middleware, r: Koa.Middleware | undefined): Koa.Middleware => (ctx, next) => (ctx.get('x-store') === 'redis' && r !== undefined ? r : s)(ctx, next);
    const parsers: Record<string, Koa.Middleware[]> = { json: [bodyParser()], raw: [], form: [bodyParser({ enableTypes: ['form'] })], query: [] };
    const routes: Record<string, Koa.Middleware[]> = {};
    const outbound = (prefix: string, guard: Koa.Middleware): void => {
      for (const form of ['json', 'raw', 'form'] as const) routes[`POST /v/${prefix}/${form}`] = [...parsers[form]!, guard, forwarded, forward];
      routes[`GET /v/${prefix}/query`] = [guard, forwarded, forward];
    };
    outbound('scrub', fk.scrubPII({ schema: huntSchema, onReport }));
    outbound('scrub-ci', fk.scrubPII({ schema: huntSchemaCI, onReport }));
    const tok = (v: Vault) => fk.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', onReport });
    outbound('tok', byStore(tok(p.vaults.sqlite), p.vaults.redis && tok(p.vaults.redis)));
    const [protS, protR] = p.protects.map((d) => fk.protect({ schema: huntSchema, destinations: d.registry, destination: d.name, onReport }));
    outbound('protect', byStore(protS!, protR));
    routes['POST /v/strict/json'] = [bodyParser(), fk.scrubPII({ schema: huntSchema, untagged: 'reject', onReport }), forward];
    routes['POST /v/small/raw'] = [fk.scrubPII({ schema: huntSchema, limit: 256, onReport }), forward];
    const scrubPath = [fk.scrubPII({ schema: huntSchema, onReport }), forward];
    if (p.vaults.dead !== undefined) routes['POST /v/tok-dead/json'] = [bodyParser(), fk.tokenizeFields({ schema: huntSchema, vault: p.vaults.dead, onReport }), forwarded, forward];

    const answer: Koa.Middleware = (ctx) => {
      const a = p.answers.get(ctx.get('x-hunt-id'));
      if (a === undefined) return void (ctx.status = 404);
      const [pl, wl] = logs(ctx);
      logAnswer(pl, wl, a);
      switch (a.form) {
        case 'object':
          ctx.body = a.value;
          return;
        case 'string':
          ctx.type = 'application/json';
          ctx.body = a.text;
          return;
        case 'string-untyped':
          ctx.body = a.text;
          return;
        case 'buffer':
          ctx.type = 'application/json';
          ctx.body = Buffer.from(a.text);
          return;
        case 'stream':
          ctx.type = 'application/json';
          ctx.body = Readable.from(pieces(a.text, a.cuts));
          return;
        case 'gzip':
          ctx.type = 'application/json';
          ctx.set('content-encoding', 'gzip');
          ctx.body = gzipSync(a.text);
          return;
        case 'utf16':
          ctx.type = 'application/json; charset=utf-16le';
          ctx.body = Buffer.from(a.text, 'utf16le');
          return;
        default:
          ctx.status = 500;
      }
    };
    const detok = (v: Vault) =>
      fk.detokenizeFields({ schema: huntSchema, vault: v, namespace: 'support', purpose: 'leak hunt', authorize: (ctx) => ctx.get('x-role') === 'support', actor: () => 'hunter', onReport });
    const tokOut = (v: Vault) => fk.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', on: 'response', onReport });
    const answerRoutes: Record<string, Koa.Middleware[]> = {
      mask: [fk.maskFields({ schema: huntSchema, onReport }), answer],
      'mask-ci': [fk.maskFields({ schema: huntSchemaCI, onReport }), answer],
      tok: [byStore(tokOut(p.vaults.sqlite), p.vaults.redis && tokOut(p.vaults.redis)), answer],
      detok: [byStore(detok(p.vaults.sqlite), p.vaults.redis && detok(p.vaults.redis)), answer],
      ...(p.vaults.dead === undefined ? {} : { 'tok-dead': [tokOut(p.vaults.dead), answer], 'detok-dead': [detok(p.vaults.dead), answer] }),
    };
    routes['POST /a/mask-in/json'] = [bodyParser(), fk.maskFields({ schema: huntSchema, on: 'request', onReport }), (ctx) => void (ctx.body = (ctx.request as { body?: unknown }).body)];

    const app = new KoaApp();
    app.silent = true;
    app.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        if (ctx.state[fk.REPORT_KEY] !== undefined) p.reports.push(ctx.state[fk.REPORT_KEY]);
      }
    });
    // As documented: errorHandler first, then the request logs.
    app.use(fk.errorHandler());
    app.use(fk.redactLogs({ schema: huntSchema, logger: p.pinoLogger, bodies: true, destination: 'hunt' }));
    app.use(async (ctx, next) => {
      pinoLogs.set(ctx, fk.contextLog(ctx));
      await next();
    });
    app.use(fk.redactLogs({ schema: huntSchema, logger: p.winstonLogger, bodies: true, destination: 'hunt' }));
    app.use(async (ctx, next) => {
      const m = /^\/a\/([\w-]+)\/([\w-]+)$/.exec(ctx.path);
      const chain =
        ctx.method === 'POST' && ctx.path.startsWith('/v/scrub-path/') ? scrubPath : (ctx.method === 'GET' || ctx.method === 'HEAD') && m !== null ? answerRoutes[m[1]!] : routes[`${ctx.method} ${ctx.path}`];
      if (chain === undefined) return next();
      const run = (i: number): Promise<void> => Promise.resolve(i < chain.length ? chain[i]!(ctx, () => run(i + 1)) : undefined);
      await run(0);
    });
    const server = await listen(createServer(app.callback()));
    return finish(name, 'koa', server, p);
  };
}

export function finish(name: string, kind: HuntKind, server: { url: string; close(): Promise<void> }, p: Parts): HuntApp {
  return {
    name,
    kind,
    url: server.url,
    vendor: p.vendor,
    pino: p.pino,
    winston: p.winston,
    reports: p.reports,
    audit: p.audit,
    sqliteFile: p.sqliteFile,
    redisPrefix: p.redisPrefix,
    vaults: p.vaults,
    answers: p.answers,
    destinations: p.protects.map((d) => d.name),
    async close() {
      await server.close();
      await p.vendor.close();
      await p.vaults.sqlite.close();
      rmSync(p.dir, { recursive: true, force: true });
      // The shared Redis keeps nothing of the hunt.
      if (p.redis !== undefined && p.redisPrefix !== undefined) {
        let cursor = '0';
        do {
          const [next, keys] = await p.redis.scan(cursor, 'MATCH', `${p.redisPrefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await p.redis.del(...keys);
        } while (cursor !== '0');
      }
    },
  };
}

/** The frameworks of the conformance suite, each a hunt app factory. */
export function huntFrameworks(redis: Redis | undefined, dead?: Redis): ReadonlyArray<{ readonly name: string; readonly kind: HuntKind; start(): Promise<HuntApp> }> {
  return [
    { name: 'Express 5', kind: 'express', start: expressApp('Express 5', express5, redis, dead) },
    { name: 'Express 4', kind: 'express', start: expressApp('Express 4', express4 as unknown as typeof express5, redis, dead) },
    { name: 'Koa 3', kind: 'koa', start: koaApp('Koa 3', Koa, redis, dead) },
    { name: 'Koa 2', kind: 'koa', start: koaApp('Koa 2', Koa2 as unknown as typeof Koa, redis, dead) },
    { name: 'Fastify 5', kind: 'fastify', start: fastifyApp('Fastify 5', redis, dead) },
    { name: 'Web/Hono', kind: 'web', start: webApp('Web/Hono', redis, dead) },
  ];
}
