// What the plan walk costs in garbage collection: µs per call and GC ms per call of scrub and mask plans on the 1 KB order.
// `node --expose-gc bench/walk-gc.mjs [baseline-dist-dir]`: with a second build's dist directory (its
// `index.js`), both builds run in one process, in alternating rounds, over the same payloads, and
// their outputs are checked equal first. BENCH_CALLS (calls per case and build, default 200000) and
// BENCH_ROUNDS (default 5) as for the other benches; BENCH_SIZE another payload of payloads.mjs (`10 KB`,
// `1 MB`: lower BENCH_CALLS); prints a table, writes nothing.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import * as current from 'fieldguard';
import { ordersSchema, orderSchema, PATHS, SIZES } from './payloads.mjs';

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const builds = [['this build', current]];
if (process.argv[2] !== undefined) {
  const base = await import(pathToFileURL(path.resolve(process.argv[2], 'index.js')).href);
  builds.unshift(['baseline', base]);
}

const SIZE = process.env.BENCH_SIZE ?? '1 KB';
const order = SIZES[SIZE].value;
const schema = SIZES[SIZE].many ? ordersSchema : orderSchema;
// bench/walk.mjs's censoring mask: the 12 paths, every kind's format `() => '[REDACTED]'`.
const censorPaths = SIZES[SIZE].many ? PATHS.map((p) => `*.${p}`) : PATHS;
const censorOf = (fg) => {
  const kinds = Object.fromEntries(['email', 'name', 'phone', 'ssn', 'birthDate', 'cardNumber', 'iban', 'address', 'postalCode', 'ipAddress', 'freeText'].map((k) => [k, () => fg.REDACTED]));
  return fg.compileMask({ schema, select: { paths: censorPaths }, formats: { kinds } });
};
// Parsed, as a request body is: no object shares a hidden class with the source literal.
const parsed = () => JSON.parse(JSON.stringify(order));

function casesOf(fg) {
  const scrub = fg.compileScrub({ schema });
  const mask = fg.compileMask({ schema });
  const censor = censorOf(fg);
  const body = parsed();
  const empty = {};
  return [
    ['scrub {}', () => scrub(empty).value],
    ['scrub + stringify', () => JSON.stringify(scrub(body).value)],
    ['scrub + stringify + report', () => {
      const r = scrub(body);
      return JSON.stringify(r.value).length + r.report.fields.length;
    }],
    ['mask + stringify', () => JSON.stringify(mask(body).value)],
    ['mask + stringify + report', () => {
      const r = mask(body);
      return JSON.stringify(r.value).length + r.report.fields.length;
    }],
    ['mask text', () => fg.applyPlanText(mask, body).text],
    ['scrub text', () => fg.applyPlanText(scrub, body).text],
    ['mask [REDACTED] text', () => fg.applyPlanText(censor, body).text],
  ];
}

// Same outputs from every build, or the figures compare different work.
{
  const body = parsed();
  const seen = builds.map(([, fg]) => {
    const scrub = fg.compileScrub({ schema });
    const mask = fg.compileMask({ schema });
    const censor = censorOf(fg);
    return JSON.stringify([scrub(body), mask(body), fg.applyPlanText(mask, body), fg.applyPlanText(scrub, body), scrub({}), mask({}), fg.applyPlanText(censor, body)]);
  });
  if (seen.some((s) => s !== seen[0])) throw new Error('the builds differ in their outputs');
}

let gcMs = 0;
let scavenges = 0;
let majors = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    const kind = e.detail?.kind ?? e.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    else majors++;
  }
});
obs.observe({ entryTypes: ['gc'] });

const flush = () => new Promise((r) => setTimeout(r, 20));

async function measure(fn, n) {
  globalThis.gc?.();
  await flush();
  gcMs = 0;
  scavenges = 0;
  majors = 0;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (r !== undefined) sink++;
  }
  const t1 = process.hrtime.bigint();
  const heap1 = process.memoryUsage().heapUsed;
  await flush();
  for (const e of obs.takeRecords?.() ?? []) gcMs += e.duration;
  if (sink < 0) console.log(sink);
  return { us: Number(t1 - t0) / n / 1000, gcUs: (gcMs * 1000) / n, scavenges, majors, heap: heap1 - heap0 };
}

const all = builds.map(([name, fg]) => ({ name, cases: casesOf(fg) }));
const names = all[0].cases.map(([n]) => n);
const per = Math.ceil(CALLS / ROUNDS);
const samples = all.map((b) => b.cases.map(() => []));
for (const b of all) for (const [, fn] of b.cases) for (let i = 0; i < Math.min(2000, per); i++) fn();
for (let r = 0; r < ROUNDS; r++) {
  for (let c = 0; c < names.length; c++) {
    for (let k = 0; k < all.length; k++) {
      const b = (k + r) % all.length;
      samples[b][c].push(await measure(all[b].cases[c][1], per));
    }
  }
}
obs.disconnect();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${per * ROUNDS} calls per case and build, ${ROUNDS} rounds, medians per call (loaded machine figures)`);
console.log(['case', ...all.flatMap((b) => [`${b.name} µs`, `${b.name} GC µs`, `${b.name} scav/1k`])].join(' | '));
for (let c = 0; c < names.length; c++) {
  const cells = all.flatMap((b, i) => {
    const s = samples[i][c];
    return [median(s.map((x) => x.us)).toFixed(2), median(s.map((x) => x.gcUs)).toFixed(2), ((median(s.map((x) => x.scavenges)) * 1000) / per).toFixed(2)];
  });
  console.log([names[c], ...cells].join(' | '));
}
