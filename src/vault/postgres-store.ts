// postgresStore: the durable shared store for fleets — one PostgreSQL table, each batch a few set-based statements.
import { randomBytes } from 'node:crypto';
import { FieldguardError } from '../errors.js';
import { peer } from '../peer.js';
import type { AllocateItem, Allocation, FoundToken, RekeyUpdate, TokenRecord, VaultStore } from './store.js';

/** What the store reads back from a query: node-postgres's result, as far as it uses it. */
export interface PostgresResultLike {
  readonly rows: readonly Record<string, unknown>[];
  readonly rowCount: number | null;
}

/**
 * The part of a node-postgres `Pool` (or `Client`) the store uses: parameterized queries, and
 * `end()` when the store opened the pool itself. Declared here so the package's types need no `@types/pg`.
 */
export interface PostgresPoolLike {
  query(text: string, values?: unknown[]): Promise<PostgresResultLike>;
  end?(): Promise<void>;
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /** Table name, a plain identifier. Default `fieldguard_tokens`. */
  readonly table?: string;
  /** Schema the table lives in, a plain identifier. Default: the connection's `search_path` (usually `public`). */
  readonly schema?: string;
  /**
   * Create the table and its index when they do not exist, on first use. Default `true`; set
   * `false` when migrations own the schema (the statements are in docs/vault.md).
   */
  readonly createTable?: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
// Errors after which the same statement may simply run again: deadlock and serialization failure (each statement is
// its own transaction, applied whole or not at all) and, while creating the table, what two instances doing it at
// once meet in the catalog: a unique violation, or the table, its row type or the schema already existing
// (`CREATE … IF NOT EXISTS` checks before it creates, so the slower of two creations fails; run again, it finds the
// object and does nothing).
const TRANSIENT = new Set(['40P01', '40001']);
const TRANSIENT_DDL = new Set(['40P01', '40001', '23505', '42P07', '42710', '42P06']);
const MAX_ATTEMPTS = 4;

function aborted(): FieldguardError {
  return new FieldguardError('ERR_VAULT_UNAVAILABLE', 'postgresStore(): the call was given up on');
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

function toRecord(r: Record<string, unknown>): TokenRecord {
  return {
    token: r['token'] as string,
    fingerprint: (r['fingerprint'] as string | null) ?? null,
    erasure: r['erasure'] as string,
    namespace: r['namespace'] as string,
    kind: (r['kind'] as string | null) ?? null,
    kid: r['kid'] as string,
    ciphertext: r['ciphertext'] as string,
    createdAt: num(r['created_at']),
    expiresAt: r['expires_at'] === null || r['expires_at'] === undefined ? null : num(r['expires_at']),
  };
}

/**
 * A vault store in PostgreSQL through node-postgres (`pg`, an optional peer dependency: install
 * `pg@8`): the durable store for a fleet of instances sharing one vault. Pass a `pg.Pool` (or a
 * connection string, for which the store opens and later closes a pool of its own).
 *
 * Deterministic allocation is atomic across instances without locks of its own: the look-up
 * fingerprint is `UNIQUE`, new records go in with one `INSERT … ON CONFLICT DO NOTHING` per
 * batch, and a value another instance inserted first is read back by its fingerprint. With a ring
 * of one key a batch of new values is one round trip; values met again take a second, to read
 * their tokens back (values the vault has cached take none).
 *
 * @throws FieldguardError `ERR_INVALID_OPTIONS` for something else than a pool or a bad
 *   identifier, `ERR_MISSING_DEPENDENCY` when a connection string is given and `pg` is not installed.
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const vault = createVault({ store: postgresStore(pool), keys });
 * ```
 */
export function postgresStore(pool: PostgresPoolLike | string, options: PostgresStoreOptions = {}): VaultStore {
  const table = options.table ?? 'fieldguard_tokens';
  if (!IDENT.test(table)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'postgresStore(): table must be a plain identifier');
  if (options.schema !== undefined && !IDENT.test(options.schema)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'postgresStore(): schema must be a plain identifier');
  let db: PostgresPoolLike;
  const ownsPool = typeof pool === 'string';
  if (typeof pool === 'string') {
    const { Pool } = peer<{ Pool: new (config: { connectionString: string }) => PostgresPoolLike }>('pg', '8', 'postgresStore()');
    db = new Pool({ connectionString: pool });
  } else if (pool === null || typeof pool !== 'object' || typeof pool.query !== 'function') {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'postgresStore() takes a pg Pool or a connection string: postgresStore(new pg.Pool({ connectionString }))');
  } else {
    db = pool;
  }
  const t = options.schema === undefined ? `"${table}"` : `"${options.schema}"."${table}"`;
  const meta = options.schema === undefined ? `"${table}_meta"` : `"${options.schema}"."${table}_meta"`;
  const withGeneration = options.createTable !== false;
  const COLS = 'token, fingerprint, erasure, namespace, kind, kid, ciphertext, created_at, expires_at';

  const q = {
    // One index besides the key: the erasure fingerprint, for forget(). purgeExpired() scans, as it runs rarely.
    create: [
      options.schema === undefined ? '' : `CREATE SCHEMA IF NOT EXISTS "${options.schema}"`,
      `CREATE TABLE IF NOT EXISTS ${t} (
        token text PRIMARY KEY,
        fingerprint text UNIQUE,
        erasure text NOT NULL,
        namespace text NOT NULL,
        kind text,
        kid text NOT NULL,
        ciphertext text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint
      )`,
      `CREATE INDEX IF NOT EXISTS "${table}_erasure" ON ${t} (erasure)`,
      // The erasure generation (see VaultStore.generation): random, replaced by every forget() in its statement.
      `CREATE TABLE IF NOT EXISTS ${meta} (name text PRIMARY KEY, value text NOT NULL)`,
    ].filter((s) => s !== ''),
    seedGeneration: `INSERT INTO ${meta} (name, value) VALUES ('erasures', $1) ON CONFLICT (name) DO NOTHING`,
    generation: `SELECT value FROM ${meta} WHERE name = 'erasures'`,
    // A data-modifying WITH runs whole whether or not the query reads it: the deletion and the new generation commit together.
    forgetBump: `WITH d AS (DELETE FROM ${t} WHERE erasure = ANY($1::text[]) AND ($2::text IS NULL OR namespace = $2) RETURNING 1),
      g AS (UPDATE ${meta} SET value = $3 WHERE name = 'erasures')
      SELECT count(*)::int AS n FROM d`,
    byFingerprints: `SELECT fingerprint, token, expires_at FROM ${t} WHERE fingerprint = ANY($1::text[])`,
    dropExpired: `DELETE FROM ${t} WHERE fingerprint = ANY($1::text[]) AND expires_at IS NOT NULL AND expires_at <= $2`,
    // Rows in fingerprint order, so two instances inserting overlapping batches take the unique-index slots in one
    // order and never wait on each other in a cycle.
    insert: `INSERT INTO ${t} (${COLS})
      SELECT token, fingerprint, erasure, namespace, kind, kid, ciphertext, created_at, expires_at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
        AS r(token, fingerprint, erasure, namespace, kind, kid, ciphertext, created_at, expires_at)
      ORDER BY fingerprint, token
      ON CONFLICT DO NOTHING RETURNING token`,
    // The same insert, with the erasure generation read in the statement's own snapshot (taken before the insert
    // sees any row): a batch that goes to the store anyway needs no separate read. A NULL token marks its row.
    insertReadingGeneration: `WITH g AS (SELECT value FROM ${meta} WHERE name = 'erasures'),
      ins AS (INSERT INTO ${t} (${COLS})
        SELECT token, fingerprint, erasure, namespace, kind, kid, ciphertext, created_at, expires_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
          AS r(token, fingerprint, erasure, namespace, kind, kid, ciphertext, created_at, expires_at)
        ORDER BY fingerprint, token
        ON CONFLICT DO NOTHING RETURNING token)
      SELECT token, NULL::text AS generation FROM ins UNION ALL SELECT NULL, value FROM g`,
    byTokens: `SELECT ${COLS} FROM ${t} WHERE token = ANY($1::text[])`,
    forget: `DELETE FROM ${t} WHERE erasure = ANY($1::text[]) AND ($2::text IS NULL OR namespace = $2)`,
    purge: `DELETE FROM ${t} WHERE expires_at IS NOT NULL AND expires_at <= $1`,
    scan: `SELECT ${COLS} FROM ${t} WHERE $1::text IS NULL OR token > $1 ORDER BY token LIMIT $2`,
    rekey: `UPDATE ${t} AS d SET kid = u.kid, ciphertext = u.ciphertext, fingerprint = u.fingerprint, erasure = u.erasure
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(token, kid, ciphertext, fingerprint, erasure)
      WHERE d.token = u.token`,
  };

  /** Runs one statement, again after a transient failure (up to four attempts), never after the caller gave up. */
  async function run(text: string, values: unknown[], signal: AbortSignal | undefined, transient = TRANSIENT): Promise<PostgresResultLike> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted === true) throw aborted();
      try {
        return await db.query(text, values);
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !transient.has(code)) throw e;
        // A moment for the other transaction to commit before the same statement runs again.
        await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
      }
    }
  }

  let ready: Promise<void> | undefined;
  const prepare = (signal: AbortSignal | undefined): Promise<void> => {
    if (options.createTable === false) return Promise.resolve();
    ready ??= (async () => {
      for (const statement of q.create) await run(statement, [], signal, TRANSIENT_DDL);
      await run(q.seedGeneration, [randomBytes(16).toString('hex')], signal, TRANSIENT_DDL);
    })().catch((e: unknown) => {
      // A failed creation (the server was down) is tried again by the next call.
      ready = undefined;
      throw e;
    });
    return ready;
  };

  /** Inserts records; the tokens that went in. Column arrays, so a batch is one statement whatever its size. */
  async function insertRows(records: readonly TokenRecord[], signal: AbortSignal | undefined, read?: { generation?: string }): Promise<Set<string>> {
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
    for (const r of records) {
      cols[0]!.push(r.token);
      cols[1]!.push(r.fingerprint);
      cols[2]!.push(r.erasure);
      cols[3]!.push(r.namespace);
      cols[4]!.push(r.kind);
      cols[5]!.push(r.kid);
      cols[6]!.push(r.ciphertext);
      cols[7]!.push(r.createdAt);
      cols[8]!.push(r.expiresAt);
    }
    const res = await run(read !== undefined && withGeneration ? q.insertReadingGeneration : q.insert, cols, signal);
    const inserted = new Set<string>();
    for (const row of res.rows) {
      const token = row['token'];
      if (typeof token === 'string') inserted.add(token);
      else if (read !== undefined && typeof row['generation'] === 'string') read.generation = row['generation'];
    }
    return inserted;
  }

  /** Live tokens by fingerprint, and the fingerprints held by expired records. */
  async function lookUp(fps: readonly string[], now: number, signal: AbortSignal | undefined): Promise<{ live: Map<string, FoundToken>; expired: string[] }> {
    const live = new Map<string, FoundToken>();
    const expired: string[] = [];
    if (fps.length === 0) return { live, expired };
    const res = await run(q.byFingerprints, [fps], signal);
    for (const row of res.rows) {
      const exp = row['expires_at'];
      const expiresAt = exp === null || exp === undefined ? null : num(exp);
      if (expiresAt === null || expiresAt > now) live.set(row['fingerprint'] as string, { token: row['token'] as string, expiresAt });
      else expired.push(row['fingerprint'] as string);
    }
    return { live, expired };
  }

  const firstLive = (item: AllocateItem, live: Map<string, FoundToken>): FoundToken | undefined => {
    for (const fp of item.fingerprints) {
      const token = live.get(fp);
      if (token !== undefined) return token;
    }
    return undefined;
  };

  const store: VaultStore = {
    async allocate(items, now, signal) {
      await prepare(signal);
      const out: Allocation = new Array<string | FoundToken | null>(items.length).fill(null);
      if (items.length === 0) return out;
      let todo = items.map((_, i) => i);
      // A ring of one key: each value has one look-up fingerprint, and the unique index on it decides. The records go
      // straight in, so a batch of new values is one round trip; only those that met a conflict (a value already
      // stored, by this or another instance, maybe expired; or a taken token) take the look-up path below.
      if (items.every((it) => it.fingerprints.length === 1)) {
        const records = items.map((it) => it.record);
        // The generation is read in this first statement: every token this call answers was seen live after it.
        const inserted = await insertRows(records, signal, out);
        todo = [];
        records.forEach((r, i) => {
          if (inserted.has(r.token)) out[i] = r.token;
          else todo.push(i);
        });
        if (todo.length === 0) return out;
      }
      const { live, expired } = await lookUp(todo.flatMap((i) => items[i]!.fingerprints), now, signal);
      const missing: number[] = [];
      for (const i of todo) {
        const token = firstLive(items[i]!, live);
        if (token !== undefined) out[i] = token;
        else missing.push(i);
      }
      if (missing.length === 0) return out;
      // An expired record frees its fingerprint for the new one.
      if (expired.length > 0) await run(q.dropExpired, [expired, now], signal);
      const records = missing.map((i) => items[i]!.record);
      const inserted = await insertRows(records, signal);
      const raced: number[] = [];
      missing.forEach((i, j) => {
        if (inserted.has(records[j]!.token)) out[i] = records[j]!.token;
        else raced.push(i);
      });
      if (raced.length === 0) return out;
      // Not inserted: another instance stored the value first (read its token back), or the token was taken
      // (null: the vault retries with another one).
      const again = await lookUp(raced.flatMap((i) => items[i]!.fingerprints), now, signal);
      for (const i of raced) out[i] = firstLive(items[i]!, again.live) ?? null;
      return out;
    },
    async insert(records, signal) {
      await prepare(signal);
      if (records.length === 0) return [];
      const inserted = await insertRows(records, signal);
      return records.map((r) => inserted.has(r.token));
    },
    async get(tokens, now, signal) {
      await prepare(signal);
      if (tokens.length === 0) return [];
      const res = await run(q.byTokens, [tokens], signal);
      const found = new Map<string, TokenRecord>();
      for (const row of res.rows) found.set(row['token'] as string, toRecord(row));
      return tokens.map((tok) => {
        const r = found.get(tok);
        return r !== undefined && (r.expiresAt === null || r.expiresAt > now) ? r : null;
      });
    },
    async forget(erasures, namespace, signal) {
      await prepare(signal);
      if (!withGeneration) return (await run(q.forget, [erasures, namespace ?? null], signal)).rowCount ?? 0;
      const res = await run(q.forgetBump, [erasures, namespace ?? null, randomBytes(16).toString('hex')], signal);
      return num(res.rows[0]?.['n'] ?? 0);
    },
    async purgeExpired(now, signal) {
      await prepare(signal);
      const res = await run(q.purge, [now], signal);
      return res.rowCount ?? 0;
    },
    async scan(cursor, limit, signal) {
      await prepare(signal);
      const res = await run(q.scan, [cursor, limit], signal);
      const records = res.rows.map(toRecord);
      return { records, cursor: records.length < limit ? null : records[records.length - 1]!.token };
    },
    async rekey(updates: readonly RekeyUpdate[], signal) {
      await prepare(signal);
      if (updates.length === 0) return;
      const cols: unknown[][] = [[], [], [], [], []];
      for (const u of updates) {
        cols[0]!.push(u.token);
        cols[1]!.push(u.kid);
        cols[2]!.push(u.ciphertext);
        cols[3]!.push(u.fingerprint);
        cols[4]!.push(u.erasure);
      }
      // One statement: the whole page is rewritten atomically, each record readable before and after.
      await run(q.rekey, cols, signal);
    },
    async close() {
      if (ownsPool) await db.end?.();
    },
  };
  // With createTable: false the table is the operator's, and no meta table is assumed: no generation, no vault cache.
  if (withGeneration) {
    store.generation = async (signal) => {
      await prepare(signal);
      const res = await run(q.generation, [], signal);
      return String(res.rows[0]?.['value'] ?? 'none');
    };
  }
  return store;
}
