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

/** CPU time per call (user + system, µs): on a shared machine it moves far less than wall time with other work. */
async function timeRound(fn, roundMs) {
  let n = 0;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const budget = BigInt(roundMs) * 1_000_000n;
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 16; i++) await fn();
    n += 16;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runMonitorBench({ rounds, roundMs }) {
  const order = makeOrder(1, 3);
  const bare = declare();
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
  ];
  for (const [, fn] of list) for (let i = 0; i < 2000; i++) await fn();
  // Each contender is compared with its base in pairs of adjacent rounds (order alternating), and the
  // ratio is the median of the pairs' ratios: load that changes over the run moves both rounds of a pair.
  const pairs = [
    [0, 1],
    [1, 2],
    [1, 3],
    [1, 4],
  ];
  // More, shorter rounds than the other parts in the same time: a pair's two rounds are closer together.
  const count = rounds * 3;
  const pairMs = Math.max(50, Math.round(roundMs / 3));
  const samples = list.map(() => []);
  const ratios = pairs.map(() => []);
  for (let r = 0; r < count; r++) {
    for (let p = 0; p < pairs.length; p++) {
      const [a, b] = pairs[(p + r) % pairs.length];
      const first = r % 2 === 0 ? a : b;
      const second = first === a ? b : a;
      // No forced collection between rounds: a full collection shrinks the young generation, and the
      // rounds after it then measure the scavenges of its regrowth more than the requests.
      const t1 = await timeRound(list[first][1], pairMs);
      const t2 = await timeRound(list[second][1], pairMs);
      const ta = first === a ? t1 : t2;
      const tb = first === a ? t2 : t1;
      samples[a].push(ta);
      samples[b].push(tb);
      ratios[(p + r) % pairs.length].push(tb / ta);
    }
  }
  await monitor.close();
  for (const d of decoys) await d.monitor.close();
  const results = list.map(([name], i) => ({ name, us: median(samples[i]) }));
  const ratio = pairs.map((_, i) => median(ratios[i]));
  const lines = [
    '## Monitor: its cost on protect (1 KB order, Express middleware called directly, personal and special fields hashed; CPU time per request)',
    '',
    `Each ratio is the median over ${count} pairs of adjacent rounds of the contender and its base (protect, or protect + monitor for the honeytokens).`,
    '',
    '| contender | median | base | ratio to base |',
    '| --- | ---: | --- | ---: |',
    ...results.map((r, i) => (i === 0 ? `| ${r.name} | ${r.us.toFixed(2)} µs | | |` : `| ${r.name} | ${r.us.toFixed(2)} µs | ${list[pairs[i - 1][0]][0]} | ${ratio[i - 1].toFixed(3)}x |`)),
    '',
  ];
  const cost = ratio[0] - 1;
  const decoyRatio = (i) => ratio[i - 1];
  const targets = [
    `- monitor on protect: ${cost >= 0 ? '+' : ''}${(cost * 100).toFixed(1)}% (target ≤ 2%) — ${cost <= 0.02 ? 'met' : 'not met'}`,
    `- 20 honeytokens: ${decoyRatio(3).toFixed(3)}x protect + monitor (target ≤ 1.05x) — ${decoyRatio(3) <= 1.05 ? 'met' : 'not met'}`,
    `- 1,000 honeytokens: ${decoyRatio(4).toFixed(3)}x protect + monitor (target ≤ 1.10x) — ${decoyRatio(4) <= 1.1 ? 'met' : 'not met'}`,
  ];
  console.log(lines.join('\n'));
  return { lines: [...lines, ...targets, ''], targets };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runMonitorBench({ rounds: Number(process.env.BENCH_ROUNDS ?? 9), roundMs: Number(process.env.BENCH_ROUND_MS ?? 250) });
}
