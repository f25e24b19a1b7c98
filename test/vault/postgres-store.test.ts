// postgresStore against the real PostgreSQL server: allocation across instances, erasure, failure and options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createVault, keyRing, postgresStore, type Vault } from '../../src/vault/index.js';
import { dropSchema, postgresPool, postgresUrl, uniqueSchema } from '../helpers/postgres.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });
const silent = () => undefined;
const who = { actor: 't', purpose: 'test' } as const;
const url = postgresUrl();

describe.skipIf(url === undefined)('postgresStore on a real server', () => {
  const schema = uniqueSchema('pgstore');
  const pools: pg.Pool[] = [];
  let admin: pg.Pool;
  let instances: Vault[];

  beforeAll(() => {
    admin = postgresPool(url!);
    // Four service instances, each with its own pool.
    instances = Array.from({ length: 4 }, () => {
      const pool = postgresPool(url!);
      pools.push(pool);
      // A generous timeout: eighty batches contend for four pools on a machine that may be busy; the race is what is tested, not the latency.
      return createVault({ store: postgresStore(pool, { schema }), keys, audit: silent, timeoutMs: 15_000 });
    });
  });
  afterAll(async () => {
    await dropSchema(admin, schema);
    for (const p of pools) await p.end();
    await admin.end();
  });

  it('gives one token per value when four instances allocate overlapping batches at once', async () => {
    const values = Array.from({ length: 60 }, (_, i) => `race-${i}@example.com`);
    // Each call takes 20 values starting at a different offset and in a different order, so batches overlap every way.
    const calls = Array.from({ length: 80 }, (_, c) => {
      const batch = Array.from({ length: 20 }, (_, j) => values[(c * 7 + (c % 2 === 0 ? j : 19 - j) * 3) % 60]!);
      return instances[c % 4]!.tokenize(batch, { kind: 'email' }).then((tokens) => tokens.map((t, j) => [batch[j]!, t] as const));
    });
    const seen = new Map<string, Set<string>>();
    for (const pairs of await Promise.all(calls)) {
      for (const [v, t] of pairs) {
        if (!seen.has(v)) seen.set(v, new Set());
        seen.get(v)!.add(t);
      }
    }
    expect(seen.size).toBe(60);
    for (const tokens of seen.values()) expect(tokens.size).toBe(1);
    const rows = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".fieldguard_tokens WHERE namespace = 'default'`);
    expect(rows.rows[0].n).toBe(60);
    const all = values.map((v) => [...seen.get(v)!][0]!);
    expect(await instances[3]!.detokenize(all, who)).toEqual(values);
  });

  it('answers on every instance when four create the table at once (a fleet starting)', async () => {
    // Two CREATE TABLE IF NOT EXISTS at once: the slower fails with 42710 (its row type exists) or 42P07; it is run again.
    for (let round = 0; round < 10; round++) {
      const fresh = uniqueSchema('pgstart');
      const starting = Array.from({ length: 4 }, () => postgresPool(url!));
      try {
        const vaults = starting.map((pool) => createVault({ store: postgresStore(pool, { schema: fresh }), keys, audit: silent, timeoutMs: 15_000 }));
        const tokens = await Promise.all(vaults.map((v, i) => v.tokenize([`start-${round}-${i}@example.com`], { kind: 'email' })));
        expect(tokens.every(([t]) => typeof t === 'string')).toBe(true);
      } finally {
        for (const p of starting) await p.end();
        await dropSchema(admin, fresh);
      }
    }
  });

  it('stores no value in clear in any column, and forget leaves no row of the value', async () => {
    const secret = 'pg-canary-5512@example.com';
    const [a] = await instances[0]!.tokenize([secret], { kind: 'email', namespace: 'n1' });
    const [b] = await instances[1]!.tokenize([secret], { namespace: 'n2' });
    const dump = JSON.stringify((await admin.query(`SELECT * FROM "${schema}".fieldguard_tokens`)).rows);
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    expect(await instances[2]!.forget(secret)).toBe(2);
    expect(await instances[0]!.detokenize([a!], { ...who, namespace: 'n1' })).toEqual([null]);
    expect(await instances[0]!.detokenize([b!], { ...who, namespace: 'n2' })).toEqual([null]);
    const left = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".fieldguard_tokens WHERE token = ANY($1)`, [[a, b]]);
    expect(left.rows[0].n).toBe(0);
    // A new token after erasure: the fingerprint went with the record.
    const [c] = await instances[0]!.tokenize([secret], { kind: 'email', namespace: 'n1' });
    expect(c).not.toBe(a);
  });

  it('opens its own pool from a connection string, and closes it', async () => {
    const s2 = uniqueSchema('pgown');
    const vault = createVault({ store: postgresStore(url!, { schema: s2 }), keys, audit: silent });
    const [t] = await vault.tokenize(['own-pool']);
    expect(await vault.detokenize([t!], who)).toEqual(['own-pool']);
    await vault.close();
    await dropSchema(admin, s2);
  });

  it('works on a table created by migrations, with createTable: false', async () => {
    const s3 = uniqueSchema('pgmig');
    await createVault({ store: postgresStore(admin, { schema: s3, table: 'tokens' }), keys, audit: silent }).tokenize(['x']);
    const vault = createVault({ store: postgresStore(admin, { schema: s3, table: 'tokens', createTable: false }), keys, audit: silent });
    expect(await vault.tokenize(['x'])).toHaveLength(1);
    const missing = createVault({ store: postgresStore(admin, { schema: s3, table: 'absent', createTable: false }), keys, audit: silent });
    await expect(missing.tokenize(['x'])).rejects.toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
    await dropSchema(admin, s3);
  });
});

describe('postgresStore failures', () => {
  it('answers ERR_VAULT_UNAVAILABLE when the server does not answer, without the value in the message', async () => {
    const pool = postgresPool('postgres://postgres@127.0.0.1:1/test');
    const vault = createVault({ store: postgresStore(pool), keys, audit: silent, timeoutMs: 3000 });
    const e = await vault.tokenize(['jane.doe@example.com']).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE', status: 503 });
    expect(String((e as Error).message)).not.toContain('jane');
    await pool.end();
  });

  it('refuses something else than a pool, and identifiers that are not plain', () => {
    expect(() => postgresStore({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
    expect(() => postgresStore(null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
    const pool = { query: async () => ({ rows: [], rowCount: 0 }) };
    expect(() => postgresStore(pool, { table: 'x; DROP TABLE y' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
    expect(() => postgresStore(pool, { schema: 'a"b' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });
});
