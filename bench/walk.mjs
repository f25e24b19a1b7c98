// (a) mask + serialize and (b) scrub + serialize alone: the plan engine's figures without the rest of `npm run bench`.
// `node --expose-gc bench/walk.mjs [baseline-dist-dir]` (BENCH_ROUNDS, BENCH_ROUND_MS as for run.mjs; BENCH_SIZE
// one of the size names of payloads.mjs, `1 KB`, `10 KB`, `1 MB`; BENCH_CLOCK=cpu times each round by this
// process's CPU time, all its threads, instead of the wall clock: on a shared machine the other processes' load
// then weighs less); prints the ratios, writes nothing. With a second
// build's dist directory (its `index.js`), both builds' rows run in one process, in the same interleaved rounds,
// over the same payloads, each to the same `JSON.stringify` floor, and their outputs are checked equal first.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import fastRedact from 'fast-redact';
import * as current from 'fieldguard';
import { ordersSchema, orderSchema, PATHS, SIZES } from './payloads.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 200);
const ONLY = process.env.BENCH_SIZE;
const builds = [['', current]];
if (process.argv[2] !== undefined) {
  const base = await import(pathToFileURL(path.resolve(process.argv[2], 'index.js')).href);
  builds.unshift(['baseline ', base]);
  builds[1][0] = 'this build ';
}
const { REDACTED } = current;
const censorAll = Object.fromEntries(
  ['email', 'name', 'phone', 'ssn', 'birthDate', 'cardNumber', 'iban', 'address', 'postalCode', 'ipAddress', 'freeText'].map((k) => [k, () => REDACTED]),
);

const CPU = process.env.BENCH_CLOCK === 'cpu';

function timeRound(fn) {
  let n = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budget = BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now - start < budget) {
    fn();
    n++;
    now = process.hrtime.bigint();
  }
  if (CPU) {
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / n;
  }
  return Number(now - start) / n / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One build's rows on one payload, each checked against its value entry. */
function rowsOf(prefix, fg, size, value, paths, schema) {
  const { applyPlanText, compileMask, compileScrub, redactor } = fg;
  const mask = compileMask({ schema, select: { paths }, formats: { kinds: censorAll } });
  const scrub = compileScrub({ schema });
  if (applyPlanText(mask, value).text !== JSON.stringify(mask(value).value)) throw new Error(`${size}: mask text differs`);
  if (applyPlanText(scrub, value).text !== JSON.stringify(scrub(value).value)) throw new Error(`${size}: scrub text differs`);
  // The log redactor's line: written while walking, against its copy serialized (what it did before).
  const log = redactor(schema);
  if (log(value) !== JSON.stringify(log.copy(value))) throw new Error(`${size}: redactor text differs`);
  const rows = [
    ['mask value + stringify', () => JSON.stringify(mask(value).value)],
    ['scrub value + stringify', () => JSON.stringify(scrub(value).value)],
    ['mask text', () => applyPlanText(mask, value).text],
    ['scrub text', () => applyPlanText(scrub, value).text],
    ['redactor line', () => log(value)],
    ['redactor copy + stringify', () => JSON.stringify(log.copy(value))],
  ];
  const outputs = [mask(value).value, scrub(value).value, applyPlanText(mask, value).text, applyPlanText(scrub, value).text, log(value)];
  return { rows: rows.map(([name, fn]) => [prefix + name, fn]), outputs: JSON.stringify(outputs) };
}

for (const size of Object.keys(SIZES)) {
  if (ONLY !== undefined && ONLY !== size) continue;
  const { value, many } = SIZES[size];
  const paths = many ? PATHS.map((p) => `*.${p}`) : PATHS;
  const schema = many ? ordersSchema : orderSchema;
  const fr = fastRedact({ paths, censor: REDACTED, serialize: JSON.stringify });
  const list = [
    ['JSON.stringify (floor)', () => JSON.stringify(value)],
    ['fast-redact', () => fr(value)],
  ];
  const of = builds.map(([prefix, fg]) => rowsOf(prefix, fg, size, value, paths, schema));
  // Same outputs from every build, or the figures compare different work.
  if (of.some((b) => b.outputs !== of[0].outputs)) throw new Error(`${size}: the builds differ in their outputs`);
  // Each row of the builds side by side: the baseline's, then this build's.
  for (let r = 0; r < of[0].rows.length; r++) for (const b of of) list.push(b.rows[r]);
  const samples = list.map(() => []);
  for (const [, fn] of list) for (let i = 0; i < 100; i++) fn();
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < list.length; i++) {
      const k = (i + r) % list.length;
      globalThis.gc?.();
      samples[k].push(timeRound(list[k][1]));
    }
  }
  const us = samples.map(median);
  console.log(`${size}:`);
  list.forEach(([name], i) => console.log(`  ${name.padEnd(40)} ${us[i].toFixed(2).padStart(10)} µs  ${(us[i] / us[0]).toFixed(2)}x`));
}
