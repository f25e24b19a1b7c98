// The hunt's Fastify 5 and Web/Hono gateways: the same routes, loggers, vaults and vendor as the Express and Koa ones, each in its framework's own way.
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { serve } from '@hono/node-server';
import { FieldguardError, parserError } from '../../../src/errors.js';
import type { Report } from '../../../src/index.js';
import * as ff from '../../../src/fastify/index.js';
import * as fw from '../../../src/web/index.js';
import type { LoggerLike } from '../../../src/log/wrap.js';
import type { Vault } from '../../../src/vault/index.js';
import { finish, logAnswer, parts, pieces, type HuntApp, type Parts } from './apps.js';
import { huntSchema, huntSchemaCI } from './schema.js';
import type { Redis } from 'ioredis';

/** The answer forms of the frameworks whose handlers return what they answer (Fastify's reply.send, a Web Response). */
export const RETURNED_ANSWERS = ['object', 'string', 'string-untyped', 'buffer', 'stream', 'gzip', 'utf16'] as const;

const BODY_ROUTES = ['json', 'raw', 'form'] as const;

// ---------------------------------------------------------------------------------------------
// Fastify

/**
 * A route's body parsing: Fastify's own JSON parser (`json`), a form parser that keeps the text, as
 * @fastify/reply-from can forward only text of a form (`form`), or none (`raw`): a catch-all that
 * leaves the stream for fieldguard to read. Each route has its own encapsulated scope.
 */
function parsers(scope: FastifyInstance, form: 'json' | 'raw' | 'form' | 'query'): void {
  if (form === 'json') return;
  scope.removeAllContentTypeParsers();
  if (form === 'form') scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
}

export function fastifyApp(name: string, redis: Redis | undefined, dead: Redis | undefined) {
  return async (): Promise<HuntApp> => {
    const p = await parts(name, redis, dead);
    const onReport = (r: Report): void => void p.reports.push(r);
    const app = Fastify();
    // reply-from logs the URL it forwards to (the path the sender chose) through request.log: turned off, as the Fastify guide says.
    await app.register(replyFrom, { base: p.vendor.url, disableRequestLogging: true });
    const pinoLogs = new WeakMap<object, LoggerLike>();
    const logs = (request: FastifyRequest): readonly [LoggerLike | undefined, LoggerLike] => [pinoLogs.get(request), request.log as unknown as LoggerLike];
    app.addHook('onResponse', async (request) => {
      const r = ff.reportOf(request);
      if (r !== undefined) p.reports.push(r);
    });
    app.addHook('onRequest', ff.redactLogs({ schema: huntSchema, logger: p.pinoLogger, bodies: true, destination: 'hunt' }));
    app.addHook('onRequest', async (request) => void pinoLogs.set(request, request.log as unknown as LoggerLike));
    app.addHook('onRequest', ff.redactLogs({ schema: huntSchema, logger: p.winstonLogger, bodies: true, destination: 'hunt' }));

    // Before the routes: each route's scope takes the error handler its parent has when it is registered.
    // The usual error logging, then fieldguard's handler for parser errors and its own, then a last answer that prints nothing.
    const known = ff.errorHandler();
    app.setErrorHandler((err, request, reply) => {
      const [pl, wl] = logs(request);
      pl?.error(err, 'request failed');
      wl.error('request failed', { err });
      if (parserError(err) !== undefined || err instanceof FieldguardError) known(err as Parameters<typeof known>[0], request, reply);
      else void reply.code(500).send({ error: { code: 'ERR_INTERNAL', message: 'internal error' } });
    });

    const forwarded = async (request: FastifyRequest): Promise<void> => {
      const [pl, wl] = logs(request);
      pl?.info({ forwarded: request.body, query: request.query }, 'forwarding');
      wl.info('forwarding', { forwarded: request.body, query: request.query });
    };
    const proxy = (request: FastifyRequest, reply: FastifyReply): FastifyReply => reply.from((request.raw.url ?? '/').split('?')[0]!.replace(/^\/v/, ''));
    const byStore = (s: ff.FastifyGuard, r: ff.FastifyGuard | undefined): ff.FastifyGuard => (request, reply) => (request.headers['x-store'] === 'redis' && r !== undefined ? r : s)(request, reply);
    const route = async (method: 'GET' | 'POST', path: string, form: 'json' | 'raw' | 'form' | 'query', preHandler: readonly ff.FastifyGuard[], handler: (request: FastifyRequest, reply: FastifyReply) => unknown): Promise<void> => {
      await app.register(async (scope) => {
        parsers(scope, form);
        scope.route({ method, url: path, preHandler: [...preHandler], handler: handler as never });
      });
    };
    const outbound = async (prefix: string, guard: ff.FastifyGuard): Promise<void> => {
      for (const form of BODY_ROUTES) await route('POST', `/v/${prefix}/${form}`, form, [guard, forwarded as ff.FastifyGuard], proxy);
      await route('GET', `/v/${prefix}/query`, 'query', [guard, forwarded as ff.FastifyGuard], proxy);
    };
    await outbound('scrub', ff.scrubPII({ schema: huntSchema, onReport }));
    await outbound('scrub-ci', ff.scrubPII({ schema: huntSchemaCI, onReport }));
    const tok = (v: Vault) => ff.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', onReport });
    await outbound('tok', byStore(tok(p.vaults.sqlite), p.vaults.redis && tok(p.vaults.redis)));
    const [protS, protR] = p.protects.map((d) => ff.protect({ schema: huntSchema, destinations: d.registry, destination: d.name, onReport }));
    await outbound('protect', byStore(protS!, protR));
    await route('POST', '/v/strict/json', 'json', [ff.scrubPII({ schema: huntSchema, untagged: 'reject', onReport })], proxy);
    await route('POST', '/v/small/raw', 'raw', [ff.scrubPII({ schema: huntSchema, limit: 256, onReport })], proxy);
    // Any path below the mount: the URL's path is data the sender chose.
    await route('POST', '/v/scrub-path/*', 'json', [ff.scrubPII({ schema: huntSchema, onReport })], proxy);
    if (p.vaults.dead !== undefined) await route('POST', '/v/tok-dead/json', 'json', [ff.tokenizeFields({ schema: huntSchema, vault: p.vaults.dead, onReport }), forwarded as ff.FastifyGuard], proxy);

    const answer = (request: FastifyRequest, reply: FastifyReply): unknown => {
      const a = p.answers.get(String(request.headers['x-hunt-id']));
      if (a === undefined) return reply.code(404).send();
      const [pl, wl] = logs(request);
      logAnswer(pl, wl, a);
      switch (a.form) {
        case 'object':
          return reply.send(a.value);
        case 'string':
          return reply.type('application/json').send(a.text);
        case 'string-untyped':
          return reply.send(a.text);
        case 'buffer':
          return reply.type('application/json').send(Buffer.from(a.text));
        case 'stream':
          return reply.type('application/json').send(Readable.from(pieces(a.text, a.cuts)));
        case 'gzip':
          return reply.type('application/json').header('content-encoding', 'gzip').send(gzipSync(a.text));
        case 'utf16':
          return reply.type('application/json; charset=utf-16le').send(Buffer.from(a.text, 'utf16le'));
        default:
          return reply.code(500).send();
      }
    };
    const detok = (v: Vault) =>
      ff.detokenizeFields({ schema: huntSchema, vault: v, namespace: 'support', purpose: 'leak hunt', authorize: (request) => request.headers['x-role'] === 'support', actor: () => 'hunter', onReport });
    const tokOut = (v: Vault) => ff.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', on: 'response', onReport });
    await route('GET', '/a/mask/:form', 'raw', [ff.maskFields({ schema: huntSchema, onReport })], answer);
    await route('GET', '/a/mask-ci/:form', 'raw', [ff.maskFields({ schema: huntSchemaCI, onReport })], answer);
    await route('GET', '/a/tok/:form', 'raw', [byStore(tokOut(p.vaults.sqlite), p.vaults.redis && tokOut(p.vaults.redis))], answer);
    await route('GET', '/a/detok/:form', 'raw', [byStore(detok(p.vaults.sqlite), p.vaults.redis && detok(p.vaults.redis))], answer);
    if (p.vaults.dead !== undefined) {
      await route('GET', '/a/tok-dead/:form', 'raw', [tokOut(p.vaults.dead)], answer);
      await route('GET', '/a/detok-dead/:form', 'raw', [detok(p.vaults.dead)], answer);
    }
    await route('POST', '/a/mask-in/json', 'json', [ff.maskFields({ schema: huntSchema, on: 'request', onReport })], (request) => request.body);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return finish(name, 'fastify', { url: `http://127.0.0.1:${port}`, close: async () => (app.server.closeAllConnections(), await app.close()) }, p);
  };
}

// ---------------------------------------------------------------------------------------------
// Web/Hono

type Env = { Variables: { pinoLog: LoggerLike | undefined } };

export function webApp(name: string, redis: Redis | undefined, dead: Redis | undefined) {
  return async (): Promise<HuntApp> => {
    const p: Parts = await parts(name, redis, dead);
    const onReport = (r: Report): void => void p.reports.push(r);
    const app = new Hono<Env>();
    const logs = (c: Context<Env>): readonly [LoggerLike | undefined, LoggerLike | undefined] => [c.get('pinoLog'), fw.requestLog(c.req.raw)];
    app.use('*', async (c, next) => {
      await next();
      const r = fw.reportOf(c.req.raw);
      if (r !== undefined) p.reports.push(r);
    });
    app.use('*', fw.middleware(fw.redactLogs({ schema: huntSchema, logger: p.pinoLogger, bodies: true, destination: 'hunt' })));
    app.use('*', async (c, next) => {
      c.set('pinoLog', fw.requestLog(c.req.raw));
      await next();
    });
    app.use('*', fw.middleware(fw.redactLogs({ schema: huntSchema, logger: p.winstonLogger, bodies: true, destination: 'hunt' })));

    const mw = (g: fw.WebGuard): MiddlewareHandler<Env> => fw.middleware(g) as unknown as MiddlewareHandler<Env>;
    const forwarded: MiddlewareHandler<Env> = async (c, next) => {
      const [pl, wl] = logs(c);
      const url = new URL(c.req.raw.url);
      const body = c.req.raw.body === null ? undefined : await c.req.raw.clone().text();
      pl?.info({ forwarded: body, query: url.search }, 'forwarding');
      wl?.info('forwarding', { forwarded: body, query: url.search });
      await next();
    };
    const proxy = async (c: Context<Env>): Promise<Response> => {
      const request = c.req.raw;
      const url = new URL(request.url);
      const type = request.headers.get('content-type');
      const res = await fetch(`${p.vendor.url}${url.pathname.replace(/^\/v/, '')}${url.search}`, {
        method: request.method,
        headers: type === null ? {} : { 'content-type': type },
        ...(request.method === 'GET' ? {} : { body: await request.arrayBuffer() }),
      });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
    };
    const byStore = (s: fw.WebGuard, r: fw.WebGuard | undefined): MiddlewareHandler<Env> => {
      const [ms, mr] = [mw(s), r && mw(r)];
      return (c, next) => (c.req.header('x-store') === 'redis' && mr !== undefined ? mr : ms)(c, next);
    };
    const on = (method: 'GET' | 'POST', path: string, ...handlers: ReadonlyArray<MiddlewareHandler<Env> | ((c: Context<Env>) => Promise<Response> | Response)>): void =>
      void app.on(method, path, ...(handlers as [MiddlewareHandler<Env>]));
    const outbound = (prefix: string, guard: MiddlewareHandler<Env>): void => {
      for (const form of BODY_ROUTES) on('POST', `/v/${prefix}/${form}`, guard, forwarded, proxy);
      on('GET', `/v/${prefix}/query`, guard, forwarded, proxy);
    };
    outbound('scrub', mw(fw.scrubPII({ schema: huntSchema, onReport })));
    outbound('scrub-ci', mw(fw.scrubPII({ schema: huntSchemaCI, onReport })));
    const tok = (v: Vault) => fw.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', onReport });
    outbound('tok', byStore(tok(p.vaults.sqlite), p.vaults.redis && tok(p.vaults.redis)));
    const [protS, protR] = p.protects.map((d) => fw.protect({ schema: huntSchema, destinations: d.registry, destination: d.name, onReport }));
    outbound('protect', byStore(protS!, protR));
    on('POST', '/v/strict/json', mw(fw.scrubPII({ schema: huntSchema, untagged: 'reject', onReport })), proxy);
    on('POST', '/v/small/raw', mw(fw.scrubPII({ schema: huntSchema, limit: 256, onReport })), proxy);
    on('POST', '/v/scrub-path/*', mw(fw.scrubPII({ schema: huntSchema, onReport })), proxy);
    if (p.vaults.dead !== undefined) on('POST', '/v/tok-dead/json', mw(fw.tokenizeFields({ schema: huntSchema, vault: p.vaults.dead, onReport })), forwarded, proxy);

    const answer = (c: Context<Env>): Response => {
      const a = p.answers.get(c.req.header('x-hunt-id') ?? '');
      if (a === undefined) return new Response(null, { status: 404 });
      const [pl, wl] = logs(c);
      logAnswer(pl, wl, a);
      const json = { 'content-type': 'application/json' };
      switch (a.form) {
        case 'object':
          // json() of fieldguard/web serializes where the guard sees a failure (Response.json throws in the handler).
          return fw.json(a.value);
        case 'string':
          return new Response(a.text, { headers: json });
        case 'string-untyped':
          return new Response(a.text);
        case 'buffer':
          return new Response(new Uint8Array(Buffer.from(a.text)), { headers: json });
        case 'stream': {
          const chunks = pieces(a.text, a.cuts);
          return new Response(new ReadableStream({ start: (ctl) => (chunks.forEach((b) => ctl.enqueue(new Uint8Array(b))), ctl.close()) }), { headers: json });
        }
        case 'gzip':
          return new Response(new Uint8Array(gzipSync(a.text)), { headers: { ...json, 'content-encoding': 'gzip' } });
        case 'utf16':
          return new Response(new Uint8Array(Buffer.from(a.text, 'utf16le')), { headers: { 'content-type': 'application/json; charset=utf-16le' } });
        default:
          return new Response(null, { status: 500 });
      }
    };
    const detok = (v: Vault) =>
      fw.detokenizeFields({ schema: huntSchema, vault: v, namespace: 'support', purpose: 'leak hunt', authorize: (request) => request.headers.get('x-role') === 'support', actor: () => 'hunter', onReport });
    const tokOut = (v: Vault) => fw.tokenizeFields({ schema: huntSchema, vault: v, namespace: 'crm', on: 'response', onReport });
    on('GET', '/a/mask/:form', mw(fw.maskFields({ schema: huntSchema, onReport })), answer);
    on('GET', '/a/mask-ci/:form', mw(fw.maskFields({ schema: huntSchemaCI, onReport })), answer);
    on('GET', '/a/tok/:form', byStore(tokOut(p.vaults.sqlite), p.vaults.redis && tokOut(p.vaults.redis)), answer);
    on('GET', '/a/detok/:form', byStore(detok(p.vaults.sqlite), p.vaults.redis && detok(p.vaults.redis)), answer);
    if (p.vaults.dead !== undefined) {
      on('GET', '/a/tok-dead/:form', mw(tokOut(p.vaults.dead)), answer);
      on('GET', '/a/detok-dead/:form', mw(detok(p.vaults.dead)), answer);
    }
    on('POST', '/a/mask-in/json', mw(fw.maskFields({ schema: huntSchema, on: 'request', onReport })), async (c: Context<Env>) => new Response(await c.req.raw.text(), { headers: { 'content-type': 'application/json' } }));
    // The usual error logging, then fieldguard's answer for its own refusals, then a last answer that prints nothing.
    const known = fw.errorHandler();
    app.onError((err, c) => {
      const [pl, wl] = logs(c);
      pl?.error(err, 'request failed');
      wl?.error('request failed', { err });
      return known(err, c) ?? Response.json({ error: { code: 'ERR_INTERNAL', message: 'internal error' } }, { status: 500 });
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
    const { port } = server.address() as AddressInfo;
    const close = (): Promise<void> =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
        server.close(() => resolve());
      });
    return finish(name, 'web', { url: `http://127.0.0.1:${port}`, close }, p);
  };
}
