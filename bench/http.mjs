// HTTP benchmark: req/s and p99 of a proxy route, bare and behind protect (and redactLogs), on Express, Koa, Fastify and Hono (autocannon, loopback).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import autocannon from 'autocannon';
import { makeOrder } from './payloads.mjs';

function startVendor() {
  return new Promise((resolve) => {
    const s = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      });
    }).listen(0, '127.0.0.1', () => resolve(s));
  });
}

function startGateway(framework, variant, vendorUrl) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./http-server.mjs', import.meta.url).pathname, framework, variant, vendorUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()), child }));
    child.once('error', reject);
  });
}

function run(url, body, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 10, duration: seconds }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

export async function runHttpBench({ seconds }) {
  const vendor = await startVendor();
  const vendorUrl = `http://127.0.0.1:${vendor.address().port}`;
  const body = JSON.stringify(makeOrder(3, 4));
  const lines = [
    '## HTTP: a proxy route, bare and behind protect (autocannon, 10 connections, ~1 KB JSON, loopback)',
    '',
    `The gateway runs in its own process; the vendor and autocannon share the bench process. ${seconds} s per run after a 1 s warm-up. protect applies a policy that keeps public and internal fields, tokenizes personal ones (memory vault) and hashes special ones; redactLogs writes one pino line per request to a null stream.`,
    '',
    '| framework | route | req/s | p99 latency | throughput vs bare |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  const targets = [];
  const LABEL = { express: 'Express 5', koa: 'Koa 3', fastify: 'Fastify 5', hono: 'Hono (Web)' };
  for (const framework of ['express', 'koa', 'fastify', 'hono']) {
    const results = {};
    for (const variant of ['bare', 'protect', 'protect+logs']) {
      const { port, child } = await startGateway(framework, variant, vendorUrl);
      const url = `http://127.0.0.1:${port}/orders`;
      await run(url, body, 1);
      const r = await run(url, body, seconds);
      child.kill();
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.requests.total === 0) throw new Error(`${framework} ${variant}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      results[variant] = { rps: r.requests.average, p99: r.latency.p99 };
      console.log(`${framework.padEnd(8)} ${variant.padEnd(14)} ${Math.round(r.requests.average).toLocaleString('en').padStart(8)} req/s  p99 ${r.latency.p99} ms`);
    }
    for (const variant of ['bare', 'protect', 'protect+logs']) {
      const x = results[variant];
      lines.push(`| ${LABEL[framework]} | ${variant} | ${Math.round(x.rps).toLocaleString('en')} | ${x.p99} ms | ${((x.rps / results.bare.rps) * 100).toFixed(1)}% |`);
    }
    const cost = 1 - results.protect.rps / results.bare.rps;
    if (framework === 'fastify' || framework === 'hono') {
      // No target is set for these yet: the row stands next to its own bare route.
      targets.push(`- ${LABEL[framework]}: protect costs ${(cost * 100).toFixed(1)}% of the bare route's throughput (no target set)`);
      continue;
    }
    const limit = framework === 'express' ? 0.05 : 0.1;
    targets.push(`- ${framework === 'express' ? 'Express' : 'Koa'}: protect costs ${(cost * 100).toFixed(1)}% of the bare route's throughput (target ≤ ${limit * 100}%) — ${cost <= limit ? 'met' : 'not met'}`);
  }
  vendor.close();
  lines.push('', ...targets, '');
  return { lines, targets };
}
