// The same gateway built on Express 5, Express 4, Koa 3 and 2, Fastify 5 and Web-standard handlers under Hono: the conformance suite runs every test against each.
import { createServer, request } from 'node:http';
import { Readable } from 'node:stream';
import express5 from 'express';
import express4 from 'express4';
import Koa from 'koa';
import Koa2 from 'koa2';
import { bodyParser } from '@koa/bodyparser';
import c2k from 'koa-connect';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { defineSchema, tag, type Report } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import * as ff from '../../src/fastify/index.js';
import * as fw from '../../src/web/index.js';
import { orderSchema, sampleOrder } from '../fixtures/order.js';
import { listen } from '../helpers/vendor.js';
import { ndjsonText, sseText } from '../streams/vendor.js';

/** A body cut into 7-character pieces, so every value in it is split across writes. */
export function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 7) out.push(text.slice(i, i + 7));
  return out;
}

/** The streamed routes' bodies: what a handler writes piece by piece. */
const WRITTEN: Readonly<Record<string, readonly [type: string, text: () => string]>> = {
  sse: ['text/event-stream', () => sseText()],
  ndjson: ['application/x-ndjson', () => ndjsonText()],
  json: ['application/json', () => JSON.stringify(sampleOrder())],
};

export const searchSchema = defineSchema(
  z.object({
    q: tag(z.string(), 'public'),
    page: tag(z.string(), 'public'),
    email: tag(z.string(), 'personal', { kind: 'email' }),
  }),
);

export interface Gateway {
  readonly url: string;
  readonly reports: Report[];
  close(): Promise<void>;
}

export interface Framework {
  readonly name: string;
  start(vendorUrl: string): Promise<Gateway>;
}

function proxyTo(vendorUrl: string) {
  return createProxyMiddleware({
    target: vendorUrl,
    changeOrigin: true,
    pathRewrite: { '^/vendor': '' },
    on: { proxyReq: fixRequestBody },
  });
}

function expressFramework(name: string, express: typeof express5): Framework {
  return {
    name,
    async start(vendorUrl) {
      const reports: Report[] = [];
      const onReport = (r: Report): void => void reports.push(r);
      const app = express();
      const proxy = proxyTo(vendorUrl);
      app.post('/vendor/orders', express.json(), fx.scrubPII({ schema: orderSchema, onReport }), proxy);
      app.post('/vendor/forms', express.urlencoded({ extended: false }), fx.scrubPII({ schema: orderSchema }), proxy);
      app.post('/vendor/unparsed', fx.scrubPII({ schema: orderSchema }), proxy);
      app.post('/vendor/strict', express.json(), fx.scrubPII({ schema: orderSchema, untagged: 'reject' }), proxy);
      app.post('/vendor/shallow', express.json(), fx.scrubPII({ schema: orderSchema, maxDepth: 8, untagged: 'keep' }), proxy);
      app.get('/vendor/search', fx.scrubPII({ schema: searchSchema, target: 'query' }), proxy);
      app.get('/orders/1', fx.maskFields({ schema: orderSchema }), (_req, res) => {
        res.json(sampleOrder());
      });
      app.get('/orders/list', fx.maskFields({ schema: orderSchema }), (_req, res) => {
        res.json([sampleOrder(), sampleOrder()]);
      });
      app.get('/orders/legacy', fx.maskFields({ schema: orderSchema }), (_req, res) => {
        (res.json as unknown as (status: number, body: unknown) => void)(201, sampleOrder());
      });
      app.get('/orders/none', fx.maskFields({ schema: orderSchema }), (_req, res) => {
        res.status(204).end();
      });
      app.get('/orders/1/send', fx.maskFields({ schema: orderSchema }), (_req, res) => {
        res.send(sampleOrder());
      });
      app.get('/orders/1/report', fx.maskFields({ schema: orderSchema }), (_req, res) => {
        res.json(sampleOrder());
        reports.push(res.locals[fx.REPORT_KEY] as Report);
      });
      app.post('/masked-in', express.json(), fx.maskFields({ schema: orderSchema, on: 'request' }), (req, res) => {
        res.json(req.body);
      });
      // Streamed bodies: proxied vendor streams (possibly compressed), streamed uploads, and answers written piece by piece.
      app.get('/vendor/stream/:kind', fx.maskFields({ schema: orderSchema, onReport }), proxy);
      app.post('/vendor/ingest', fx.scrubPII({ schema: orderSchema, onReport }), proxy);
      app.get('/written/:kind', fx.maskFields({ schema: orderSchema }), (req, res) => {
        const [type, text] = WRITTEN[String(req.params['kind'])]!;
        res.writeHead(200, { 'content-type': type });
        for (const piece of pieces(text())) res.write(piece);
        res.end();
      });
      app.use(fx.errorHandler());
      const server = await listen(createServer(app));
      return { ...server, reports };
    },
  };
}

function koaFramework(name: string, KoaApp: typeof Koa): Framework {
  return {
    name,
    async start(vendorUrl) {
      const reports: Report[] = [];
      const onReport = (r: Report): void => void reports.push(r);
      const proxy = c2k(proxyTo(vendorUrl));
      const forward: Koa.Middleware = (ctx, next) => {
        // The proxy answers on ctx.res itself.
        ctx.respond = false;
        return proxy(ctx, next);
      };
      const routes: Record<string, Koa.Middleware[]> = {
        'POST /vendor/orders': [bodyParser(), fk.scrubPII({ schema: orderSchema, onReport }), forward],
        'POST /vendor/forms': [bodyParser({ enableTypes: ['form'] }), fk.scrubPII({ schema: orderSchema }), forward],
        'POST /vendor/unparsed': [fk.scrubPII({ schema: orderSchema }), forward],
        'POST /vendor/strict': [bodyParser(), fk.scrubPII({ schema: orderSchema, untagged: 'reject' }), forward],
        'POST /vendor/shallow': [bodyParser(), fk.scrubPII({ schema: orderSchema, maxDepth: 8, untagged: 'keep' }), forward],
        'GET /vendor/search': [fk.scrubPII({ schema: searchSchema, target: 'query' }), forward],
        'GET /orders/1': [fk.maskFields({ schema: orderSchema }), (ctx) => void (ctx.body = sampleOrder())],
        'GET /orders/list': [fk.maskFields({ schema: orderSchema }), (ctx) => void (ctx.body = [sampleOrder(), sampleOrder()])],
        'GET /orders/none': [fk.maskFields({ schema: orderSchema }), (ctx) => void (ctx.status = 204)],
        'GET /orders/1/send': [
          fk.maskFields({ schema: orderSchema }),
          (ctx) => {
            ctx.type = 'application/json';
            ctx.body = JSON.stringify(sampleOrder());
          },
        ],
        'GET /orders/1/report': [
          async (ctx, next) => {
            await next();
            reports.push(ctx.state[fk.REPORT_KEY] as Report);
          },
          fk.maskFields({ schema: orderSchema }),
          (ctx) => void (ctx.body = sampleOrder()),
        ],
        'POST /masked-in': [bodyParser(), fk.maskFields({ schema: orderSchema, on: 'request' }), (ctx) => void (ctx.body = ctx.request.body)],
        'POST /vendor/ingest': [fk.scrubPII({ schema: orderSchema, onReport }), forward],
      };
      for (const kind of ['sse', 'ndjson', 'json', 'bad-sse', 'bad-ndjson']) routes[`GET /vendor/stream/${kind}`] = [fk.maskFields({ schema: orderSchema, onReport }), forward];
      for (const [kind, [type, text]] of Object.entries(WRITTEN)) {
        routes[`GET /written/${kind}`] = [
          fk.maskFields({ schema: orderSchema }),
          (ctx) => {
            ctx.type = type;
            ctx.body = Readable.from(pieces(text()));
          },
        ];
      }
      const app = new KoaApp();
      app.use(fk.errorHandler());
      app.use(async (ctx, next) => {
        const chain = routes[`${ctx.method === 'HEAD' ? 'GET' : ctx.method} ${ctx.path}`];
        if (chain === undefined) return next();
        const run = (i: number): Promise<void> => Promise.resolve(i < chain.length ? chain[i]!(ctx, () => run(i + 1)) : undefined);
        await run(0);
      });
      const server = await listen(createServer(app.callback()));
      return { ...server, reports };
    },
  };
}

function fastifyFramework(): Framework {
  return {
    name: 'Fastify 5',
    async start(vendorUrl) {
      const reports: Report[] = [];
      const onReport = (r: Report): void => void reports.push(r);
      const app = Fastify();
      await app.register(replyFrom, { base: vendorUrl });
      await app.register(ff.fieldguard);
      app.setErrorHandler(ff.errorHandler());
      // Forms arrive as text (Fastify parses none by default); scrubPII parses, scrubs and writes them back as text.
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      const forward = (path: string) => (_request: unknown, reply: { from(p: string): unknown }) => reply.from(path);
      app.post('/vendor/orders', { preHandler: ff.scrubPII({ schema: orderSchema, onReport }) }, forward('/orders'));
      app.post('/vendor/forms', { config: { fieldguard: [ff.scrubPII({ schema: orderSchema })] } }, forward('/forms'));
      await app.register(async (raw) => {
        // A scope whose bodies no parser reads: the guard reads the wire itself.
        raw.removeAllContentTypeParsers();
        raw.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
        raw.post('/vendor/unparsed', { preHandler: ff.scrubPII({ schema: orderSchema }) }, forward('/unparsed'));
      });
      app.post('/vendor/strict', { preHandler: ff.scrubPII({ schema: orderSchema, untagged: 'reject' }) }, forward('/strict'));
      app.post('/vendor/shallow', { preHandler: ff.scrubPII({ schema: orderSchema, maxDepth: 8, untagged: 'keep' }) }, forward('/shallow'));
      app.get('/vendor/search', { preHandler: ff.scrubPII({ schema: searchSchema, target: 'query' }) }, forward('/search'));
      app.get('/orders/1', { config: { fieldguard: [ff.maskFields({ schema: orderSchema })] } }, async () => sampleOrder());
      app.get('/orders/list', { preHandler: ff.maskFields({ schema: orderSchema }) }, async () => [sampleOrder(), sampleOrder()]);
      app.get('/orders/none', { preHandler: ff.maskFields({ schema: orderSchema }) }, async (_request, reply) => reply.code(204).send());
      app.get('/orders/1/send', { preHandler: ff.maskFields({ schema: orderSchema }) }, async (_request, reply) => reply.type('application/json').send(JSON.stringify(sampleOrder())));
      app.get('/orders/1/report', { preHandler: ff.maskFields({ schema: orderSchema }) }, async (request, reply) => {
        reply.raw.once('finish', () => reports.push(ff.reportOf(request)!));
        return sampleOrder();
      });
      app.post('/masked-in', { preHandler: ff.maskFields({ schema: orderSchema, on: 'request' }) }, async (request) => request.body);
      // Streamed bodies: proxied vendor streams (possibly compressed), streamed uploads, and answers sent as a stream of pieces.
      app.get<{ Params: { kind: string } }>('/vendor/stream/:kind', { preHandler: ff.maskFields({ schema: orderSchema, onReport }) }, (request, reply) => reply.from(`/stream/${request.params.kind}`));
      app.post('/vendor/ingest', { preHandler: ff.scrubPII({ schema: orderSchema, onReport }) }, forward('/ingest'));
      app.get<{ Params: { kind: string } }>('/written/:kind', { preHandler: ff.maskFields({ schema: orderSchema }) }, (request, reply) => {
        const [type, text] = WRITTEN[request.params.kind]!;
        return reply.type(type).send(Readable.from(pieces(text()).map((p) => Buffer.from(p))));
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      return {
        url: `http://127.0.0.1:${port}`,
        reports,
        close: async () => {
          app.server.closeAllConnections();
          await app.close();
        },
      };
    },
  };
}

/** A Web-standard handler that forwards the Request it got to the vendor with fetch, as a Next.js route handler or a worker would. */
export function forwardWith(vendorUrl: string, path: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const type = request.headers.get('content-type');
    const res = await fetch(`${vendorUrl}${path}${url.search}`, {
      method: request.method,
      headers: type === null ? {} : { 'content-type': type },
      ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: await request.arrayBuffer() }),
    });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
  };
}

/**
 * A vendor's streamed answer as a Web Response with its bytes as they came (still compressed, with
 * their Content-Encoding): fetch would decompress them and keep the header, which no proxy sends on.
 */
function rawFrom(vendorUrl: string, path: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    request(`${vendorUrl}${path}`, (res) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
      resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status: res.statusCode ?? 502, headers }));
    })
      .on('error', reject)
      .end();
  });
}

function honoFramework(): Framework {
  return {
    name: 'Web/Hono',
    async start(vendorUrl) {
      const reports: Report[] = [];
      const onReport = (r: Report): void => void reports.push(r);
      const app = new Hono();
      const forward = (path: string) => (c: { req: { raw: Request } }) => forwardWith(vendorUrl, path)(c.req.raw);
      app.post('/vendor/orders', fw.middleware(fw.scrubPII({ schema: orderSchema, onReport })), forward('/orders'));
      app.post('/vendor/forms', fw.middleware(fw.scrubPII({ schema: orderSchema })), forward('/forms'));
      app.post('/vendor/unparsed', fw.middleware(fw.scrubPII({ schema: orderSchema })), forward('/unparsed'));
      app.post('/vendor/strict', fw.middleware(fw.scrubPII({ schema: orderSchema, untagged: 'reject' })), forward('/strict'));
      app.post('/vendor/shallow', fw.middleware(fw.scrubPII({ schema: orderSchema, maxDepth: 8, untagged: 'keep' })), forward('/shallow'));
      app.get('/vendor/search', fw.middleware(fw.scrubPII({ schema: searchSchema, target: 'query' })), forward('/search'));
      const mask = fw.middleware(fw.maskFields({ schema: orderSchema }));
      app.get('/orders/1', mask, (c) => c.json(sampleOrder()));
      app.get('/orders/list', mask, (c) => c.json([sampleOrder(), sampleOrder()]));
      app.get('/orders/none', mask, (c) => c.body(null, 204));
      app.get('/orders/1/send', mask, () => new Response(JSON.stringify(sampleOrder()), { headers: { 'content-type': 'application/json' } }));
      app.get(
        '/orders/1/report',
        async (c, next) => {
          await next();
          reports.push(fw.reportOf(c.req.raw)!);
        },
        mask,
        (c) => c.json(sampleOrder()),
      );
      app.post('/masked-in', fw.middleware(fw.maskFields({ schema: orderSchema, on: 'request' })), async (c) => c.json(await c.req.json()));
      // Streamed bodies: proxied vendor streams (possibly compressed), uploads streamed on with fetch, answers written as a stream of pieces.
      app.get('/vendor/stream/:kind', fw.middleware(fw.maskFields({ schema: orderSchema, onReport })), (c) => rawFrom(vendorUrl, `/stream/${c.req.param('kind')}${new URL(c.req.url).search}`));
      app.post('/vendor/ingest', fw.middleware(fw.scrubPII({ schema: orderSchema, onReport })), (c) =>
        fetch(`${vendorUrl}/ingest`, { method: 'POST', headers: { 'content-type': c.req.header('content-type') ?? '' }, body: c.req.raw.body, duplex: 'half' } as RequestInit),
      );
      app.get('/written/:kind', mask, (c) => {
        const [type, text] = WRITTEN[c.req.param('kind')]!;
        const parts = pieces(text());
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = parts.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(new TextEncoder().encode(next));
          },
        });
        return new Response(body, { headers: { 'content-type': type } });
      });
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        reports,
        close: () =>
          new Promise<void>((resolve) => {
            (server as unknown as { closeAllConnections(): void }).closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  };
}

export const FRAMEWORKS: readonly Framework[] = [
  expressFramework('Express 5', express5),
  expressFramework('Express 4', express4 as unknown as typeof express5),
  koaFramework('Koa 3', Koa),
  koaFramework('Koa 2', Koa2 as unknown as typeof Koa),
  fastifyFramework(),
  honoFramework(),
];
