// (a) mask + serialize and (b) scrub + serialize alone: the plan engine's figures without the rest of `npm run bench`.
// `node --expose-gc bench/walk.mjs` (BENCH_ROUNDS, BENCH_ROUND_MS as for run.mjs); prints the ratios, writes nothing.
import fastRedact from 'fast-redact';
import { applyPlanText, compileMask, compileScrub, redactor, REDACTED } from 'fieldguard';
import { ordersSchema, orderSchema, PATHS, SIZES } from './payloads.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 200);
const ONLY = process.env.BENCH_SIZE;
const censorAll = Object.fromEntries(
  ['email', 'name', 'phone', 'ssn', 'birthDate', 'cardNumber', 'iban', 'address', 'postalCode', 'ipAddress', 'freeText'].map((k) => [k, () => REDACTED]),
);

function timeRound(fn) {
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now - start < budget) {
    fn();
    n++;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / n / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const size of Object.keys(SIZES)) {
  if (ONLY !== undefined && ONLY !== size) continue;
  const { value, many } = SIZES[size];
  const paths = many ? PATHS.map((p) => `*.${p}`) : PATHS;
  const schema = many ? ordersSchema : orderSchema;
  const mask = compileMask({ schema, select: { paths }, formats: { kinds: censorAll } });
  const scrub = compileScrub({ schema });
  const fr = fastRedact({ paths, censor: REDACTED, serialize: JSON.stringify });
  const list = [
    ['JSON.stringify (floor)', () => JSON.stringify(value)],
    ['fast-redact', () => fr(value)],
    ['mask value + stringify', () => JSON.stringify(mask(value).value)],
    ['scrub value + stringify', () => JSON.stringify(scrub(value).value)],
  ];
  if (applyPlanText(mask, value).text !== JSON.stringify(mask(value).value)) throw new Error(`${size}: mask text differs`);
  if (applyPlanText(scrub, value).text !== JSON.stringify(scrub(value).value)) throw new Error(`${size}: scrub text differs`);
  list.push(['mask text', () => applyPlanText(mask, value).text], ['scrub text', () => applyPlanText(scrub, value).text]);
  // The log redactor's line: written while walking, against its copy serialized (what it did before).
  const log = redactor(schema);
  if (log(value) !== JSON.stringify(log.copy(value))) throw new Error(`${size}: redactor text differs`);
  list.push(['redactor line', () => log(value)], ['redactor copy + stringify', () => JSON.stringify(log.copy(value))]);
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
  list.forEach(([name], i) => console.log(`  ${name.padEnd(28)} ${us[i].toFixed(2).padStart(10)} µs  ${(us[i] / us[0]).toFixed(2)}x`));
}
