// Vault throughput: tokenize and detokenize values/s per store and batch size, next to the floor of the crypto alone.
import { createHmac, createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault, keyRing, memoryStore, redisStore, sqliteStore } from 'fieldguard/vault';

const keys = keyRing({ keys: { k1: randomBytes(32).toString('base64') } });
const silent = () => undefined;
let counter = 0;

/** The crypto floor: AES-256-GCM of the value plus the HMAC fingerprints the vault computes, per value. */
function cryptoFloor(values) {
  const key = randomBytes(32);
  for (const v of values) {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    Buffer.concat([c.update(v, 'utf8'), c.final(), c.getAuthTag()]);
    createHmac('sha256', key).update(v).digest('base64url');
    createHmac('sha256', key).update(v).digest('base64url');
  }
}

async function measure(fn, minMs) {
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    n += await fn();
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (n / elapsed) * 1000; // values per second
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function runVaultBench({ rounds, roundMs }) {
  const dir = mkdtempSync(join(tmpdir(), 'fieldguard-bench-'));
  const stores = [
    ['memory', () => ({ store: memoryStore(), close: async () => undefined })],
    ['sqlite', () => ({ store: sqliteStore(join(dir, `bench-${counter++}.db`)), close: async () => undefined })],
  ];
  let Redis;
  const url = process.env.REDIS_URL;
  if (url) {
    ({ Redis } = await import('ioredis'));
    stores.push([
      'redis',
      () => {
        const client = new Redis(url);
        const prefix = `fg-bench:${process.pid}:${counter++}:`;
        return {
          store: redisStore(client, { prefix }),
          close: async () => {
            let cursor = '0';
            do {
              const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
              if (found.length > 0) await client.del(...found);
              cursor = next;
            } while (cursor !== '0');
            client.disconnect();
          },
        };
      },
    ]);
  }
  const lines = ['## Vault throughput (values/s, median of rounds)', ''];
  lines.push(
    `Tokenize: new values each time (deterministic look-up, then insert). Detokenize: existing tokens. Crypto floor: AES-256-GCM plus two HMAC-SHA256 per value, nothing else.${url ? '' : ' Redis: not measured (REDIS_URL unset).'}`,
    '',
    '| store | batch | tokenize | detokenize | tokenize vs crypto floor |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  const floors = {};
  for (const batch of [1, 100, 1000]) {
    const samples = [];
    for (let r = 0; r < rounds; r++) {
      samples.push(await measure(() => {
        const values = Array.from({ length: batch }, () => `floor-${counter++}@example.com`);
        cryptoFloor(values);
        return batch;
      }, roundMs));
    }
    floors[batch] = median(samples);
    lines.push(`| crypto floor | ${batch} | ${Math.round(floors[batch]).toLocaleString('en')} | | 1.00x |`);
  }
  const results = {};
  for (const [name, make] of stores) {
    const { store, close } = make();
    const vault = createVault({ store, keys, audit: silent });
    for (const batch of [1, 100, 1000]) {
      const pool = await vault.tokenize(Array.from({ length: batch }, () => `pool-${counter++}@example.com`));
      const tok = [];
      const detok = [];
      for (let r = 0; r < rounds; r++) {
        tok.push(await measure(async () => {
          await vault.tokenize(Array.from({ length: batch }, () => `value-${counter++}@example.com`), { kind: 'email' });
          return batch;
        }, roundMs));
        detok.push(await measure(async () => {
          await vault.detokenize(pool, { actor: 'bench', purpose: 'bench' });
          return batch;
        }, roundMs));
      }
      const t = median(tok);
      const d = median(detok);
      results[`${name}:${batch}`] = { t, d };
      lines.push(`| ${name} | ${batch} | ${Math.round(t).toLocaleString('en')} | ${Math.round(d).toLocaleString('en')} | ${(floors[batch] / t).toFixed(2)}x |`);
      console.log(`vault ${name.padEnd(7)} batch ${String(batch).padStart(4)}: tokenize ${Math.round(t).toLocaleString('en').padStart(9)}/s, detokenize ${Math.round(d).toLocaleString('en').padStart(9)}/s`);
    }
    await close();
  }
  rmSync(dir, { recursive: true, force: true });
  const targets = [];
  const mem = results['memory:100'];
  targets.push(`- memory store, batches of 100: tokenizing costs ${(floors[100] / mem.t).toFixed(2)}x the crypto floor (target ≤ 2x) — ${floors[100] / mem.t <= 2 ? 'met' : 'not met'}`);
  const sq = results['sqlite:100'];
  targets.push(`- SQLite, batches of 100: ${Math.round(sq.t).toLocaleString('en')} values/s tokenized (target ≥ 100,000) — ${sq.t >= 100_000 ? 'met' : 'not met'}`);
  const rd = results['redis:100'];
  if (rd) targets.push(`- Redis, batches of 100: ${Math.round(rd.t).toLocaleString('en')} values/s tokenized (target ≥ 50,000) — ${rd.t >= 50_000 ? 'met' : 'not met'}`);
  lines.push('', ...targets, '');
  return { lines, targets };
}
