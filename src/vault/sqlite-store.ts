// sqliteStore: the embedded, durable default — one SQLite file (better-sqlite3 12, WAL), safe across processes on one machine.
import type BetterSqlite3 from 'better-sqlite3';
import { FieldguardError } from '../errors.js';
import { peer } from '../peer.js';
import { pause, type AllocateItem, type RekeyUpdate, type TokenRecord, type VaultStore } from './store.js';

type Database = BetterSqlite3.Database;

/**
 * An open better-sqlite3 `Database`, as far as the store's signature needs to say: declared
 * here so the package's types need no `@types/better-sqlite3` (Redis and memory users never install it).
 */
export interface SqliteDatabase {
  readonly open: boolean;
  readonly readonly: boolean;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): unknown;
  prepare(source: string): unknown;
  transaction(fn: (...args: never[]) => unknown): unknown;
  close(): unknown;
}

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** Table name. Default `fieldguard_tokens`. */
  readonly table?: string;
  /**
   * How long a call waits for another process's lock, in ms. Default 5000. The wait never blocks the
   * event loop (SQLite's own busy handler would): the store retries with an asynchronous backoff, and
   * stops earlier when the vault's `timeoutMs` passes. Only opening the file (creating the table)
   * waits synchronously, once.
   */
  readonly busyTimeoutMs?: number;
}

interface Row {
  token: string;
  fingerprint: string | null;
  erasure: string;
  namespace: string;
  kind: string | null;
  kid: string;
  ciphertext: string;
  created_at: number;
  expires_at: number | null;
}

/** Whether better-sqlite3 failed because another connection holds a lock (SQLITE_BUSY and its extended codes). */
function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

function locked(): FieldguardError {
  return new FieldguardError('ERR_VAULT_UNAVAILABLE', 'sqliteStore(): the SQLite file stayed locked by another connection');
}


const toRecord = (r: Row): TokenRecord => ({
  token: r.token,
  fingerprint: r.fingerprint,
  erasure: r.erasure,
  namespace: r.namespace,
  kind: r.kind,
  kid: r.kid,
  ciphertext: r.ciphertext,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/**
 * A vault store in a SQLite file, through better-sqlite3 (an optional peer dependency: install
 * `better-sqlite3@12`). Durable on one machine; several processes may share the file. Pass a path,
 * or an open better-sqlite3 `Database` (the store sets `journal_mode = WAL`, `secure_delete = ON`
 * and `busy_timeout = 0` on it: waits for locks are the store's own, asynchronous ones).
 *
 * @throws FieldguardError `ERR_MISSING_DEPENDENCY` when better-sqlite3 is not installed,
 *   `ERR_VAULT_UNAVAILABLE` when the file cannot be opened.
 * @example
 * ```ts
 * const vault = createVault({ store: sqliteStore('./var/tokens.db'), keys });
 * ```
 */
export function sqliteStore(file: string | SqliteDatabase, options: SqliteStoreOptions = {}): VaultStore {
  const table = options.table ?? 'fieldguard_tokens';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'sqliteStore(): table must be a plain identifier');
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!(busyTimeoutMs >= 0) || !Number.isFinite(busyTimeoutMs)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'sqliteStore(): busyTimeoutMs must be a number of milliseconds, 0 or more');
  let db: Database;
  const ownsDb = typeof file === 'string';
  if (typeof file === 'string') {
    const Sqlite = peer<typeof BetterSqlite3>('better-sqlite3', '12', 'sqliteStore()');
    try {
      db = new Sqlite(file);
    } catch {
      throw new FieldguardError('ERR_VAULT_UNAVAILABLE', 'sqliteStore(): the SQLite file could not be opened');
    }
  } else {
    db = file as unknown as Database;
  }
  // Opening may wait for another process synchronously, once; every later call waits asynchronously (see retry).
  db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
  // Deleted and overwritten cells are zeroed in their page, so an erased or rotated record leaves no bytes behind in
  // the main file; the WAL's older copies of those pages go with the TRUNCATE checkpoint after forget and purge.
  db.pragma('secure_delete = ON');
  if (!db.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${table} (
        token TEXT PRIMARY KEY,
        fingerprint TEXT UNIQUE,
        erasure TEXT NOT NULL,
        namespace TEXT NOT NULL,
        kind TEXT,
        kid TEXT NOT NULL,
        ciphertext TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS ${table}_erasure ON ${table}(erasure);
      CREATE INDEX IF NOT EXISTS ${table}_expires ON ${table}(expires_at) WHERE expires_at IS NOT NULL;
    `);
  }
  // SQLite's busy handler sleeps inside the call and so blocks the event loop: no timer, not even the vault's
  // timeout, could fire. With none, a locked file answers SQLITE_BUSY at once and retry() waits between attempts.
  db.pragma('busy_timeout = 0');
  const stmt = {
    byFp: db.prepare<[string], Row>(`SELECT * FROM ${table} WHERE fingerprint = ?`),
    byToken: db.prepare<[string], Row>(`SELECT * FROM ${table} WHERE token = ?`),
    tokenExists: db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM ${table} WHERE token = ?`),
    insert: db.prepare(
      `INSERT INTO ${table} (token, fingerprint, erasure, namespace, kind, kid, ciphertext, created_at, expires_at)
       VALUES (@token, @fingerprint, @erasure, @namespace, @kind, @kid, @ciphertext, @createdAt, @expiresAt)`,
    ),
    deleteToken: db.prepare<[string]>(`DELETE FROM ${table} WHERE token = ?`),
    byErasure: db.prepare<[string], { token: string; namespace: string }>(`SELECT token, namespace FROM ${table} WHERE erasure = ?`),
    purge: db.prepare<[number]>(`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ?`),
    scanFirst: db.prepare<[number], Row>(`SELECT * FROM ${table} ORDER BY token LIMIT ?`),
    scanNext: db.prepare<[string, number], Row>(`SELECT * FROM ${table} WHERE token > ? ORDER BY token LIMIT ?`),
    rekey: db.prepare(`UPDATE ${table} SET kid = @kid, ciphertext = @ciphertext, fingerprint = @fingerprint, erasure = @erasure WHERE token = @token`),
  };
  const live = (r: Row | undefined, now: number): boolean => r !== undefined && (r.expires_at === null || r.expires_at > now);

  const allocate = db.transaction((items: readonly AllocateItem[], now: number): Array<string | null> =>
    items.map((item) => {
      for (const fp of item.fingerprints) {
        const row = stmt.byFp.get(fp);
        if (row === undefined) continue;
        if (live(row, now)) return row.token;
        // An expired record frees its fingerprint for the new one.
        stmt.deleteToken.run(row.token);
      }
      const record = item.record;
      if (stmt.tokenExists.get(record.token) !== undefined) return null;
      stmt.insert.run(record);
      return record.token;
    }),
  );
  const insert = db.transaction((records: readonly TokenRecord[]): boolean[] =>
    records.map((r) => {
      if (stmt.tokenExists.get(r.token) !== undefined) return false;
      stmt.insert.run(r);
      return true;
    }),
  );
  const forget = db.transaction((erasures: readonly string[], namespace: string | undefined): number => {
    let n = 0;
    for (const e of erasures) {
      for (const row of stmt.byErasure.all(e)) {
        if (namespace === undefined || row.namespace === namespace) n += stmt.deleteToken.run(row.token).changes;
      }
    }
    return n;
  });
  const rekey = db.transaction((updates: readonly RekeyUpdate[]): void => {
    for (const u of updates) stmt.rekey.run(u);
  });

  const read = db.transaction((tokens: readonly string[], now: number): Array<TokenRecord | null> =>
    tokens.map((t) => {
      const row = stmt.byToken.get(t);
      return row !== undefined && live(row, now) ? toRecord(row) : null;
    }),
  );

  /**
   * Copies every page of the WAL into the main file and truncates the WAL to zero bytes: the WAL's
   * frames still hold the pages as they were before a deletion, record bytes included. Busy while a
   * reader of another connection still uses the WAL; retried like any lock.
   */
  const truncateWal = (): void => {
    if (db.readonly) return;
    const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    if (row !== undefined && row.busy !== 0) throw Object.assign(new Error('checkpoint busy'), { code: 'SQLITE_BUSY' });
  };

  /**
   * Runs one synchronous attempt; while another connection holds the lock (SQLITE_BUSY), waits without
   * blocking — 1 ms doubling to 50 ms, with jitter — until `busyTimeoutMs` or the caller's signal.
   * An attempt is a whole transaction, so a retried call is applied once or not at all.
   */
  async function retry<T>(attempt: () => T, signal: AbortSignal | undefined): Promise<T> {
    const deadline = Date.now() + busyTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      if (signal?.aborted === true) throw locked();
      try {
        return attempt();
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw locked();
      await pause(Math.min(left, wait / 2 + Math.random() * wait), signal);
    }
  }

  return {
    // better-sqlite3 is synchronous; an immediate transaction makes each batch atomic across processes too.
    allocate(items, now, signal) {
      return retry(() => allocate.immediate(items, now), signal);
    },
    insert(records, signal) {
      return retry(() => insert.immediate(records), signal);
    },
    get(tokens, now, signal) {
      return retry(() => read.deferred(tokens, now), signal);
    },
    async forget(erasures, namespace, signal) {
      const n = await retry(() => forget.immediate(erasures, namespace), signal);
      // Even with nothing deleted now: a forget that failed at its checkpoint is finished by calling it again.
      await retry(truncateWal, signal);
      return n;
    },
    async purgeExpired(now, signal) {
      const n = await retry(() => stmt.purge.run(now).changes, signal);
      if (n > 0) await retry(truncateWal, signal);
      return n;
    },
    scan(cursor, limit, signal) {
      return retry(() => {
        const rows = cursor === null ? stmt.scanFirst.all(limit) : stmt.scanNext.all(cursor, limit);
        return { records: rows.map(toRecord), cursor: rows.length < limit ? null : rows[rows.length - 1]!.token };
      }, signal);
    },
    async rekey(updates, signal) {
      await retry(() => rekey.immediate(updates), signal);
    },
    async close() {
      if (ownsDb && db.open) db.close();
    },
  };
}
