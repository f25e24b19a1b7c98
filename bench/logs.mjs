// Log benchmarks: pino lines/s with fieldguard's options vs plain path redaction vs none (detector throughput and quality: detect.mjs).
import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoOptions } from 'fieldguard/pino';
import { makeOrder, orderSchema, PATHS } from './payloads.mjs';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function rate(fn, ms) {
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (n / elapsed) * 1000;
}

const devNull = () => new Writable({ write(_c, _e, cb) { cb(); } });

export async function runLogBench({ rounds, roundMs }) {
  const lines = ['## Logging with pino (lines/s, ~1 KB objects, median of rounds)', ''];
  const order = makeOrder(7, 4);
  const withNote = { ...order, note: 'customer wrote: call me on +44 20 7946 0958 or mail jane.doe@example.com' };
  const loggers = [
    ['pino, no redaction', pino(devNull())],
    ['pino, plain redact paths (12)', pino({ redact: { paths: PATHS, censor: '[REDACTED]' } }, devNull())],
    ['pino + pinoOptions(schema) (paths at any depth + detection)', pino(pinoOptions(orderSchema), devNull())],
    // Not a target: what detection costs of the line, next to the walk and the masks.
    ['pino + pinoOptions(schema, { detect: false }) (paths, key names)', pino(pinoOptions(orderSchema, { detect: false }), devNull())],
  ];
  // Output check: fieldguard's line carries none of the values.
  let captured = '';
  const check = pino(pinoOptions(orderSchema), new Writable({ write(c, _e, cb) { captured += c; cb(); } }));
  check.info(withNote, 'order');
  for (const v of ['customer.7@example.com', '4111 1111 1111 1111', 'jane.doe@example.com', '7946 0958', 'DE89370400440532013000']) {
    if (captured.includes(v)) throw new Error(`pinoOptions leaked ${v}`);
  }
  const samples = loggers.map(() => []);
  for (let r = 0; r < rounds; r++) {
    loggers.forEach(([, logger], i) => samples[i].push(rate(() => logger.info(withNote, 'order'), roundMs)));
  }
  const results = loggers.map(([name], i) => ({ name, rate: median(samples[i]) }));
  lines.push('| logger | lines/s | vs plain redact |', '| --- | ---: | ---: |');
  const plain = results[1].rate;
  for (const r of results) lines.push(`| ${r.name} | ${Math.round(r.rate).toLocaleString('en')} | ${(plain / r.rate).toFixed(2)}x time |`);
  const ratio = plain / results[2].rate;
  const targets = [`- pino with pinoOptions(schema) takes ${ratio.toFixed(2)}x the time of pino with plain redact paths (target ≤ 1.30x) — ${ratio <= 1.3 ? 'met' : 'not met'}`];
  for (const r of results) console.log(`${r.name.padEnd(66)} ${Math.round(r.rate).toLocaleString('en').padStart(10)} lines/s`);

  lines.push('', ...targets, '');
  return { lines, targets };
}
