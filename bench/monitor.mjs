// The monitor's cost on protect: the same 1 KB order through protect with and without a monitor attached, interleaved, medians of rounds.
import { defineDestinations } from 'fieldguard';
import { protect } from 'fieldguard/express';
import { createMonitor } from 'fieldguard/monitor';
import { keyRing } from 'fieldguard/vault';
import { makeOrder, orderSchema } from './payloads.mjs';

const keys = keyRing({ keys: { bench: Buffer.alloc(32, 3).toString('base64') } });
const declare = () =>
  defineDestinations(
    { crm: { vendor: 'CRM', baseUrl: 'https://crm.example', region: 'DE', lawfulBasis: 'contract', purpose: 'records', rules: { public: 'keep', internal: 'keep', personal: 'hash', special: 'hash' } } },
    { keys },
  );

/** One request through an Express protect middleware, as express.json() would leave it. */
function caller(middleware, order) {
  const text = JSON.stringify(order);
  const length = String(Buffer.byteLength(text));
  return () =>
    new Promise((resolve, reject) => {
      const req = { method: 'POST', url: '/crm/orders', originalUrl: '/crm/orders', headers: { 'content-type': 'application/json', 'content-length': length }, body: JSON.parse(text), readableEnded: true };
      const res = { locals: {}, headersSent: false, statusCode: 200, write() { return true; }, end() { return this; }, once() { return this; }, getHeader() { return undefined; } };
      middleware(req, res, (err) => (err ? reject(err) : resolve()));
    });
}

/** CPU time (user + system, µs) per call over a block of `n` calls: on a shared machine it moves far less than wall time with other work. */
async function block(fn, n) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

/** The same for a synchronous call. */
function blockSync(fn, n) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Ratio of the contender's CPU time to its base's over all quads (a garbage collection costs whichever block it falls in, so sums, not a median of ratios). */
const ratioOf = (quads) => quads.reduce((s, q) => s + q.b, 0) / quads.reduce((s, q) => s + q.a, 0);

/** A 95% interval of the ratio, resampling the quads (fixed seed: the same quads give the same interval). */
function interval(quads) {
  let seed = 0x2545f491;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const rs = [];
  for (let i = 0; i < 1000; i++) rs.push(ratioOf(quads.map(() => quads[Math.floor(next() * quads.length)])));
  rs.sort((x, y) => x - y);
  return [rs[25], rs[974]];
}

export async function runMonitorBench({ rounds, roundMs }) {
  const order = makeOrder(1, 3);
  const bare = declare();
  const bareToo = declare();
  const watched = declare();
  const monitor = createMonitor({ destinations: watched, audit: () => undefined });
  const decoys = [1, 20, 1000].map((n) => {
    const destinations = declare();
    const m = createMonitor({ destinations, audit: () => undefined });
    for (let i = 0; i < n; i++) m.honeytoken(i % 3 === 2 ? { kind: 'email', domain: 'decoys.example' } : { kind: i % 2 ? 'cardNumber' : 'apiKey' });
    return { n, destinations, monitor: m };
  });
  const list = [
    ['protect', caller(protect({ schema: orderSchema, destinations: bare, destination: 'crm' }), order)],
    ['protect + monitor', caller(protect({ schema: orderSchema, destinations: watched, destination: 'crm' }), order)],
    ...decoys.map(({ n, destinations }) => [`protect + monitor + ${n.toLocaleString('en')} honeytoken${n === 1 ? '' : 's'}`, caller(protect({ schema: orderSchema, destinations, destination: 'crm' }), order)]),
    // A second protect without a monitor, the same in every way: paired with the first it shows how far this run's noise alone moves a ratio.
    ['protect (again)', caller(protect({ schema: orderSchema, destinations: bareToo, destination: 'crm' }), order)],
  ];
  for (const [, fn] of list) for (let i = 0; i < 2000; i++) await fn();
  // Each contender is compared with its base in quads of adjacent blocks, base-contender-contender-base
  // (a load that rises or falls over the four blocks moves both sides alike), the comparisons taken in
  // turn. The ratio is the contender's CPU time over its base's, summed over every quad, with a 95%
  // interval from resampling the quads. No forced collection between blocks: a full collection shrinks
  // the young generation, and the blocks after it then measure the scavenges of its regrowth more than
  // the requests.
  const pairs = [
    [0, 5],
    [0, 1],
    [1, 2],
    [1, 3],
    [1, 4],
  ];
  // About 10 ms per block: many short quads in the time the other parts give a round.
  const perBlock = 200;
  const quadsPerRound = Math.max(1, Math.round(roundMs / 40));
  const count = rounds * 6 * quadsPerRound;
  const samples = list.map(() => []);
  const quads = pairs.map(() => []);
  for (let r = 0; r < count; r++) {
    for (let p = 0; p < pairs.length; p++) {
      const [a, b] = pairs[p];
      const a1 = await block(list[a][1], perBlock);
      const b1 = await block(list[b][1], perBlock);
      const b2 = await block(list[b][1], perBlock);
      const a2 = await block(list[a][1], perBlock);
      samples[a].push((a1 + a2) / 2);
      samples[b].push((b1 + b2) / 2);
      quads[p].push({ a: a1 + a2, b: b1 + b2 });
    }
  }
  // The monitor's own work per request, timed alone (no protect around it, so no noise of protect's
  // 45 µs to see it through): counting the order's report and subjects, and the honeytoken search of
  // the body protect receives. The watch is what protect itself calls.
  const WATCH = Symbol.for('fieldguard.monitor.watch');
  let report;
  await caller(protect({ schema: orderSchema, destinations: declare(), destination: 'crm', onReport: (r) => (report = r) }), order)();
  const counting = monitor[WATCH];
  const direct = [
    ['counting one request (outbound)', () => counting.outbound('crm', { report, bytes: 1000 })],
    ...decoys.map(({ n, monitor: m }) => [`honeytoken search of the body, ${n.toLocaleString('en')} decoy${n === 1 ? '' : 's'}`, () => m[WATCH].checkValue('crm', 'body', order)]),
  ];
  const directUs = direct.map(([, fn]) => {
    for (let i = 0; i < 20_000; i++) fn();
    const xs = [];
    for (let r = 0; r < 200; r++) xs.push(blockSync(fn, 2000));
    return median(xs);
  });
  await monitor.close();
  for (const d of decoys) await d.monitor.close();
  const results = list.map(([name], i) => ({ name, us: median(samples[i]) }));
  const ratio = quads.map(ratioOf);
  const spans = quads.map(interval);
  const noise = Math.max(Math.abs(spans[0][0] - 1), Math.abs(spans[0][1] - 1));
  const row = (i) => {
    const p = pairs.findIndex(([, b]) => b === i);
    const r = results[i];
    if (p === -1) return `| ${r.name} | ${r.us.toFixed(2)} µs | | | |`;
    return `| ${r.name} | ${r.us.toFixed(2)} µs | ${list[pairs[p][0]][0]} | ${ratio[p].toFixed(3)}x | ${spans[p][0].toFixed(3)}–${spans[p][1].toFixed(3)} |`;
  };
  const lines = [
    '## Monitor: its cost on protect (1 KB order, Express middleware called directly, personal and special fields hashed; CPU time per request)',
    '',
    `Each ratio is the contender's CPU time over its base's (protect, or protect + monitor for the honeytokens), summed over ${count} quads of adjacent blocks of ${perBlock} requests (base, contender, contender, base), with a 95% interval from resampling the quads. \`protect (again)\` is a second, identical protect: its ratio to protect is this run's noise floor.`,
    '',
    '| contender | median | base | ratio to base | 95% interval |',
    '| --- | ---: | --- | ---: | ---: |',
    ...results.map((_, i) => row(i)),
    '',
    `The monitor's own work, timed alone (median of 200 blocks of 2,000 calls; protect's median above is ${results[0].us.toFixed(2)} µs):`,
    '',
    '| work | µs per request | share of protect |',
    '| --- | ---: | ---: |',
    ...direct.map(([name], i) => `| ${name} | ${directUs[i].toFixed(3)} | ${((100 * directUs[i]) / results[0].us).toFixed(1)}% |`),
    '',
  ];
  const cost = ratio[1] - 1;
  const decoyRatio = (n) => ratio[[1, 20, 1000].indexOf(n) + 2];
  const resolved = noise <= 0.01 ? 'quiet run' : `noisy run: identical protects differ by up to ${(noise * 100).toFixed(1)}%, so a difference that small is not resolved`;
  const targets = [
    `- noise floor (protect again / protect): ${ratio[0].toFixed(3)}x, 95% ${spans[0][0].toFixed(3)}–${spans[0][1].toFixed(3)} (${resolved})`,
    `- monitor on protect: ${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(1)}%, 95% ${((spans[1][0] - 1) * 100).toFixed(1)}% to ${((spans[1][1] - 1) * 100).toFixed(1)}% (target ≤ 2%) — ${cost <= 0.02 ? 'met' : 'not met'}`,
    `- 20 honeytokens: ${decoyRatio(20).toFixed(3)}x protect + monitor (target ≤ 1.05x) — ${decoyRatio(20) <= 1.05 ? 'met' : 'not met'}`,
    `- 1,000 honeytokens: ${decoyRatio(1000).toFixed(3)}x protect + monitor (target ≤ 1.10x) — ${decoyRatio(1000) <= 1.1 ? 'met' : 'not met'}`,
  ];
  console.log([...lines, ...targets].join('\n'));
  return { lines: [...lines, ...targets, ''], targets };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runMonitorBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 9), roundMs: Number(process.env.BENCH_ROUND_MS ?? 250) });
}
