// One conformance suite for every vault store — memory, SQLite file, Redis server — through the vault and directly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, keyRing, memoryStore, postgresStore, redisStore, sqliteStore, type Vault, type VaultStore } from '../../src/vault/index.js';
import { luhn as luhnValid } from '../../src/detect/checks.js';
import { redisClient, redisUrl } from '../helpers/redis.js';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { dropSchema, postgresPool, postgresUrl, uniqueSchema } from '../helpers/postgres.js';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');
const keys = keyRing({ keys: { k1: K1 } });
const silent = () => undefined;

interface Harness {
  name: string;
  /** A fresh store, and (for shared stores) a second handle on the same data, as another instance would have. */
  make(): { store: VaultStore; twin: VaultStore; raw: () => string; close: () => Promise<void> };
}

const dir = mkdtempSync(join(tmpdir(), 'fieldguard-stores-'));
let fileNo = 0;
const url = redisUrl();
const clients: Redis[] = [];

const harnesses: Harness[] = [
  {
    name: 'memoryStore',
    make() {
      const store = memoryStore();
      return { store, twin: store, raw: () => '', close: async () => undefined };
    },
  },
  {
    name: 'sqliteStore',
    make() {
      const file = join(dir, `tokens-${fileNo++}.db`);
      const store = sqliteStore(file);
      const twin = sqliteStore(new Database(file));
      return {
        store,
        twin,
        raw: () => ['', '-wal'].map((s) => { try { return readFileSync(file + s).toString('latin1'); } catch { return ''; } }).join(''),
        close: async () => {
          await store.close?.();
        },
      };
    },
  },
];
if (url !== undefined) {
  harnesses.push({
    name: 'redisStore',
    make() {
      const prefix = `fieldguard-test:${process.pid}:${fileNo++}:`;
      const a = redisClient(url);
      const b = redisClient(url);
      clients.push(a, b);
      let dump = '';
      return {
        store: redisStore(a, { prefix }),
        twin: redisStore(b, { prefix }),
        raw: () => dump,
        close: async () => {
          const found = await a.keys(`${prefix}*`);
          dump = (await Promise.all(found.map(async (k) => `${k} ${(await a.type(k)) === 'string' ? await a.get(k) : (await a.zrange(k, 0, -1, 'WITHSCORES')).join(',')}`))).join('\n');
          if (found.length > 0) await a.del(...found);
        },
      };
    },
  });
}

const pgUrl = postgresUrl();
const pools: Array<{ pool: pg.Pool; schema: string }> = [];
if (pgUrl !== undefined) {
  harnesses.push({
    name: 'postgresStore',
    make() {
      const schema = uniqueSchema('stores');
      // Two pools: two service instances, each with connections of its own.
      const a = postgresPool(pgUrl);
      const b = postgresPool(pgUrl);
      pools.push({ pool: a, schema }, { pool: b, schema });
      let dump = '';
      return {
        store: postgresStore(a, { schema }),
        twin: postgresStore(b, { schema }),
        raw: () => dump,
        close: async () => {
          dump = JSON.stringify((await a.query(`SELECT * FROM "${schema}".fieldguard_tokens`)).rows);
          await dropSchema(a, schema);
        },
      };
    },
  });
}

afterAll(async () => {
  for (const { pool } of pools) await pool.end();
  for (const c of clients) c.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(harnesses)('$name', (h) => {
  let s: ReturnType<Harness['make']>;
  let vault: Vault;
  beforeAll(() => {
    s = h.make();
    vault = createVault({ store: s.store, keys, audit: silent });
  });
  afterAll(async () => {
    await s.close();
  });

  it('round-trips values, Unicode included, and gives the same token to the same value', async () => {
    const values = ['jane.doe@example.com', 'Zoë 😀 Ünïcødé', '4111 1111 1111 1111', 'jane.doe@example.com'];
    const tokens = await vault.tokenize(values, { kind: 'email' });
    expect(tokens[0]).toBe(tokens[3]);
    expect(new Set(tokens).size).toBe(3);
    for (const t of tokens) expect(t).toMatch(/^tok_[A-Za-z0-9]{22}$/);
    expect(await vault.tokenize(['jane.doe@example.com'], { kind: 'email' })).toEqual([tokens[0]]);
    expect(await vault.detokenize(tokens, { actor: 't', purpose: 'test' })).toEqual(values);
  });

  it('separates namespaces, resolves a token only in its own, and answers null for unknown tokens', async () => {
    const [a] = await vault.tokenize(['ns-value'], { namespace: 'crm' });
    const [b] = await vault.tokenize(['ns-value'], { namespace: 'billing' });
    expect(a).not.toBe(b);
    expect(await vault.detokenize([a!, b!, 'tok_AAAAAAAAAAAAAAAAAAAAAA'], { actor: 't', purpose: 'test', namespace: 'crm' })).toEqual(['ns-value', null, null]);
    expect(await vault.detokenize([a!, b!], { actor: 't', purpose: 'test', namespace: 'billing' })).toEqual([null, 'ns-value']);
    expect(await vault.detokenize([a!, b!], { actor: 't', purpose: 'test' })).toEqual([null, null]);
  });

  it('a token another instance cached is never handed out after a forget() on this one', async () => {
    const ask = { actor: 't', purpose: 'test' };
    const a = createVault({ store: s.store, keys, audit: silent });
    const b = createVault({ store: s.twin, keys, audit: silent });
    const [first] = await b.tokenize(['cached-then-erased@example.com'], { kind: 'email' });
    // B answers from its cache now (where the store has a generation) and must still answer the same token.
    expect(await b.tokenize(['cached-then-erased@example.com'], { kind: 'email' })).toEqual([first]);
    expect(await a.tokenize(['cached-then-erased@example.com'], { kind: 'email' })).toEqual([first]);
    expect(await a.forget('cached-then-erased@example.com')).toBe(1);
    const [again] = await b.tokenize(['cached-then-erased@example.com'], { kind: 'email' });
    expect(again).not.toBe(first);
    expect(await b.detokenize([again!, first!], ask)).toEqual(['cached-then-erased@example.com', null]);
    expect(await a.tokenize(['cached-then-erased@example.com'], { kind: 'email' })).toEqual([again]);
    // And on the forgetting instance itself.
    expect(await b.forget('cached-then-erased@example.com')).toBe(1);
    const [third] = await b.tokenize(['cached-then-erased@example.com'], { kind: 'email' });
    expect([first, again]).not.toContain(third);
    expect(await a.detokenize([third!], ask)).toEqual(['cached-then-erased@example.com']);
  });

  it('answers a value it tokenized from its cache, and drops what an allocation racing a forget() brought back', async () => {
    let allocations = 0;
    let hold: Promise<void> | undefined;
    const counted: VaultStore = {
      ...s.store,
      async allocate(items, now, signal) {
        allocations++;
        const out = await s.store.allocate(items, now, signal);
        await hold;
        return out;
      },
    };
    const v = createVault({ store: counted, keys, audit: silent });
    const other = createVault({ store: s.twin, keys, audit: silent });
    const [t] = await v.tokenize(['cache-me@example.com']);
    expect(await v.tokenize(['cache-me@example.com'])).toEqual([t]);
    expect(allocations).toBe(s.store.generation === undefined ? 2 : 1);
    // The allocation has answered in the store, then the value is erased elsewhere before the answer is used.
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const racing = v.tokenize(['raced@example.com']);
    await new Promise((r) => setTimeout(r, 30));
    expect(await other.forget('raced@example.com')).toBe(1);
    release();
    const [erased] = await racing;
    hold = undefined;
    const [fresh] = await v.tokenize(['raced@example.com']);
    expect(fresh).not.toBe(erased);
    expect(await v.detokenize([fresh!, erased!], { actor: 't', purpose: 'test' })).toEqual(['raced@example.com', null]);
  });

  it('caches tokens the store found (another instance made them), and keeps values met again past many new ones', async () => {
    let allocations = 0;
    const counted: VaultStore = { ...s.store, allocate: (items, now, signal) => (allocations++, s.store.allocate(items, now, signal)) };
    const other = createVault({ store: s.twin, keys, audit: silent });
    const v = createVault({ store: counted, keys, audit: silent, cacheSize: 50 });
    const [made] = await other.tokenize(['made-elsewhere@example.com'], { kind: 'email' });
    expect(await v.tokenize(['made-elsewhere@example.com'], { kind: 'email' })).toEqual([made]);
    const afterFirst = allocations;
    expect(await v.tokenize(['made-elsewhere@example.com'], { kind: 'email' })).toEqual([made]);
    // Where the store has a generation, the found token was cached: no second allocation.
    expect(allocations - afterFirst).toBe(s.store.generation === undefined ? 1 : 0);
    // Ten batches of 20 new values (200, four times the cache) with the value met again between them: it stays.
    for (let b = 0; b < 10; b++) {
      await v.tokenize(Array.from({ length: 20 }, (_, i) => `filler-${b}-${i}@example.com`), { kind: 'email' });
      const before = allocations;
      expect(await v.tokenize(['made-elsewhere@example.com'], { kind: 'email' })).toEqual([made]);
      expect(allocations - before).toBe(s.store.generation === undefined ? 1 : 0);
    }
  });

  it("a found token is cached with its record's expiry, not the vault's own ttl", async () => {
    const maker = createVault({ store: s.twin, keys, audit: silent, ttl: 400 });
    const v = createVault({ store: s.store, keys, audit: silent });
    const [t1] = await maker.tokenize(['found-short-lived']);
    expect(await v.tokenize(['found-short-lived'])).toEqual([t1]);
    expect(await v.tokenize(['found-short-lived'])).toEqual([t1]);
    await new Promise((r) => setTimeout(r, 450));
    const [t2] = await v.tokenize(['found-short-lived']);
    expect(t2).not.toBe(t1);
    expect(await v.detokenize([t2!], { actor: 't', purpose: 'test' })).toEqual(['found-short-lived']);
    await v.forget('found-short-lived');
  });

  it('a batch mixing cached and new values after a forget() elsewhere hands out no erased token', async () => {
    const a = createVault({ store: s.store, keys, audit: silent });
    const b = createVault({ store: s.twin, keys, audit: silent });
    const [x, y] = await b.tokenize(['mixed-x@example.com', 'mixed-y@example.com']);
    expect(await b.tokenize(['mixed-x@example.com', 'mixed-y@example.com'])).toEqual([x, y]);
    expect(await a.forget('mixed-x@example.com')).toBe(1);
    // One value cached, one new: the batch goes to the store, which says the generation changed.
    const [x2, fresh, y2] = await b.tokenize(['mixed-x@example.com', 'mixed-new@example.com', 'mixed-y@example.com']);
    expect(x2).not.toBe(x);
    expect(y2).toBe(y);
    expect(await b.detokenize([x2!, x!, fresh!, y2!], { actor: 't', purpose: 'test' })).toEqual(['mixed-x@example.com', null, 'mixed-new@example.com', 'mixed-y@example.com']);
  });

  it('answers with the cache exactly what it answers without it', async () => {
    const cached = createVault({ store: s.store, keys, audit: silent, cacheSize: 30 });
    const plain = createVault({ store: s.twin, keys, audit: silent, cacheSize: 0 });
    const values = Array.from({ length: 60 }, (_, i) => `same-either-way-${i}@example.com`);
    for (let round = 0; round < 6; round++) {
      // Overlapping windows: some values cached, some evicted, some new, some made by the other vault.
      const batch = values.slice(round * 7, round * 7 + 25);
      const viaCache = await cached.tokenize(batch, { kind: 'email' });
      expect(await plain.tokenize(batch, { kind: 'email' })).toEqual(viaCache);
      const viaPlain = await plain.tokenize(values.slice(round * 9, round * 9 + 10), { kind: 'email' });
      expect(await cached.tokenize(values.slice(round * 9, round * 9 + 10), { kind: 'email' })).toEqual(viaPlain);
    }
  });

  it('a cached token is not handed out once its record expired', async () => {
    const v = createVault({ store: s.store, keys, audit: silent, ttl: 400 });
    const [t1] = await v.tokenize(['short-lived-cached']);
    expect(await v.tokenize(['short-lived-cached'])).toEqual([t1]);
    await new Promise((r) => setTimeout(r, 450));
    const [t2] = await v.tokenize(['short-lived-cached']);
    expect(t2).not.toBe(t1);
    expect(await v.detokenize([t2!], { actor: 't', purpose: 'test' })).toEqual(['short-lived-cached']);
    // Leaves nothing for the expiry test below to count.
    await v.forget('short-lived-cached');
    await new Promise((r) => setTimeout(r, 450));
    await v.purgeExpired();
  });

  it('is deterministic under 200 concurrent requests across two vault instances sharing the store', async () => {
    const v1 = createVault({ store: s.store, keys, audit: silent });
    const v2 = createVault({ store: s.twin, keys, audit: silent });
    const values = Array.from({ length: 20 }, (_, i) => `concurrent-${i}@example.com`);
    const calls = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? v1 : v2).tokenize([values[i % 20]!, values[(i * 7) % 20]!], { kind: 'email' }));
    const results = await Promise.all(calls);
    const seen = new Map<string, Set<string>>();
    results.forEach((pair, i) => {
      for (const [j, token] of pair.entries()) {
        const value = values[j === 0 ? i % 20 : (i * 7) % 20]!;
        if (!seen.has(value)) seen.set(value, new Set());
        seen.get(value)!.add(token);
      }
    });
    for (const tokens of seen.values()) expect(tokens.size).toBe(1);
    const all = [...seen.values()].map((t) => [...t][0]!);
    expect(new Set(all).size).toBe(20);
    expect(await v2.detokenize(all, { actor: 't', purpose: 'test' })).toEqual([...seen.keys()]);
  });

  it('gives one token per value when four instances allocate overlapping batches of 100 at once', async () => {
    const instances = [s.store, s.twin, s.store, s.twin].map((store) => createVault({ store, keys, audit: silent }));
    const values = Array.from({ length: 250 }, (_, i) => `four-way-${i}@example.com`);
    const results = await Promise.all(instances.map((v, k) => v.tokenize(values.slice(k * 50, k * 50 + 100), { kind: 'email' })));
    const byValue = new Map<string, Set<string>>();
    results.forEach((tokens, k) =>
      tokens.forEach((t, j) => {
        const value = values[k * 50 + j]!;
        if (!byValue.has(value)) byValue.set(value, new Set());
        byValue.get(value)!.add(t);
      }),
    );
    expect(byValue.size).toBe(250);
    for (const tokens of byValue.values()) expect(tokens.size).toBe(1);
    const all = [...byValue.values()].map((t) => [...t][0]!);
    expect(new Set(all).size).toBe(250);
    expect(await instances[1]!.detokenize(all, { actor: 't', purpose: 'test' })).toEqual([...byValue.keys()]);
    // Met again, by every instance: the same tokens, from the store or from the cache.
    for (const v of instances) expect(await v.tokenize([...byValue.keys()], { kind: 'email' })).toEqual(all);
  });

  it('keeps no value in clear in the store', async () => {
    const secret = 'never-in-clear-7731@example.com';
    await vault.tokenize([secret], { kind: 'email' });
    const { records } = await s.store.scan(null, 1000);
    expect(JSON.stringify(records)).not.toContain(secret);
    if (h.name === 'sqliteStore') expect(s.raw()).not.toContain(secret);
  });

  it('issues digits and cardLast4 tokens, Luhn-invalid unless asked', async () => {
    const v = createVault({ store: s.store, keys, audit: silent, formats: { ssn: 'digits', cardNumber: { format: 'cardLast4' }, iban: { format: 'cardLast4', luhn: 'valid' } } });
    const [ssn] = await v.tokenize(['123-45-6789'], { kind: 'ssn' });
    expect(ssn).toMatch(/^\d{11}$/);
    const [card] = await v.tokenize(['4111 1111 1111 1111'], { kind: 'cardNumber' });
    expect(card).toMatch(/^\d{4} \d{4} \d{4} 1111$/);
    expect(luhnValid(card!.replace(/\D/g, ''))).toBe(false);
    const [valid] = await v.tokenize(['5500-0000-0000-0004'], { kind: 'iban' });
    expect(valid).toMatch(/^\d{4}-\d{4}-\d{4}-0004$/);
    expect(luhnValid(valid!.replace(/\D/g, ''))).toBe(true);
    expect(await v.detokenize([ssn!, card!, valid!], { actor: 't', purpose: 'test' })).toEqual(['123-45-6789', '4111 1111 1111 1111', '5500-0000-0000-0004']);
  });

  it('expires tokens after their ttl, and purges them', async () => {
    const v = createVault({ store: s.store, keys, audit: silent, ttl: 40 });
    // The same value without an expiry elsewhere keeps its erasure set alive: only the expired member may go.
    const [kept] = await vault.tokenize(['short-lived'], { namespace: 'kept' });
    const [t] = await v.tokenize(['short-lived']);
    expect(await v.detokenize([t!], { actor: 't', purpose: 'test' })).toEqual(['short-lived']);
    await new Promise((r) => setTimeout(r, 80));
    expect(await v.detokenize([t!], { actor: 't', purpose: 'test' })).toEqual([null]);
    const [again] = await v.tokenize(['short-lived']);
    expect(again).not.toBe(t);
    await new Promise((r) => setTimeout(r, 80));
    expect(await v.purgeExpired()).toBe(1);
    expect(await v.purgeExpired()).toBe(0);
    expect(await v.detokenize([kept!, t!, again!], { actor: 't', purpose: 'test', namespace: 'kept' })).toEqual(['short-lived', null, null]);
    expect(await vault.forget('short-lived')).toBe(1);
  });

  it('forgets a value in one namespace or in all of them', async () => {
    const [a] = await vault.tokenize(['erase-me'], { namespace: 'a' });
    const [b] = await vault.tokenize(['erase-me'], { namespace: 'b', kind: 'email' });
    const [keep] = await vault.tokenize(['keep-me'], { namespace: 'a' });
    expect(await vault.forget('erase-me', { namespace: 'a' })).toBe(1);
    expect(await vault.detokenize([a!, keep!], { actor: 't', purpose: 'test', namespace: 'a' })).toEqual([null, 'keep-me']);
    expect(await vault.detokenize([b!], { actor: 't', purpose: 'test', namespace: 'b' })).toEqual(['erase-me']);
    expect(await vault.forget('erase-me')).toBe(1);
    expect(await vault.detokenize([b!], { actor: 't', purpose: 'test', namespace: 'b' })).toEqual([null]);
    expect(await vault.detokenize([keep!], { actor: 't', purpose: 'test', namespace: 'a' })).toEqual(['keep-me']);
    expect(await vault.forget('erase-me')).toBe(0);
  });

  it('rotates every record to the new key, resumably, with no record ever unreadable', async () => {
    const values = Array.from({ length: 25 }, (_, i) => `rotate-${i}`);
    const before = await vault.tokenize(values, { namespace: 'rot' });
    const rotatedRing = keyRing({ keys: { k2: K2, k1: K1 }, active: 'k2' });
    // Interrupted after the first batch: the store fails the second rekey.
    let rekeys = 0;
    const flaky: VaultStore = { ...s.store, rekey: (u) => (++rekeys === 2 ? Promise.reject(new Error('down')) : s.store.rekey(u)) };
    const interrupted = createVault({ store: flaky, keys: rotatedRing, audit: silent });
    await expect(interrupted.rotate({ batchSize: 10 })).rejects.toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
    const v2 = createVault({ store: s.store, keys: rotatedRing, audit: silent });
    expect(await v2.detokenize(before, { actor: 't', purpose: 'test', namespace: 'rot' })).toEqual(values);
    expect(await v2.tokenize(values, { namespace: 'rot' })).toEqual(before);
    const done = await v2.rotate({ batchSize: 10 });
    expect(done.rotated).toBeGreaterThan(0);
    expect((await v2.rotate({ batchSize: 10 })).rotated).toBe(0);
    // After rotation the old key can leave the ring: everything still resolves, and look-up still finds the same tokens.
    const onlyNew = createVault({ store: s.store, keys: keyRing({ keys: { k2: K2 } }), audit: silent });
    expect(await onlyNew.detokenize(before, { actor: 't', purpose: 'test', namespace: 'rot' })).toEqual(values);
    expect(await onlyNew.tokenize(values, { namespace: 'rot' })).toEqual(before);
  });
});

describe('a store that fails', () => {
  it('makes every vault call reject with ERR_VAULT_UNAVAILABLE, without the store message or the value', async () => {
    const broken: VaultStore = { ...memoryStore(), allocate: () => Promise.reject(new Error('disk full: jane.doe@example.com')) };
    const v = createVault({ store: broken, keys, audit: silent });
    const e = await v.tokenize(['jane.doe@example.com']).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE', status: 503 });
    expect(String((e as Error).message)).not.toContain('jane');
  });

  it('makes tokenize reject with ERR_VAULT_UNAVAILABLE when the store answers something that is not a token, instead of dropping the value', async () => {
    for (const answer of [42, { token: 7 }, {}, '']) {
      const odd = { ...memoryStore(), allocate: async (items: readonly unknown[]) => items.map(() => answer) } as unknown as VaultStore;
      const v = createVault({ store: odd, keys, audit: silent });
      const e = await v.tokenize(['jane.doe@example.com']).catch((x: unknown) => x);
      expect(e, JSON.stringify(answer)).toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE', status: 503 });
      expect(String((e as Error).message)).not.toContain('jane');
    }
  });

  it('treats a store slower than timeoutMs as unavailable', async () => {
    const slow: VaultStore = { ...memoryStore(), get: () => new Promise((r) => setTimeout(() => r([]), 500)) };
    const v = createVault({ store: slow, keys, audit: silent, timeoutMs: 50 });
    await expect(v.detokenize(['tok_x'], { actor: 'a', purpose: 'p' })).rejects.toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
  });

  it('answers ERR_VAULT_UNAVAILABLE for an unwritable SQLite file', async () => {
    const file = join(dir, 'readonly.db');
    sqliteStore(file);
    const v = createVault({ store: sqliteStore(new Database(file, { readonly: true })), keys, audit: silent });
    await expect(v.tokenize(['x'])).rejects.toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
  });
});

describe('redisStore on a Redis Cluster', () => {
  it('is refused with ERR_INVALID_OPTIONS naming the alternative, before any command is sent', async () => {
    const { Cluster } = await import('ioredis');
    // lazyConnect: the client never reaches for a node; the refusal must come from redisStore() itself.
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    let thrown: unknown;
    try {
      redisStore(cluster as unknown as Parameters<typeof redisStore>[0]);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    expect(String((thrown as Error).message)).toContain('postgresStore');
    cluster.disconnect();
  });
});

describe('sqliteStore on a file an earlier version created', () => {
  it('keeps the WITHOUT ROWID layout and its expiry index, and allocates, resolves, expires and forgets as before', async () => {
    const file = join(dir, 'earlier-layout.db');
    const db = new Database(file);
    db.exec(`
      CREATE TABLE fieldguard_tokens (
        token TEXT PRIMARY KEY, fingerprint TEXT UNIQUE, erasure TEXT NOT NULL, namespace TEXT NOT NULL, kind TEXT,
        kid TEXT NOT NULL, ciphertext TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX fieldguard_tokens_erasure ON fieldguard_tokens(erasure);
      CREATE INDEX fieldguard_tokens_expires ON fieldguard_tokens(expires_at) WHERE expires_at IS NOT NULL;
    `);
    db.close();
    const store = sqliteStore(file);
    const v = createVault({ store, keys, audit: silent });
    const [a] = await v.tokenize(['earlier@example.com'], { kind: 'email' });
    expect(await v.tokenize(['earlier@example.com'], { kind: 'email' })).toEqual([a]);
    expect(await v.detokenize([a!], { actor: 't', purpose: 'test' })).toEqual(['earlier@example.com']);
    const short = createVault({ store, keys, audit: silent, ttl: 20 });
    await short.tokenize(['brief']);
    await new Promise((r) => setTimeout(r, 40));
    expect(await short.purgeExpired()).toBe(1);
    expect(await v.forget('earlier@example.com')).toBe(1);
    expect(await v.detokenize([a!], { actor: 't', purpose: 'test' })).toEqual([null]);
    await store.close?.();
    const check = new Database(file, { readonly: true });
    const sql = (check.prepare(`SELECT sql FROM sqlite_master WHERE name = 'fieldguard_tokens'`).get() as { sql: string }).sql;
    expect(sql).toContain('WITHOUT ROWID');
    check.close();
  });
});

describe('createVault({ cacheSize })', () => {
  it('refuses a size that is not a whole number, 0 or more, and with 0 asks the store every time', async () => {
    for (const cacheSize of [-1, 1.5, Number.NaN]) {
      expect(() => createVault({ store: memoryStore(), keys, audit: silent, cacheSize })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
    }
    const file = join(dir, `cache-off-${fileNo++}.db`);
    const inner = sqliteStore(file);
    let allocations = 0;
    const counted: VaultStore = { ...inner, allocate: (items, now, signal) => (allocations++, inner.allocate(items, now, signal)) };
    const v = createVault({ store: counted, keys, audit: silent, cacheSize: 0 });
    const [t] = await v.tokenize(['uncached@example.com']);
    expect(await v.tokenize(['uncached@example.com'])).toEqual([t]);
    expect(allocations).toBe(2);
    await inner.close?.();
  });

  it('evicts the least recently used token, exactly, through many evictions, hits and a forget()', async () => {
    // A memory store given a generation (forget() replaces it), so the vault caches; a reference LRU says which calls
    // must reach the store.
    const inner = memoryStore();
    let gen = 0;
    let allocations = 0;
    const store: VaultStore = {
      ...inner,
      // Found tokens with their expiry (none here), as the shared stores answer them, so they are cached too.
      allocate: async (items, now, signal) => {
        allocations++;
        return (await inner.allocate(items, now, signal)).map((t) => (t === null ? null : { token: typeof t === 'string' ? t : t.token, expiresAt: null }));
      },
      forget: async (erasures, namespace, signal) => {
        const n = await inner.forget(erasures, namespace, signal);
        gen++;
        return n;
      },
      generation: async () => `g${gen}`,
    };
    const size = 4;
    const v = createVault({ store, keys, audit: silent, cacheSize: size });
    const model: string[] = [];
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
    for (let step = 0; step < 600; step++) {
      if (step === 300) {
        await v.forget('lru-0@example.com');
        model.length = 0;
      }
      const value = `lru-${rand(9)}@example.com`;
      const at = model.indexOf(value);
      const before = allocations;
      await v.tokenize([value], { kind: 'email' });
      if (at >= 0) model.splice(at, 1);
      else if (model.length >= size) model.shift();
      model.push(value);
      expect(allocations - before, `step ${step}, ${value}`).toBe(at >= 0 ? 0 : 1);
    }
  });
});

describe('the erasure generation read of batches answered from the cache', () => {
  // A memory store given a generation (forget() replaces it), whose reads can be held back, as a slow round trip.
  function heldStore() {
    const inner = memoryStore();
    let gen = 'g1';
    let reads = 0;
    const held: Array<() => void> = [];
    let holding = false;
    const store: VaultStore = {
      ...inner,
      async forget(erasures, namespace, signal) {
        const n = await inner.forget(erasures, namespace, signal);
        gen = `g${Number(gen.slice(1)) + 1}`;
        return n;
      },
      generation() {
        reads++;
        const answer = gen;
        if (!holding) return Promise.resolve(answer);
        return new Promise<string>((resolve) => held.push(() => resolve(answer)));
      },
    };
    return { store, reads: () => reads, hold: (on: boolean) => (holding = on), release: () => held.splice(0).forEach((r) => r()) };
  }

  it('never uses a read issued before the batch began, so a forget() just before it wins', async () => {
    const h = heldStore();
    const v = createVault({ store: h.store, keys, audit: silent });
    const other = createVault({ store: h.store, keys, audit: silent, cacheSize: 0 });
    const [t] = await v.tokenize(['held@example.com']);
    expect(await v.tokenize(['held@example.com'])).toEqual([t]);
    h.hold(true);
    // A read goes out (it will answer the generation from before the erasure) ...
    const early = v.tokenize(['held@example.com']);
    await Promise.resolve();
    expect(await other.forget('held@example.com')).toBe(1);
    // ... and a batch that begins after forget() resolved must wait for a read of its own.
    const late = v.tokenize(['held@example.com']);
    const readsBefore = h.reads();
    h.release();
    expect(await early).toEqual([t]);
    for (let i = 0; i < 10 && h.reads() === readsBefore; i++) await new Promise((r) => setImmediate(r));
    h.release();
    const [fresh] = await late;
    expect(fresh).not.toBe(t);
    expect(await v.detokenize([fresh!, t!], { actor: 't', purpose: 'test' })).toEqual(['held@example.com', null]);
  });

  it('batches that begin while a read is out share the next one', async () => {
    const h = heldStore();
    const v = createVault({ store: h.store, keys, audit: silent });
    const values = Array.from({ length: 8 }, (_, i) => `shared-read-${i}@example.com`);
    const tokens = await v.tokenize(values);
    h.hold(true);
    const first = v.tokenize([values[0]!]);
    const start = h.reads();
    const rest = values.slice(1).map((value) => v.tokenize([value]));
    // Seven batches began while the first read was out: none issued a read of its own yet.
    expect(h.reads()).toBe(start);
    h.release();
    await first;
    for (let i = 0; i < 10 && h.reads() === start; i++) await new Promise((r) => setImmediate(r));
    expect(h.reads()).toBe(start + 1);
    h.release();
    expect((await Promise.all(rest)).flat()).toEqual(tokens.slice(1));
  });

  // The same store, whose allocations also answer the generation they read (as SQLite, Redis and PostgreSQL do).
  function foldingStore() {
    const h = heldStore();
    const allocate: VaultStore['allocate'] = async (items, now, signal) => {
      const out = await h.store.allocate(items, now, signal);
      out.generation = await h.store.generation!(signal);
      return out;
    };
    return { ...h, store: { ...h.store, allocate } };
  }

  it('a batch whose first value is cached issues its one read before the others are fingerprinted, and a forget() still wins', async () => {
    const h = foldingStore();
    const v = createVault({ store: h.store, keys, audit: silent });
    const other = createVault({ store: h.store, keys, audit: silent, cacheSize: 0 });
    const values = Array.from({ length: 5 }, (_, i) => `early-${i}@example.com`);
    const tokens = await v.tokenize(values);
    const start = h.reads();
    expect(await v.tokenize(values)).toEqual(tokens);
    expect(h.reads()).toBe(start + 1);
    // Cached first value, new second one: the batch goes to the store; the early read was only a read.
    const [t0, fresh] = await v.tokenize([values[0]!, 'early-new@example.com']);
    expect(t0).toBe(tokens[0]);
    expect(await v.detokenize([fresh!], { actor: 't', purpose: 'test' })).toEqual(['early-new@example.com']);
    // Erased elsewhere: the wholly cached batch's read shows the new generation, and no erased token comes back.
    expect(await other.forget(values[2]!)).toBe(1);
    const again = await v.tokenize(values);
    expect(again[2]).not.toBe(tokens[2]);
    expect(again.filter((t, i) => i !== 2)).toEqual(tokens.filter((t, i) => i !== 2));
    expect(await v.detokenize([again[2]!, tokens[2]!], { actor: 't', purpose: 'test' })).toEqual([values[2], null]);
  });

  it('an early read that fails fails a wholly cached batch closed, and costs nothing to a batch that goes to the store', async () => {
    const h = foldingStore();
    let failReads = false;
    const store: VaultStore = { ...h.store, generation: (signal) => (failReads ? Promise.reject(new Error('down')) : h.store.generation!(signal)) };
    const v = createVault({ store, keys, audit: silent });
    const values = ['fail-a@example.com', 'fail-b@example.com'];
    const tokens = await v.tokenize(values);
    failReads = true;
    await expect(v.tokenize(values)).rejects.toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [a, n] = await v.tokenize([values[0]!, 'fail-new@example.com']);
      expect(a).toBe(tokens[0]);
      expect(n).toMatch(/^tok_/);
      await new Promise((r) => setTimeout(r, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
