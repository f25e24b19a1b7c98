// `npm run bench`: fieldguard next to its peers on the same payloads, interleaved, medians of rounds, written to bench/RESULTS.md.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import fastRedact from 'fast-redact';
import pinoRedact from '@pinojs/redact';
import lodash from 'lodash';
import { applyPlanText, compileMask, compileScrub, REDACTED } from 'fieldguard';
import { ordersSchema, orderSchema, PATHS, SIZES } from './payloads.mjs';
import { runVaultBench } from './vault.mjs';
import { runLogBench } from './logs.mjs';
import { runHttpBench } from './http.mjs';
import { runDetectBench } from './detect.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);
const KINDS_TO_CENSOR = Object.fromEntries(
  ['email', 'name', 'phone', 'ssn', 'birthDate', 'cardNumber', 'iban', 'address', 'postalCode', 'ipAddress', 'freeText'].map((k) => [k, () => REDACTED]),
);

/** Expands pino paths with one `[*]` over a concrete value, for the lodash contender. */
function setAll(obj, path, value) {
  const star = path.indexOf('[*]');
  if (star < 0) {
    if (lodash.has(obj, path)) lodash.set(obj, path, value);
    return;
  }
  const arr = lodash.get(obj, path.slice(0, star));
  const rest = path.slice(star + 4);
  if (Array.isArray(arr)) for (const item of arr) if (lodash.has(item, rest)) lodash.set(item, rest, value);
}

function contenders(size) {
  const { value, many } = SIZES[size];
  const paths = many ? PATHS.map((p) => `*.${p}`) : PATHS;
  const schema = many ? ordersSchema : orderSchema;
  const select = { paths };
  const fgCensor = compileMask({ schema, select, formats: { kinds: KINDS_TO_CENSOR } });
  const fgFormats = compileMask({ schema, select });
  const scrub = compileScrub({ schema });
  const fr = fastRedact({ paths, censor: REDACTED, serialize: JSON.stringify });
  const pr = pinoRedact({ paths, censor: REDACTED, serialize: JSON.stringify });
  const lodashPaths = (o) => {
    const c = lodash.cloneDeep(o);
    if (many) for (const order of c) for (const p of PATHS) setAll(order, p, REDACTED);
    else for (const p of PATHS) setAll(c, p, REDACTED);
    return JSON.stringify(c);
  };
  return {
    mask: [
      ['JSON.stringify (floor)', () => JSON.stringify(value), 'floor'],
      ['JSON.parse(JSON.stringify()) (floor)', () => JSON.parse(JSON.stringify(value)), 'floor'],
      // What an app whose output is text calls (a forwarded body, an answer, a log line): the walk writes the JSON.
      ['fieldguard compileMask [REDACTED], text', () => applyPlanText(fgCensor, value).text, 'censor'],
      ['fieldguard compileMask [REDACTED] value + stringify', () => JSON.stringify(fgCensor(value).value), 'censor'],
      ['fieldguard compileMask kind formats, text', () => applyPlanText(fgFormats, value).text, 'formats'],
      ['fieldguard compileMask kind formats value + stringify', () => JSON.stringify(fgFormats(value).value), 'formats'],
      ['fast-redact', () => fr(value), 'censor'],
      ['@pinojs/redact', () => pr(value), 'censor'],
      ['lodash cloneDeep + set + stringify', () => lodashPaths(value), 'censor'],
    ],
    scrub: [
      ['JSON.stringify (floor)', () => JSON.stringify(value), 'floor'],
      ['fieldguard compileScrub, text', () => applyPlanText(scrub, value).text, 'scrub'],
      ['fieldguard compileScrub value + stringify', () => JSON.stringify(scrub(value).value), 'scrub'],
    ],
    expected: {
      censor: JSON.parse(JSON.stringify(fgCensor(value).value)),
      formats: JSON.parse(JSON.stringify(fgFormats(value).value)),
      scrub: JSON.parse(JSON.stringify(scrub(value).value)),
    },
    value,
  };
}

/** Checks every contender's output, so none can win by doing less. */
function verify(size, c) {
  const referenceCensor = JSON.parse(fastRedact({ paths: SIZES[size].many ? PATHS.map((p) => `*.${p}`) : PATHS, censor: REDACTED, serialize: JSON.stringify })(structuredClone(c.value)));
  if (!isDeepStrictEqual(c.expected.censor, referenceCensor)) throw new Error(`${size}: fieldguard's censor output differs from fast-redact's`);
  const text = JSON.stringify(c.expected.scrub);
  for (const secret of ['@example.com', '4111 1111', 'DE8937', 'Long Example Street', '123-45-']) {
    if (text.includes(secret) || JSON.stringify(c.expected.censor).includes(secret)) throw new Error(`${size}: output still carries ${secret}`);
  }
  for (const [name, fn, kind] of [...c.mask, ...c.scrub]) {
    const out = fn();
    if (kind === 'floor') continue;
    // The text entry writes exactly what serializing the value entry's result writes.
    if (name.endsWith(', text') && out !== JSON.stringify(c.expected[kind])) throw new Error(`${size}: ${name} wrote other bytes than the value entry`);
    const parsed = typeof out === 'string' ? JSON.parse(out) : out;
    if (!isDeepStrictEqual(parsed, c.expected[kind])) throw new Error(`${size}: ${name} produced a different output`);
  }
  // The peers must not have mutated the input: fast-redact restores, the others copy.
  if (JSON.stringify(c.value).includes(REDACTED)) throw new Error(`${size}: the input was mutated`);
}

function timeRound(fn) {
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ROUND_MS) * 1_000_000n;
  let now = start;
  while (now - start < budget) {
    fn();
    n++;
    if ((n & 7) === 0) now = process.hrtime.bigint();
    else if (n < 8) now = process.hrtime.bigint();
  }
  now = process.hrtime.bigint();
  return Number(now - start) / n / 1000; // µs per op
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function run(list) {
  const samples = list.map(() => []);
  for (const [, fn] of list) for (let i = 0; i < 200; i++) fn(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < list.length; i++) {
      const k = (i + r) % list.length; // interleaved, rotating order
      globalThis.gc?.();
      samples[k].push(timeRound(list[k][1]));
    }
  }
  return list.map(([name], i) => ({ name, us: median(samples[i]) }));
}

function fmt(us) {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(2)} µs`;
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
const lines = [
  '# Benchmarks',
  '',
  `Machine: ${machine}. Run: ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per contender, median time per operation; ratio = time / \`JSON.stringify\` alone on the same payload (lower is better). Every contender's output is checked against the expected one before timing.`,
  '',
  'Reproduce with `npm run bench` (`BENCH_ROUNDS`, `BENCH_ROUND_MS` to change the effort).',
  '',
];
const summary = [];
for (const size of Object.keys(SIZES)) {
  const c = contenders(size);
  verify(size, c);
  const bytes = Buffer.byteLength(JSON.stringify(c.value));
  for (const [title, list] of [
    ['(a) mask 12 paths + serialize', c.mask],
    ['(b) scrub (allow-list, drop) + serialize', c.scrub],
  ]) {
    const results = run(list);
    const floor = results[0].us;
    lines.push(`## ${title}, ${size} payload (${bytes.toLocaleString('en')} bytes)`, '', '| contender | median | ratio |', '| --- | ---: | ---: |');
    for (const r of results) lines.push(`| ${r.name} | ${fmt(r.us)} | ${(r.us / floor).toFixed(2)}x |`);
    lines.push('');
    for (const r of results) summary.push({ size, title, name: r.name, ratio: r.us / floor });
    console.log(`${title}, ${size}:`);
    for (const r of results) console.log(`  ${r.name.padEnd(50)} ${fmt(r.us).padStart(10)}  ${(r.us / floor).toFixed(2)}x`);
  }
}

const targets = ['## Targets', ''];
for (const size of Object.keys(SIZES)) {
  const pick = (title, name) => summary.find((s) => s.size === size && s.title.startsWith(title) && s.name === name)?.ratio;
  const fg = pick('(a)', 'fieldguard compileMask [REDACTED], text');
  const fr = pick('(a)', 'fast-redact');
  const scrub = pick('(b)', 'fieldguard compileScrub, text');
  targets.push(
    `- ${size}: (a) mask + serialize ${fg.toFixed(2)}x \`JSON.stringify\` (target ≤ 1.30x) — ${fg <= 1.3 ? 'met' : 'not met'}; never slower than fast-redact (${fr.toFixed(2)}x) — ${fg <= fr ? 'met' : 'not met'}`,
    `- ${size}: (b) scrub + serialize ${scrub.toFixed(2)}x (target ≤ 1.30x) — ${scrub <= 1.3 ? 'met' : 'not met'}; never slower than fast-redact (${fr.toFixed(2)}x) — ${scrub <= fr ? 'met' : 'not met'}`,
  );
}
lines.push(...targets, '');
const vault = await runVaultBench({ rounds: Math.max(3, Math.ceil(ROUNDS / 2)), roundMs: ROUND_MS });
lines.push(...vault.lines);
const logs = await runLogBench({ rounds: ROUNDS, roundMs: ROUND_MS });
lines.push(...logs.lines);
const detectors = await runDetectBench({ rounds: ROUNDS });
lines.push(...detectors.lines);
const http = await runHttpBench({ seconds: Number(process.env.BENCH_HTTP_SECONDS ?? 5) });
lines.push(...http.lines);
lines.push(...(await import('./techniques.mjs').then((m) => m.runTechniquesBench({ rounds: ROUNDS, roundMs: ROUND_MS }))).lines);
lines.push(...(await (await import('./monitor.mjs')).runMonitorBench({ rounds: ROUNDS, roundMs: ROUND_MS })).lines);
writeFileSync(new URL('./RESULTS.md', import.meta.url), lines.join('\n'));
console.log('\n' + [...targets, ...vault.targets, ...logs.targets, ...detectors.targets, ...http.targets].join('\n'));
