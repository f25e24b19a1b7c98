// A gateway for the HTTP benchmark, in its own process: `node bench/http-server.mjs <express|koa|fastify|hono> <variant> <vendorUrl>`.
import { Agent, createServer } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import c2k from 'koa-connect';
import pino from 'pino';
import pinoHttp from 'pino-http';
import { defineDestinations, proxyBody } from 'fieldguard';
import * as fx from 'fieldguard/express';
import * as fk from 'fieldguard/koa';
import * as ff from 'fieldguard/fastify';
import * as fw from 'fieldguard/web';
import Fastify from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { createVault, keyRing, memoryStore } from 'fieldguard/vault';
import { makeOrder, orderSchema, PATHS } from './payloads.mjs';

const [framework, variant, vendorUrl] = process.argv.slice(2);
// Exit normally on the bench's SIGTERM, so `--cpu-prof` writes its profile.
let served = 0;
process.once('SIGTERM', () => {
  // With BENCH_HTTP_PROFILE, how many requests the profile covers (warm-up included), to read it per request.
  if (process.execArgv.includes('--cpu-prof')) process.stderr.write(`${framework} ${variant}: ${served} requests profiled\n`);
  process.exit(0);
});
// SIGUSR2 asks for the CPU time used so far (µs), for the bench's CPU per request: steadier than req/s on a loaded machine.
process.on('SIGUSR2', () => {
  const u = process.cpuUsage();
  process.stdout.write(`cpu ${u.user + u.system}\n`);
});
const keys = keyRing({ keys: { k1: Buffer.alloc(32, 3).toString('base64') } });
const vault = createVault({ store: memoryStore(), keys, audit: () => undefined });
const destinations = defineDestinations(
  { analytics: { vendor: 'Acme', region: 'US', transfer: 'scc', lawfulBasis: 'legitimate_interests', purpose: 'analytics', rules: { public: 'keep', internal: 'keep', personal: 'tokenize', special: 'hash' } } },
  { vault },
);
const logger = pino(new Writable({ write(_c, _e, cb) { cb(); } }));
// pino-http logging the request body with plain redact paths: the 12 order paths under req.body, and two headers.
const plainLog = pinoHttp({
  logger,
  serializers: { req: (req) => ({ method: req.method, url: req.url, headers: req.headers, body: req.raw.body }) },
  redact: { paths: [...PATHS.map((p) => `req.body.${p}`), 'req.headers.authorization', 'req.headers.cookie'], censor: '[REDACTED]' },
});
const order = makeOrder(3, 4);
// Keep-alive to the vendor, as a production gateway would; every proxy variant proxies the same way.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
// Routes fieldguard rewrote forward its text (proxyBody); the others let http-proxy-middleware serialize the parsed body.
const rewrites = variant === 'scrub' || variant === 'protect';
const proxyOptions = { target: vendorUrl, agent, on: { proxyReq: rewrites ? proxyBody : fixRequestBody } };

// Fastify and Hono (no targets yet) run `bare`, `protect` and `protect+logs`, each next to its own bare route.
const guard = variant === 'protect' || variant === 'protect+logs';
const logs = variant === 'protect+logs';

// Variants: `parser` (the framework with its body parser, proxying) is the baseline of scrub, protect, logs and
// pino-http; `answer` (the body parser, answering the order as JSON) is the baseline of mask.
let app;
if (framework === 'express') {
  const e = express();
  const chain = [express.json()];
  if (variant === 'logs') chain.unshift(fx.redactLogs({ schema: orderSchema, logger, bodies: true }));
  if (variant === 'pino-http') chain.unshift(plainLog);
  if (variant === 'scrub') chain.push(fx.scrubPII({ schema: orderSchema }));
  if (variant === 'protect') chain.push(fx.protect({ schema: orderSchema, destinations, destination: 'analytics' }));
  if (variant === 'mask') chain.push(fx.maskFields({ schema: orderSchema }));
  if (variant === 'answer' || variant === 'mask') chain.push((_req, res) => res.json(order));
  else chain.push(createProxyMiddleware(proxyOptions));
  e.post('/orders', ...chain);
  app = e;
} else if (framework === 'fastify') {
  // Fastify parses the JSON body itself; the bare route forwards it with @fastify/reply-from (undici, keep-alive).
  const f = Fastify();
  await f.register(replyFrom, { base: vendorUrl });
  if (logs) f.addHook('onRequest', ff.redactLogs({ schema: orderSchema, logger }));
  f.post('/orders', { preHandler: guard ? [ff.protect({ schema: orderSchema, destinations, destination: 'analytics' })] : [] }, (_request, reply) => reply.from('/orders'));
  await f.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${f.server.address().port}\n`);
} else if (framework === 'hono') {
  // A Web-standard handler that forwards with fetch (undici, keep-alive), served by @hono/node-server.
  const h = new Hono();
  if (logs) h.use(fw.middleware(fw.redactLogs({ schema: orderSchema, logger })));
  const forward = async (c) => {
    const res = await fetch(`${vendorUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await c.req.raw.arrayBuffer() });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': 'application/json' } });
  };
  if (guard) h.post('/orders', fw.middleware(fw.protect({ schema: orderSchema, destinations, destination: 'analytics' })), forward);
  else h.post('/orders', forward);
  const s = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.stdout.write(`${info.port}\n`));
  void s;
} else {
  const k = new Koa();
  if (variant === 'logs') k.use(fk.redactLogs({ schema: orderSchema, logger, bodies: true }));
  if (variant === 'pino-http') {
    k.use((ctx, next) => {
      plainLog(ctx.req, ctx.res);
      return next();
    });
  }
  k.use(bodyParser());
  if (variant === 'scrub') k.use(fk.scrubPII({ schema: orderSchema }));
  if (variant === 'protect') k.use(fk.protect({ schema: orderSchema, destinations, destination: 'analytics' }));
  if (variant === 'mask') k.use(fk.maskFields({ schema: orderSchema }));
  if (variant === 'answer' || variant === 'mask') {
    k.use((ctx) => {
      ctx.body = order;
    });
  } else {
    const proxy = c2k(createProxyMiddleware(proxyOptions));
    k.use((ctx, next) => {
      // A connect-style proxy forwards req.body; fieldguard sets it when it rewrote the body, the parser does not.
      if (ctx.req.body === undefined) ctx.req.body = ctx.request.body;
      ctx.respond = false;
      return proxy(ctx, next);
    });
  }
  app = k.callback();
}
if (app !== undefined) {
  const server = createServer(app).on('request', () => void served++).listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
}
