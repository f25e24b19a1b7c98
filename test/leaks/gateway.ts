// The leak hunt's gateway: the same routes built on Express 5 and 4, Koa 3 and 2, Fastify 5 and Web/Hono (a real proxy to a real vendor), and the channels a test scans.
import { createServer } from 'node:http';
import express5 from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Koa2 from 'koa2';
import { bodyParser } from '@koa/bodyparser';
import c2k from 'koa-connect';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import * as ff from '../../src/fastify/index.js';
import * as fw from '../../src/web/index.js';
import { listen, type Vendor } from '../helpers/vendor.js';

export type Adapter = typeof fx | typeof fk | typeof ff | typeof fw;

/** How a route ends: forwarded to the vendor through http-proxy-middleware, or answered by the handler. */
export type End =
  | 'proxy'
  /** `res.json(value)` / `ctx.body = value`. */
  | { readonly json: () => unknown; readonly status?: number }
  /** `res.type(type).send(bytes)` / `ctx.type = type; ctx.body = bytes`. */
  | { readonly bytes: () => string | Buffer; readonly type?: string }
  /** A handler of each framework's own; a route without a Fastify or Web form runs on Express and Koa only. */
  | {
      readonly express: (req: express5.Request, res: express5.Response) => unknown;
      readonly koa: (ctx: Koa.Context) => unknown;
      readonly fastify?: (request: FastifyRequest, reply: FastifyReply) => unknown;
      readonly web?: (request: Request) => Response | Promise<Response>;
    };

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** A body parser before the guard: JSON (`express.json()`, `@koa/bodyparser`) or forms only. */
  readonly parse?: 'json' | 'form';
  /** The fieldguard middlewares of the route, made with the framework's adapter. */
  readonly guard: (fg: Adapter) => readonly unknown[];
  readonly end: End;
}

/** Who answers errors: fieldguard's errorHandler (in its own or the problem format), or the app's own handler. */
export type ErrorHandling = 'fieldguard' | 'problem' | 'app';

export interface Stack {
  readonly name: string;
  readonly kind: 'express' | 'koa' | 'fastify' | 'web';
  build(vendorUrl: string, routes: readonly Route[], errors?: ErrorHandling): Promise<{ url: string; close(): Promise<void> }>;
}

/** Every error the app's own error handler was given, for tests to scan. */
export const handed: unknown[] = [];

/** Everything an error could carry a value in: its message, stack and own properties, and its cause's. */
export function errorText(err: unknown): string {
  if (err === null || typeof err !== 'object') return String(err);
  const e = err as Error;
  return [e.message, e.stack, JSON.stringify(Object.entries(e)), e.cause === undefined ? '' : errorText(e.cause)].join('\n');
}

/** What the app's own error handler answers: the fields a handler reads off the error it is given. */
function appAnswer(err: unknown): Record<string, unknown> {
  handed.push(err);
  const e = err as { name?: unknown; code?: unknown; status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  return { handledBy: 'app', name: e.name, code: e.code, status: e.status, statusCode: e.statusCode, expose: e.expose, message: e.message };
}

function proxyTo(vendorUrl: string) {
  return createProxyMiddleware({ target: vendorUrl, changeOrigin: true, pathRewrite: { '^/vendor': '' }, on: { proxyReq: fixRequestBody } });
}

function expressStack(name: string, express: typeof express5): Stack {
  return {
    name,
    kind: 'express',
    build(vendorUrl, routes, errors = 'fieldguard') {
      const app = express();
      const proxy = proxyTo(vendorUrl);
      for (const r of routes) {
        const end = r.end;
        const last: express5.RequestHandler =
          end === 'proxy'
            ? proxy
            : 'json' in end
              ? async (_req, res) => void res.status(end.status ?? 200).json(await end.json())
              : 'bytes' in end
                ? (_req, res) => {
                    if (end.type !== undefined) res.type(end.type);
                    res.send(end.bytes());
                  }
                : (req, res) => void end.express(req, res);
        const parser = r.parse === 'json' ? [express.json()] : r.parse === 'form' ? [express.urlencoded({ extended: false })] : [];
        const chain = [...parser, ...(r.guard(fx) as express5.RequestHandler[]), last];
        if (r.method === 'GET') app.get(r.path, ...chain);
        else app.post(r.path, ...chain);
      }
      if (errors === 'app') {
        app.use(((err, _req, res, _next) => void res.status((err as { status?: number }).status ?? 500).json(appAnswer(err))) as express5.ErrorRequestHandler);
      } else {
        app.use(fx.errorHandler(errors === 'problem' ? { format: 'problem' } : {}));
      }
      return listen(createServer(app));
    },
  };
}

function koaStack(name: string, KoaApp: typeof Koa): Stack {
  return {
    name,
    kind: 'koa',
    build(vendorUrl, routes, errors = 'fieldguard') {
      const app = new KoaApp();
      // Koa prints every error its own handler answers; the tests read the answers instead.
      app.silent = true;
      const proxy = c2k(proxyTo(vendorUrl));
      const forward: Koa.Middleware = (ctx, next) => {
        // The proxy answers on ctx.res itself.
        ctx.respond = false;
        return proxy(ctx, next);
      };
      const table = new Map<string, Koa.Middleware[]>();
      for (const r of routes) {
        const end = r.end;
        const last: Koa.Middleware =
          end === 'proxy'
            ? forward
            : 'json' in end
              ? async (ctx) => {
                  ctx.status = end.status ?? 200;
                  ctx.body = await end.json();
                }
              : 'bytes' in end
                ? (ctx) => {
                    if (end.type !== undefined) ctx.type = end.type;
                    ctx.body = end.bytes();
                  }
                : async (ctx) => void (await end.koa(ctx));
        const parser = r.parse === 'json' ? [bodyParser()] : r.parse === 'form' ? [bodyParser({ enableTypes: ['form'] })] : [];
        table.set(`${r.method} ${r.path}`, [...parser, ...(r.guard(fk) as Koa.Middleware[]), last]);
      }
      if (errors === 'app') {
        app.use(async (ctx, next) => {
          try {
            await next();
          } catch (err) {
            ctx.status = (err as { status?: number }).status ?? 500;
            ctx.body = appAnswer(err);
          }
        });
      } else {
        app.use(fk.errorHandler(errors === 'problem' ? { format: 'problem' } : {}));
      }
      app.use(async (ctx, next) => {
        const chain = table.get(`${ctx.method === 'HEAD' ? 'GET' : ctx.method} ${ctx.path}`);
        if (chain === undefined) return next();
        const run = (i: number): Promise<void> => Promise.resolve(i < chain.length ? chain[i]!(ctx, () => run(i + 1)) : undefined);
        await run(0);
      });
      return listen(createServer(app.callback()));
    },
  };
}

/** A route end handled by one framework's own code needs that framework's form: without one, such a route is built on Express and Koa only. */
function portable<K extends 'fastify' | 'web'>(end: End, kind: K): Exclude<End, { express: unknown }> | NonNullable<Extract<End, { express: unknown }>[K]> {
  if (end === 'proxy' || !('express' in end)) return end;
  const own = end[kind];
  if (own === undefined) throw new Error(`this route ends in an Express/Koa handler with no ${kind} form; run it on EXPRESS or KOA`);
  return own as NonNullable<Extract<End, { express: unknown }>[K]>;
}

/**
 * A route's body parsing in Fastify, which has a parser for every request: its own JSON parser
 * (`parse: 'json'`), a form parser (`'form'`), or none — a catch-all that leaves the stream unread,
 * as Express and Koa leave a body no parser took, so fieldguard reads it from the wire.
 */
function fastifyParsers(scope: FastifyInstance, parse: Route['parse']): void {
  if (parse === 'json') return;
  scope.removeAllContentTypeParsers();
  if (parse === 'form') scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
}

function fastifyStack(): Stack {
  return {
    name: 'Fastify 5',
    kind: 'fastify',
    async build(vendorUrl, routes, errors = 'fieldguard') {
      const app = Fastify();
      await app.register(replyFrom, { base: vendorUrl });
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      if (errors === 'app') app.setErrorHandler((err, _request, reply) => void reply.code((err as { statusCode?: number }).statusCode ?? 500).send(appAnswer(err)));
      else app.setErrorHandler(ff.errorHandler(errors === 'problem' ? { format: 'problem' } : {}));
      for (const r of routes) {
        const end = portable(r.end, 'fastify');
        const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
          if (typeof end === 'function') return end(request, reply);
          if (end === 'proxy') return reply.from((request.raw.url ?? '/').split('?')[0]!.replace(/^\/vendor/, ''));
          if ('json' in end) return reply.code(end.status ?? 200).send(await end.json());
          if (end.type !== undefined) void reply.type(end.type);
          return reply.send(end.bytes());
        };
        const preHandler = r.guard(ff) as ff.FastifyGuard[];
        // Each route in its own encapsulated scope, so its parsers are its own.
        await app.register(async (scope) => {
          fastifyParsers(scope, r.parse);
          if (r.method === 'GET') scope.get(r.path, { preHandler }, handler);
          else scope.post(r.path, { preHandler }, handler);
        });
      }
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: async () => {
          app.server.closeAllConnections();
          await app.close();
        },
      };
    },
  };
}

function webStack(): Stack {
  return {
    name: 'Web/Hono',
    kind: 'web',
    async build(vendorUrl, routes, errors = 'fieldguard') {
      const app = new Hono();
      if (errors === 'app') app.onError((err) => Response.json(appAnswer(err), { status: (err as { status?: number }).status ?? 500 }));
      else {
        const answer = fw.errorHandler(errors === 'problem' ? { format: 'problem' } : {});
        app.onError((err, c) => answer(err, c) ?? c.text('Internal Server Error', 500));
      }
      for (const r of routes) {
        const end = portable(r.end, 'web');
        const guards = (r.guard(fw) as fw.WebGuard[]).map((g) => fw.middleware(g));
        const handler = async (c: { req: { raw: Request } }): Promise<Response> => {
          const request = c.req.raw;
          if (typeof end === 'function') return end(request);
          if (end === 'proxy') {
            const url = new URL(request.url);
            const type = request.headers.get('content-type');
            const res = await fetch(`${vendorUrl}${url.pathname.replace(/^\/vendor/, '')}${url.search}`, {
              method: request.method,
              headers: type === null ? {} : { 'content-type': type },
              ...(request.method === 'GET' ? {} : { body: await request.arrayBuffer() }),
            });
            return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
          }
          if ('json' in end) return Response.json(await end.json(), { status: end.status ?? 200 });
          const body = end.bytes();
          return new Response(typeof body === 'string' ? body : new Uint8Array(body), end.type === undefined ? {} : { headers: { 'content-type': end.type } });
        };
        // Hono's typed overloads do not take a spread of middlewares; its `on` with a list does the same.
        app.on(r.method, r.path, ...([...guards, handler] as unknown as [typeof handler]));
      }
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            (server as unknown as { closeAllConnections(): void }).closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  };
}

export const STACKS: readonly Stack[] = [
  expressStack('Express 5', express5),
  expressStack('Express 4', express4 as unknown as typeof express5),
  koaStack('Koa 3', Koa),
  koaStack('Koa 2', Koa2 as unknown as typeof Koa),
];
/**
 * Every adapter: the Node stacks, Fastify 5 and Web/Hono. The item tests stay on STACKS: they pin
 * Express's and Koa's own parser behaviour (status codes, types, which encodings a parser reads).
 */
export const ALL_STACKS: readonly Stack[] = [...STACKS, fastifyStack(), webStack()];
export const EXPRESS = STACKS.filter((s) => s.kind === 'express');
export const KOA = STACKS.filter((s) => s.kind === 'koa');

/** One answer as the client got it; status 0 when none came within four seconds (a hang). */
export interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly text: string;
  readonly headers: Record<string, string>;
}

export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(4000) });
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => void (headers[k] = v));
    return { status: res.status, type: res.headers.get('content-type'), text, headers };
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') return { status: 0, type: null, text: 'no answer within 4 s', headers: {} };
    throw e;
  }
}

export const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): RequestInit => ({ method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });

/** Where the vendor's records stood before a request, so a test scans only what came after. */
export interface Mark {
  readonly received: number;
  readonly wire: number;
}

export const mark = (vendor: Vendor): Mark => ({ received: vendor.received.length, wire: vendor.wire().length });

/**
 * Every channel a test must keep clean: the answer (body and headers), and everything the vendor
 * got since `at` — each request's URL, headers and body as it parsed them, and the raw bytes on its
 * sockets (bytes sent behind a short Content-Length never reach a parsed body).
 */
export function channels(answer: Answer | undefined, vendor: Vendor, at: Mark, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...extra, 'vendor wire': vendor.wire().slice(at.wire) };
  if (answer !== undefined) {
    out['answer body'] = answer.text;
    out['answer headers'] = JSON.stringify(answer.headers);
  }
  vendor.received.slice(at.received).forEach((r, i) => {
    out[`vendor ${i} url`] = r.url;
    out[`vendor ${i} headers`] = JSON.stringify(r.headers);
    out[`vendor ${i} body`] = r.body;
  });
  return out;
}
