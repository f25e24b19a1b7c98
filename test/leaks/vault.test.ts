// The vault's leak hunt: fresh canaries through every store and every scope, then every byte the vault wrote or answered is scanned.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSchema, tag, type AuditEvent } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import { createVault, keyRing, memoryStore, postgresStore, redisStore, sqliteStore, type TokenRecord, type Vault, type VaultStore } from '../../src/vault/index.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';
import { startPersistentRedis } from '../vault/fixtures/aof-redis.js';
import { canaries, findLeaks } from './canaries.js';
import { dropSchema, postgresPool, postgresUrl, uniqueSchema } from '../helpers/postgres.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 5).toString('base64') } });
const who = { actor: 'agent-1', purpose: 'leak hunt' } as const;
const dir = mkdtempSync(join(tmpdir(), 'fieldguard-leaks-vault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SQLITE_PARTS = ['', '-wal', '-shm'] as const;

/** The raw bytes of a SQLite vault: main file, WAL and shared-memory index, each as it is on disk. */
function sqliteBytes(file: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const part of SQLITE_PARTS) if (existsSync(file + part)) out[`sqlite${part || '-main'}`] = readFileSync(file + part);
  return out;
}

/** Every trace of a record that must be gone after erasure: token, ciphertext as text and as bytes, both fingerprints. */
function traces(r: TokenRecord): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [
    ['token', Buffer.from(r.token, 'utf8')],
    ['ciphertext (base64url)', Buffer.from(r.ciphertext, 'utf8')],
    ['ciphertext (bytes)', Buffer.from(r.ciphertext, 'base64url')],
    ['erasure fingerprint', Buffer.from(r.erasure, 'utf8')],
  ];
  if (r.fingerprint !== null) out.push(['look-up fingerprint', Buffer.from(r.fingerprint, 'utf8')]);
  return out;
}

/** Which traces of which records are still somewhere in the given bytes. */
function remaining(bytes: Record<string, Buffer>, records: readonly TokenRecord[]): string[] {
  const found: string[] = [];
  for (const r of records) {
    for (const [what, needle] of traces(r)) {
      for (const [channel, b] of Object.entries(bytes)) if (b.includes(needle)) found.push(`${what} of ${r.token} in ${channel}`);
    }
  }
  return found;
}

const allRecords = async (store: VaultStore): Promise<TokenRecord[]> => {
  const out: TokenRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { records: TokenRecord[]; cursor: string | null } = await store.scan(cursor, 100);
    out.push(...page.records);
    cursor = page.cursor;
  } while (cursor !== null);
  return out;
};

describe('detokenizing is scoped to the namespace and the kind a token was made with (issue item 11)', () => {
  const events: AuditEvent[] = [];
  const vault = createVault({ store: memoryStore(), keys, audit: (e) => void events.push(e) });

  it('a token made in crm never resolves through helpdesk, nor through the default namespace', async () => {
    const c = canaries();
    const [email] = await vault.tokenize([c.email], { kind: 'email', namespace: 'crm' });
    const [none] = await vault.tokenize([c.name], { namespace: 'crm' });
    expect(await vault.detokenize([email!, none!], { ...who, namespace: 'helpdesk' })).toEqual([null, null]);
    expect(events.at(-1)).toMatchObject({ count: 2, outcome: 'unresolved', action: 'detokenize' });
    expect(await vault.detokenize([email!, none!], who)).toEqual([null, null]);
    expect(await vault.detokenizeMany([{ token: email! }, { token: none! }], { ...who, namespace: 'helpdesk' })).toEqual([null, null]);
    expect(await vault.detokenize([email!, none!], { ...who, namespace: 'crm' })).toEqual([c.email, c.name]);
    expect(events.at(-1)).toMatchObject({ count: 2, outcome: 'resolved' });
    expect(findLeaks({ audit: JSON.stringify(events) }, c)).toEqual([]);
  });

  it('an SSN token never resolves at an email position, and a kindless position takes only kindless tokens', async () => {
    const c = canaries();
    const ns = { ...who, namespace: 'crm' };
    const [ssn] = await vault.tokenizeMany([{ value: c.ssn, kind: 'ssn' }], 'crm');
    const [email] = await vault.tokenizeMany([{ value: c.email, kind: 'email' }], 'crm');
    const [plain] = await vault.tokenizeMany([{ value: c.health }], 'crm');
    const got = await vault.detokenizeMany(
      [
        { token: ssn!, kind: 'email' },
        { token: ssn!, kind: null },
        { token: plain!, kind: 'email' },
        { token: email!, kind: 'email' },
        { token: ssn!, kind: 'ssn' },
        { token: plain!, kind: null },
        { token: ssn! },
      ],
      ns,
    );
    expect(got).toEqual([null, null, null, c.email, c.ssn, c.health, c.ssn]);
    expect(events.at(-1)).toMatchObject({ count: 7, outcome: 'partial' });
    expect(await vault.detokenize([ssn!, email!], { ...ns, kind: 'email' })).toEqual([null, c.email]);
    // An item's own kind wins over the options' kind.
    expect(await vault.detokenizeMany([{ token: ssn!, kind: 'ssn' }], { ...ns, kind: 'email' })).toEqual([c.ssn]);
    expect(findLeaks({ audit: JSON.stringify(events) }, c)).toEqual([]);
  });

  it('answers null, without asking the store, for anything that is not a token string', async () => {
    const odd = [{ token: 42 }, null, { token: { toString: () => 'tok_x' } }] as unknown as Array<{ token: string }>;
    expect(await vault.detokenizeMany(odd, { ...who, namespace: 'crm' })).toEqual([null, null, null]);
    expect(events.at(-1)).toMatchObject({ count: 3, outcome: 'unresolved' });
  });

  it('refuses a missing or empty namespace in detokenizeMany', async () => {
    await expect(vault.detokenizeMany([], { ...who } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    await expect(vault.detokenizeMany([], { ...who, namespace: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });
});

describe('detokenizeFields through a real Express server answers only its own namespace and kinds', () => {
  const schema = defineSchema(
    z.object({
      id: tag(z.string(), 'public'),
      email: tag(z.string(), 'personal', { kind: 'email' }),
      ssn: tag(z.string(), 'special', { kind: 'ssn' }),
    }),
  );
  const c = canaries();
  let vendor: Vendor;
  let app: { url: string; close(): Promise<void> };
  let vault: Vault;
  let answer: Record<string, unknown> = {};

  beforeAll(async () => {
    vendor = await startVendor({ echo: true });
    vault = createVault({ store: memoryStore(), keys, audit: () => undefined });
    const server = express();
    server.post('/crm/contacts', express.json(), fx.tokenizeFields({ schema, vault, namespace: 'crm' }), async (req, res) => {
      const sent = await fetch(`${vendor.url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) });
      res.json(await sent.json());
    });
    for (const namespace of ['crm', 'helpdesk']) {
      server.get(
        `/${namespace}/contact`,
        fx.detokenizeFields({ schema, vault, namespace, purpose: 'ticket', authorize: () => true, select: { kinds: ['email', 'ssn'] } }),
        (_req, res) => void res.json(answer),
      );
    }
    app = await listen(createServer(server));
  });
  afterAll(async () => {
    await app.close();
    await vendor.close();
  });

  it('a helpdesk route reveals no crm value, and a crm route leaves an SSN token moved into email as it is', async () => {
    const sent = await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'c-1', email: c.email, ssn: c.ssn }) });
    expect(sent.status).toBe(200);
    const tokens = (await sent.json()) as { id: string; email: string; ssn: string };
    expect(tokens).toEqual({ id: 'c-1', email: expect.stringMatching(/^tok_\w{22}$/), ssn: expect.stringMatching(/^tok_\w{22}$/) });
    expect(findLeaks({ vendor: vendor.received.map((r) => r.body).join('\n') }, c)).toEqual([]);

    answer = tokens;
    const helpdesk = await (await fetch(`${app.url}/helpdesk/contact`)).text();
    expect(JSON.parse(helpdesk)).toEqual(tokens);
    expect(findLeaks({ helpdesk }, c)).toEqual([]);

    answer = { id: 'c-1', email: tokens.ssn, ssn: tokens.email };
    const swapped = await (await fetch(`${app.url}/crm/contact`)).text();
    expect(JSON.parse(swapped)).toEqual(answer);
    expect(findLeaks({ swapped }, c)).toEqual([]);

    answer = tokens;
    expect(await (await fetch(`${app.url}/crm/contact`)).json()).toEqual({ id: 'c-1', email: c.email, ssn: c.ssn });
  });
});

describe('erasure leaves nothing recoverable in the SQLite files (issue item 19)', () => {
  it('after forget, the main file, WAL and shm hold no token, ciphertext or fingerprint of the value, and a copy of the files resolves nothing', async () => {
    const file = join(dir, 'erase.db');
    const store = sqliteStore(file);
    const k2 = keyRing({ keys: { k2: Buffer.alloc(32, 7).toString('base64'), k1: Buffer.alloc(32, 5).toString('base64') }, active: 'k2' });
    const vault = createVault({ store, keys, audit: () => undefined });
    const c = canaries();
    const filler = Array.from({ length: 300 }, (_, i) => `filler-${i}-${'x'.repeat(i % 40)}`);
    await vault.tokenize(filler, { namespace: 'crm' });
    // The value in two namespaces, deterministic and not, plus a long one that spills into overflow pages.
    const [a] = await vault.tokenize([c.email], { kind: 'email', namespace: 'crm' });
    const [b] = await vault.tokenize([c.email], { kind: 'email', namespace: 'helpdesk' });
    const [long] = await vault.tokenize([`${c.health} ${'y'.repeat(6000)}`], { kind: 'health', namespace: 'crm' });
    const random = createVault({ store, keys, audit: () => undefined, deterministic: false });
    const [r] = await random.tokenize([c.email], { kind: 'email', namespace: 'crm' });
    const [kept] = await vault.tokenize([c.name], { kind: 'name', namespace: 'crm' });
    // Part of it reaches the main file through a checkpoint before erasure; part is still only in the WAL.
    const other = new Database(file);
    other.pragma('wal_checkpoint(TRUNCATE)');
    other.close();
    // Rotation rewrites the records: the ciphertexts under the old key must go as well.
    const before = (await allRecords(store)).filter((x) => [a, b, r, long].includes(x.token));
    const rotating = createVault({ store, keys: k2, audit: () => undefined });
    await rotating.rotate({ batchSize: 50 });
    const after = (await allRecords(store)).filter((x) => [a, b, r, long].includes(x.token));
    expect(after).toHaveLength(4);
    expect(await rotating.forget(c.email)).toBe(3);
    expect(await rotating.forget(`${c.health} ${'y'.repeat(6000)}`)).toBe(1);

    const bytes = sqliteBytes(file);
    expect(remaining(bytes, [...before, ...after])).toEqual([]);
    expect(findLeaks(bytes, c)).toEqual([]);

    const copy = join(dir, 'erase-copy.db');
    for (const part of SQLITE_PARTS) if (existsSync(file + part)) copyFileSync(file + part, copy + part);
    const fresh = createVault({ store: sqliteStore(copy), keys: k2, audit: () => undefined });
    for (const namespace of ['crm', 'helpdesk']) {
      expect(await fresh.detokenize([a!, b!, r!, long!], { ...who, namespace })).toEqual([null, null, null, null]);
    }
    expect(await fresh.detokenize([kept!], { ...who, namespace: 'crm' })).toEqual([c.name]);
    await fresh.close();
    await vault.close();
  });

  it('purgeExpired leaves no trace of the expired records in the files either', async () => {
    const file = join(dir, 'purge.db');
    const store = sqliteStore(file);
    const vault = createVault({ store, keys, audit: () => undefined });
    const c = canaries();
    await vault.tokenize([c.iban, c.phone], { ttl: 30 });
    const records = await allRecords(store);
    expect(records).toHaveLength(2);
    await new Promise((done) => setTimeout(done, 60));
    expect(await vault.purgeExpired()).toBe(2);
    expect(remaining(sqliteBytes(file), records)).toEqual([]);
    await vault.close();
  });
});

describe('erasure leaves nothing recoverable in Redis persistence, AOF and RDB (issue item 19)', () => {
  it('after forget and the rewrite it starts, no AOF or RDB file holds the erased records, and a restart from the files resolves none', async () => {
    const redis = await startPersistentRedis();
    try {
      const prefix = 'fg-aof:';
      const vault = createVault({ store: redisStore(redis.client, { prefix }), keys, audit: () => undefined });
      const c = canaries();
      const [a] = await vault.tokenize([c.email], { kind: 'email', namespace: 'crm' });
      const [b] = await vault.tokenize([c.email], { kind: 'email', namespace: 'helpdesk', ttl: 'P30D' });
      const random = createVault({ store: redisStore(redis.client, { prefix }), keys, audit: () => undefined, deterministic: false });
      const [r] = await random.tokenize([c.email], { kind: 'email', namespace: 'crm' });
      const [kept] = await vault.tokenize([c.name], { kind: 'name', namespace: 'crm' });
      // A snapshot and a first rewrite hold the records too, as a running server's files would.
      await redis.client.bgsave();
      await redis.settled();
      await redis.client.bgrewriteaof();
      await redis.settled();
      const all = await allRecords(redisStore(redis.client, { prefix }));
      const erased = all.filter((x) => [a, b, r].includes(x.token));
      const keptRecord = all.find((x) => x.token === kept)!;
      expect(erased).toHaveLength(3);
      // The grep sees what is there: before the erasure, every record is in the files.
      expect(remaining(redis.files(), erased).length).toBeGreaterThan(0);

      expect(await vault.forget(c.email)).toBe(3);
      await redis.settled();
      const files = redis.files();
      expect(remaining(files, erased)).toEqual([]);
      expect(findLeaks(files, c)).toEqual([]);
      // A new base and increment (the third generation), and no history file left behind.
      expect(Object.keys(files).sort()).toEqual(['appendonlydir/appendonly.aof.3.base.rdb', 'appendonlydir/appendonly.aof.3.incr.aof', 'appendonlydir/appendonly.aof.manifest', 'dump.rdb']);
      expect(remaining(files, [keptRecord]).length).toBeGreaterThan(0);

      await redis.restart();
      const after = createVault({ store: redisStore(redis.client, { prefix }), keys, audit: () => undefined });
      for (const namespace of ['crm', 'helpdesk']) {
        expect(await after.detokenize([a!, b!, r!], { ...who, namespace })).toEqual([null, null, null]);
      }
      expect(await after.detokenize([kept!], { ...who, namespace: 'crm' })).toEqual([c.name]);
      expect(await redis.client.keys(`${prefix}e:*`)).toHaveLength(1);
    } finally {
      await redis.stop();
    }
  });

  it('a rewrite already running when forget comes (forked before the erasure) is followed by a new one; past the deadline forget rejects and finishes when called again', async () => {
    const redis = await startPersistentRedis();
    try {
      const c = canaries();
      const prefix = 'fg-aof-busy:';
      const vault = createVault({ store: redisStore(redis.client, { prefix }), keys, audit: () => undefined, timeoutMs: 5000 });
      const [t] = await vault.tokenize([c.iban]);
      await vault.tokenize(Array.from({ length: 3 }, (_, i) => `padding-${i}`));
      const erased = (await allRecords(redisStore(redis.client, { prefix }))).filter((x) => x.token === t);
      // Each key then takes 50 ms to write: the rewrite started here is still running when forget comes.
      await redis.client.config('SET', 'rdb-key-save-delay', '50000');
      await redis.client.bgrewriteaof();
      expect(await vault.forget(c.iban)).toBe(1);
      await redis.client.config('SET', 'rdb-key-save-delay', '0');
      await redis.settled();
      expect(remaining(redis.files(), erased)).toEqual([]);

      const [u] = await vault.tokenize([c.card]);
      const erasedToo = (await allRecords(redisStore(redis.client, { prefix }))).filter((x) => x.token === u);
      const impatient = createVault({ store: redisStore(redis.client, { prefix }), keys, audit: () => undefined, timeoutMs: 150 });
      await redis.client.config('SET', 'rdb-key-save-delay', '50000');
      await redis.client.bgrewriteaof();
      await expect(impatient.forget(c.card)).rejects.toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
      await redis.client.config('SET', 'rdb-key-save-delay', '0');
      await redis.settled();
      // Deleted already, not yet off the disk: the store still owes a rewrite, and the next forget starts it.
      expect(await impatient.detokenize([u!], who)).toEqual([null]);
      expect(remaining(redis.files(), erasedToo).length).toBeGreaterThan(0);
      expect(await impatient.forget(c.card)).toBe(0);
      await redis.settled();
      expect(remaining(redis.files(), erasedToo)).toEqual([]);
      expect(findLeaks(redis.files(), c)).toEqual([]);
    } finally {
      await redis.stop();
    }
  });

  it('a forget on a server that persists nothing writes no file', async () => {
    const redis = await startPersistentRedis();
    try {
      await redis.client.config('SET', 'appendonly', 'no');
      await redis.settled();
      const before = Object.keys(redis.files()).sort();
      const vault = createVault({ store: redisStore(redis.client), keys, audit: () => undefined });
      const c = canaries();
      await vault.tokenize([c.email]);
      expect(await vault.forget(c.email)).toBe(1);
      await redis.settled();
      expect(Object.keys(redis.files()).sort()).toEqual(before);
      expect(/^rdb_saves:0/m.test(await redis.client.info('persistence'))).toBe(true);
    } finally {
      await redis.stop();
    }
  });
});

describe('no store ever holds a canary in clear, in any field or any encoding (RELIABILITY 16, issue item 6)', () => {
  const formats = { ssn: 'digits', cardNumber: { format: 'cardLast4' }, iban: 'digits' } as const;
  const KIND_OF = { email: 'email', card: 'cardNumber', ssn: 'ssn', iban: 'iban', jwt: 'credential', apiKey: 'credential', health: 'health', phone: 'phone', name: 'name' } as const;
  const FIELDS = ['ciphertext', 'createdAt', 'erasure', 'expiresAt', 'fingerprint', 'kid', 'kind', 'namespace', 'token'];

  /** Tokenizes every canary of fresh sets through deterministic, random and expiring vaults, then rotates the key. */
  async function plant(store: VaultStore): Promise<{ planted: ReturnType<typeof canaries>[]; records: TokenRecord[]; audit: string }> {
    const events: AuditEvent[] = [];
    const audit = (e: AuditEvent): void => void events.push(e);
    const planted = [canaries(), canaries(), canaries()];
    const vaults = [
      createVault({ store, keys, audit, formats }),
      createVault({ store, keys, audit, formats, deterministic: false }),
      createVault({ store, keys, audit, formats, ttl: 'P1D' }),
    ];
    for (const [i, vault] of vaults.entries()) {
      const set = planted[i]!;
      const items = (Object.keys(KIND_OF) as Array<keyof typeof KIND_OF>).map((k) => ({ value: set[k], kind: KIND_OF[k] }));
      const tokens = await vault.tokenizeMany(items, `ns-${i}`);
      expect(await vault.detokenizeMany(tokens.map((token, j) => ({ token, kind: items[j]!.kind })), { ...who, namespace: `ns-${i}` })).toEqual(items.map((it) => it.value));
    }
    const rotated = keyRing({ keys: { k2: Buffer.alloc(32, 11).toString('base64'), k1: Buffer.alloc(32, 5).toString('base64') }, active: 'k2' });
    await createVault({ store, keys: rotated, audit, formats }).rotate({ batchSize: 7 });
    await vaults[0]!.tokenize([planted[0]!.email], { kind: 'email', namespace: 'after-rotation' });
    return { planted, records: await allRecords(store), audit: JSON.stringify(events) };
  }

  /** Every record has exactly the documented fields, none of which holds a value in clear. */
  function checkRecords(records: readonly TokenRecord[], planted: ReturnType<typeof canaries>[]): void {
    expect(records).toHaveLength(3 * 9 + 1);
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(FIELDS);
      expect(r.erasure).toMatch(/^k[12]\.[A-Za-z0-9_-]{43}$/);
      if (r.fingerprint !== null) expect(r.fingerprint).toMatch(/^k[12]\.[A-Za-z0-9_-]{43}$/);
      expect(r.kid).toMatch(/^k[12]$/);
      expect(Buffer.from(r.ciphertext, 'base64url')[0]).toBe(2);
      const { ciphertext, ...others } = r;
      expect(findLeaks({ fields: JSON.stringify(others), ciphertext }, planted)).toEqual([]);
    }
  }

  it('memoryStore', async () => {
    const store = memoryStore();
    const { planted, records, audit } = await plant(store);
    checkRecords(records, planted);
    expect(findLeaks({ records: JSON.stringify(records), audit }, planted)).toEqual([]);
  });

  it('sqliteStore: the main file, WAL and shm bytes', async () => {
    const file = join(dir, 'hunt.db');
    const store = sqliteStore(file);
    const { planted, records, audit } = await plant(store);
    checkRecords(records, planted);
    const bytes = sqliteBytes(file);
    expect(Object.keys(bytes).sort()).toEqual(['sqlite-main', 'sqlite-shm', 'sqlite-wal']);
    expect(bytes['sqlite-wal']!.length).toBeGreaterThan(0);
    expect(findLeaks({ ...bytes, audit }, planted)).toEqual([]);
    await store.close?.();
  });

  it.skipIf(postgresUrl() === undefined)('postgresStore: every row and column of the table', async () => {
    const pool = postgresPool(postgresUrl()!);
    const schema = uniqueSchema('hunt');
    try {
      const store = postgresStore(pool, { schema });
      const { planted, records, audit } = await plant(store);
      checkRecords(records, planted);
      const rows = (await pool.query(`SELECT * FROM "${schema}".fieldguard_tokens`)).rows;
      expect(rows).toHaveLength(28);
      expect(findLeaks({ table: JSON.stringify(rows), audit }, planted)).toEqual([]);
    } finally {
      await dropSchema(pool, schema);
      await pool.end();
    }
  });

  it('redisStore: every key and value under the prefix, and the AOF and RDB files', async () => {
    const redis = await startPersistentRedis();
    try {
      const prefix = 'fg-hunt:';
      const store = redisStore(redis.client, { prefix });
      const { planted, records, audit } = await plant(store);
      checkRecords(records, planted);
      const dumped: string[] = [];
      for (const key of await redis.client.keys(`${prefix}*`)) {
        const type = await redis.client.type(key);
        const content = type === 'string' ? await redis.client.get(key) : (await redis.client.zrange(key, 0, -1, 'WITHSCORES')).join(',');
        dumped.push(`${key} ${type} ${content}`);
      }
      // 28 records; 19 look-up fingerprints (18 deterministic, rotated to k2, and one made after under k1); 28 erasure
      // sets (27 values under k2, and that last one's under k1).
      const count = (kind: string): number => dumped.filter((d) => d.startsWith(`${prefix}${kind}:`)).length;
      expect([count('t'), count('f'), count('e')]).toEqual([28, 19, 28]);
      await redis.client.bgsave();
      await redis.settled();
      expect(findLeaks({ redis: dumped.join('\n'), ...redis.files(), audit }, planted)).toEqual([]);
    } finally {
      await redis.stop();
    }
  });
});
