// HTTP benchmark: req/s and p99 of Express and Koa with their body parsers, bare and behind each middleware, and of Fastify and Hono next to their bare routes (autocannon, loopback).
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

// BENCH_HTTP_PROFILE=<dir> runs each gateway under --cpu-prof, writing one .cpuprofile per route into <dir>.
const PROFILE = process.env.BENCH_HTTP_PROFILE;

function startGateway(framework, variant, vendorUrl) {
  return new Promise((resolve, reject) => {
    const prof = PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, `--cpu-prof-name=${framework}-${variant}.cpuprofile`];
    const child = spawn(process.execPath, [...prof, new URL('./http-server.mjs', import.meta.url).pathname, framework, variant, vendorUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
    const waiting = [];
    let buffered = '';
    let port;
    child.stdout.on('data', (d) => {
      buffered += String(d);
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (port === undefined) {
          port = Number(line);
          resolve({ port, child, cpu });
        } else if (line.startsWith('cpu ')) waiting.shift()?.(Number(line.slice(4)));
      }
    });
    // The gateway's CPU time so far, in µs.
    const cpu = () =>
      new Promise((done) => {
        waiting.push(done);
        child.kill('SIGUSR2');
      });
    child.once('error', reject);
  });
}

function run(url, body, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 10, duration: seconds }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

const VARIANTS = ['parser', 'scrub', 'protect', 'logs', 'pino-http', 'answer', 'mask'];
const LABEL = {
  parser: 'body parser + proxy (baseline)',
  scrub: '+ scrubPII',
  protect: '+ protect',
  logs: '+ redactLogs, bodies',
  'pino-http': '+ pino-http, body, 14 redact paths',
  answer: 'body parser + res.json (baseline)',
  mask: '+ maskFields',
};

export async function runHttpBench({ seconds }) {
  const vendor = await startVendor();
  const vendorUrl = `http://127.0.0.1:${vendor.address().port}`;
  const body = JSON.stringify(makeOrder(3, 4));
  const lines = [
    '## HTTP: the same framework with its body parser, and behind each middleware (autocannon, 10 connections, ~1 KB JSON, loopback)',
    '',
    `The gateway runs in its own process; the vendor and autocannon share the bench process. ${seconds} s per run after a 1 s warm-up. Baselines: the framework with its body parser (\`express.json()\`, \`@koa/bodyparser\`) proxying with http-proxy-middleware, and the same answering the order with \`res.json\` / \`ctx.body\` (for maskFields). protect keeps public and internal fields, tokenizes personal ones (memory vault) and hashes special ones; redactLogs and pino-http write one line per request, with the request body, to a null stream.`,
    '',
    '| framework | route | req/s | p99 latency | throughput vs its baseline |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  const targets = [];
  const NAME = { express: 'Express 5', koa: 'Koa 3', fastify: 'Fastify 5', hono: 'Hono (Web)' };
  const measure = async (framework, variant) => {
    const { port, child } = await startGateway(framework, variant, vendorUrl);
    const url = `http://127.0.0.1:${port}/orders`;
    await run(url, body, 1);
    const r = await run(url, body, seconds);
    // The gateway exits on SIGTERM through process.exit, so a CPU profile is written before it goes.
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill();
    });
    if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0 || r.requests.total === 0) throw new Error(`${framework} ${variant}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    console.log(`${framework.padEnd(8)} ${variant.padEnd(12)} ${Math.round(r.requests.average).toLocaleString('en').padStart(8)} req/s  p99 ${r.latency.p99} ms`);
    return { rps: r.requests.average, p99: r.latency.p99 };
  };
  for (const framework of ['express', 'koa']) {
    const name = NAME[framework];
    const results = {};
    for (const variant of VARIANTS) results[variant] = await measure(framework, variant);
    const base = (v) => (v === 'answer' || v === 'mask' ? results.answer : results.parser);
    for (const variant of VARIANTS) {
      const x = results[variant];
      lines.push(`| ${name} | ${LABEL[variant]} | ${Math.round(x.rps).toLocaleString('en')} | ${x.p99} ms | ${((x.rps / base(variant).rps) * 100).toFixed(1)}% |`);
    }
    const cost = (v) => 1 - results[v].rps / base(v).rps;
    for (const [v, limit, what] of [['scrub', 0.05, 'scrubPII'], ['mask', 0.05, 'maskFields'], ['protect', 0.1, 'protect (tokenize + hash + drop)']]) {
      targets.push(`- ${name}: ${what} costs ${(cost(v) * 100).toFixed(1)}% of the throughput with the body parser alone (target ≤ ${limit * 100}%) — ${cost(v) <= limit ? 'met' : 'not met'}`);
    }
    const logs = results.logs.rps;
    const plain = results['pino-http'].rps;
    targets.push(`- ${name}: redactLogs with bodies ${Math.round(logs).toLocaleString('en')} req/s vs pino-http with plain redact paths ${Math.round(plain).toLocaleString('en')} (target: no slower) — ${logs >= plain ? 'met' : 'not met'}`);
  }
  // Fastify and Hono: each next to its own bare route (the framework's own parser, forwarding); no targets set yet.
  for (const framework of ['fastify', 'hono']) {
    const results = {};
    for (const variant of ['bare', 'protect', 'protect+logs']) {
      const x = (results[variant] = await measure(framework, variant));
      lines.push(`| ${NAME[framework]} | ${variant === 'bare' ? 'bare route (baseline)' : `+ ${variant}`} | ${Math.round(x.rps).toLocaleString('en')} | ${x.p99} ms | ${((x.rps / results.bare.rps) * 100).toFixed(1)}% |`);
    }
    const cost = 1 - results.protect.rps / results.bare.rps;
    targets.push(`- ${NAME[framework]}: protect costs ${(cost * 100).toFixed(1)}% of the bare route's throughput (no target set)`);
  }
  vendor.close();
  lines.push('', ...targets, '');
  return { lines, targets };
}

/**
 * `node bench/http.mjs [framework:variant,variant …]`: only the routes named (each with its baseline), for profiling
 * and quick before/after ratios; `BENCH_HTTP_SECONDS` sets the duration (default 5), BENCH_HTTP_PROFILE a profile dir.
 */
export async function runHttpSelection(selection, seconds) {
  const vendor = await startVendor();
  const vendorUrl = `http://127.0.0.1:${vendor.address().port}`;
  const body = JSON.stringify(makeOrder(3, 4));
  const out = [];
  for (const item of selection) {
    const [framework, list] = item.split(':');
    const variants = list.split(',');
    const results = {};
    for (const variant of variants) {
      const { port, child, cpu } = await startGateway(framework, variant, vendorUrl);
      const url = `http://127.0.0.1:${port}/orders`;
      await run(url, body, 1);
      const before = await cpu();
      const r = await run(url, body, seconds);
      const after = await cpu();
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill();
      });
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${framework} ${variant}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      results[variant] = { rps: r.requests.average, us: (after - before) / r.requests.total };
    }
    const baseOf = (variant) => (variant === 'answer' || variant === 'mask' ? results.answer : results.bare ?? results.parser);
    for (const variant of variants) {
      const x = results[variant];
      const base = baseOf(variant);
      const ratio = base === undefined ? '' : `  ${((x.rps / base.rps) * 100).toFixed(1)}% of baseline req/s, +${(x.us - base.us).toFixed(0)} µs CPU`;
      out.push(`${framework.padEnd(8)} ${variant.padEnd(12)} ${Math.round(x.rps).toLocaleString('en').padStart(8)} req/s  ${x.us.toFixed(0).padStart(4)} µs CPU/req${ratio}`);
    }
  }
  vendor.close();
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const selection = process.argv.length > 2 ? process.argv.slice(2) : ['express:parser,scrub,protect,answer,mask', 'koa:parser,scrub,protect,answer,mask'];
  const lines = await runHttpSelection(selection, Number(process.env.BENCH_HTTP_SECONDS ?? 5));
  console.log(lines.join('\n'));
}
