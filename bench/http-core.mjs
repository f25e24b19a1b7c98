// In-process cost of the HTTP middlewares per request (no sockets, no framework): builds compared in one process, rounds interleaved.
//
// `node bench/http-core.mjs [root …]`: each root is a checkout with a built dist/ and bench/ (default: this one). The request
// and response are plain objects shaped as Express and Koa hand them to fieldguard once a body parser ran; each iteration
// parses the 1 KB order as the parser would (Express's request and response are Node's, given the app's prototypes
// as Express gives them, since that changes what a property added to them costs), runs the middleware and, for proxied routes, proxyBody into a stub proxy request.
// What is printed is CPU µs per request (process.cpuUsage) of everything the loop does, garbage collection included, minus the same loop with no
// middleware (the parse and the stubs): fieldguard's own cost, on the same machine at the same moment for every build.
// BENCH_CORE_ROUNDS (default 5) and BENCH_CORE_ITERATIONS (default 20000) set the work.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { resolve } from 'node:path';
import createExpress from 'express';
import { pathToFileURL } from 'node:url';

const roots = process.argv.length > 2 ? process.argv.slice(2).map((r) => resolve(r)) : [resolve(new URL('..', import.meta.url).pathname)];
const ROUNDS = Number(process.env.BENCH_CORE_ROUNDS ?? 5);
const ITERATIONS = Number(process.env.BENCH_CORE_ITERATIONS ?? 20000);
const ONLY = process.env.BENCH_CORE_ONLY?.split(',');

/** A Node response as far as the middlewares touch it: headers, write/end, and what was sent. */
class StubResponse {
  constructor() {
    this.statusCode = 200;
    this.locals = {};
    this.headers = new Map();
    this.sent = undefined;
  }
  setHeader(name, value) {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  getHeader(name) {
    return this.headers.get(name.toLowerCase());
  }
  removeHeader(name) {
    this.headers.delete(name.toLowerCase());
  }
  status(code) {
    this.statusCode = code;
    return this;
  }
  writeHead(status) {
    this.statusCode = status;
    return this;
  }
  write() {
    return true;
  }
  end(chunk) {
    this.sent = chunk;
    return this;
  }
  json(value) {
    this.setHeader('content-type', 'application/json; charset=utf-8');
    return this.end(JSON.stringify(value));
  }
  once() {
    return this;
  }
  on() {
    return this;
  }
}

/** A proxy's outgoing request, as proxyBody writes into it. */
class StubProxyRequest {
  constructor(headers) {
    this.headers = { ...headers };
    this.written = '';
  }
  getHeader(name) {
    return this.headers[name];
  }
  setHeader(name, value) {
    this.headers[name] = value;
  }
  write(text) {
    this.written = text;
  }
}

async function load(root) {
  const url = (p) => pathToFileURL(`${root}/${p}`).href;
  const [core, fx, fk, vaultMod, payloads] = await Promise.all([import(url('dist/index.js')), import(url('dist/express.js')), import(url('dist/koa.js')), import(url('dist/vault.js')), import(url('bench/payloads.mjs'))]);
  const { makeOrder, orderSchema: schema } = payloads;
  const keys = vaultMod.keyRing({ keys: { k1: Buffer.alloc(32, 3).toString('base64') } });
  const vault = vaultMod.createVault({ store: vaultMod.memoryStore(), keys, audit: () => undefined });
  const destinations = core.defineDestinations(
    { analytics: { vendor: 'Acme', region: 'US', transfer: 'scc', lawfulBasis: 'legitimate_interests', purpose: 'analytics', rules: { public: 'keep', internal: 'keep', personal: 'tokenize', special: 'hash' } } },
    { vault },
  );
  const text = JSON.stringify(makeOrder(3, 4));
  const order = makeOrder(3, 4);
  const headers = () => ({ host: '127.0.0.1', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  const app = createExpress();
  const socket = new Socket();
  // What Express's own init and express.json() leave on the request and response before the route's middlewares run.
  const expressPair = () => {
    const req = new IncomingMessage(socket);
    const res = new ServerResponse(req);
    Object.defineProperty(req, 'readableEnded', { value: true });
    req.method = 'POST';
    req.url = '/orders';
    req.headers = headers();
    req.res = res;
    res.req = req;
    req.next = undefined;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals = Object.create(null);
    req.originalUrl = '/orders';
    req.baseUrl = '';
    req.body = JSON.parse(text);
    return { req, res };
  };
  const koaCtx = () => {
    const req = { method: 'POST', url: '/orders', headers: headers(), readableEnded: true };
    return { req, res: new StubResponse(), originalUrl: '/orders', request: { body: JSON.parse(text), rawBody: text }, state: {}, body: undefined };
  };
  const proxy = (req) => {
    const p = new StubProxyRequest(req.headers);
    core.proxyBody(p, req);
    return p.written;
  };
  const express = (mw, answer) => async () => {
    const { req, res } = expressPair();
    await new Promise((done, fail) => mw(req, res, (e) => (e === undefined ? done() : fail(e))));
    if (answer) res.json(order);
    else if (mw !== undefined) proxy(req);
    return req;
  };
  const koa = (mw, answer) => async () => {
    const ctx = koaCtx();
    const next = async () => {
      if (answer) ctx.body = order;
      // What a connect-style proxy behind koa-connect reads, as bench/http-server.mjs hands it over.
      else if (ctx.req.body === undefined) ctx.req.body = ctx.request.body;
    };
    await mw(ctx, next);
    if (!answer) proxy(ctx.req);
    return ctx;
  };
  const none = (_req, _res, next) => next();
  const noneKoa = (_ctx, next) => next();
  return {
    routes: {
      'express parser': express(none, false),
      'express scrub': express(fx.scrubPII({ schema }), false),
      'express protect': express(fx.protect({ schema, destinations, destination: 'analytics' }), false),
      'express answer': express(none, true),
      'express mask': express(fx.maskFields({ schema }), true),
      'koa parser': koa(noneKoa, false),
      'koa scrub': koa(fk.scrubPII({ schema }), false),
      'koa protect': koa(fk.protect({ schema, destinations, destination: 'analytics' }), false),
      'koa answer': koa(noneKoa, true),
      'koa mask': koa(fk.maskFields({ schema }), true),
    },
  };
}

const builds = [];
for (const root of roots) builds.push({ root, ...(await load(root)) });
const names = Object.keys(builds[0].routes).filter((n) => ONLY === undefined || ONLY.some((o) => n.includes(o)) || n.endsWith('parser') || n.endsWith('answer'));

async function time(fn, n) {
  // CPU time, not wall time: time the scheduler gave other processes of a shared machine is not counted; the GC's threads are.
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

// Warm-up: every route of every build, so that no build runs colder than another.
for (const b of builds) for (const n of names) await time(b.routes[n], 2000);
const samples = new Map();
for (let round = 0; round < ROUNDS; round++) {
  for (const n of names) {
    // Builds alternate within each route, and their order flips every round.
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) {
      const key = `${b.root}\0${n}`;
      if (!samples.has(key)) samples.set(key, []);
      samples.get(key).push(await time(b.routes[n], ITERATIONS));
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (b, n) => median(samples.get(`${b.root}\0${n}`));
console.log(`${ROUNDS} rounds × ${ITERATIONS} requests, median CPU µs per request (fieldguard's own = route − its baseline)`);
console.log(['route'.padEnd(18), ...builds.map((b) => b.root.slice(-24).padStart(26))].join(''));
for (const n of names) {
  const base = n.endsWith('parser') || n.endsWith('answer') ? undefined : n.replace(/ (scrub|protect)$/, ' parser').replace(/ mask$/, ' answer');
  const cells = builds.map((b) => {
    const own = base === undefined ? us(b, n) : us(b, n) - us(b, base);
    return `${own.toFixed(1).padStart(8)} µs${base === undefined ? ' (total)' : '        '}`.padStart(26);
  });
  console.log([n.padEnd(18), ...cells].join(''));
}
if (builds.length > 1) {
  for (const n of names.filter((x) => !x.endsWith('parser') && !x.endsWith('answer'))) {
    const base = n.replace(/ (scrub|protect)$/, ' parser').replace(/ mask$/, ' answer');
    const [a, ...rest] = builds;
    const ownA = us(a, n) - us(a, base);
    for (const b of rest) console.log(`${n}: ${b.root.slice(-24)} / ${a.root.slice(-24)} = ${((us(b, n) - us(b, base)) / ownA).toFixed(2)}`);
  }
}
