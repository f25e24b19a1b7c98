// sqliteStore: the embedded, durable default — one SQLite file (better-sqlite3 12, WAL), safe across processes on one machine.
import type BetterSqlite3 from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { FieldguardError } from '../errors.js';
import { peer } from '../peer.js';
import { pause, type AllocateItem, type Allocation, type FoundToken, type RekeyUpdate, type TokenRecord, type VaultStore } from './store.js';

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
 * or an open better-sqlite3 `Database` (the store sets `journal_mode = WAL`, `secure_delete = ON`,
 * `wal_autocheckpoint = 10000` and `busy_timeout = 0` on it: waits for locks are the store's own, asynchronous ones).
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
    // Each commit appends every page it touched to the WAL, and each checkpoint syncs the file twice: at the default
    // 1000 pages a batch of new values paid for a checkpoint every few batches. 10,000 pages (40 MB of WAL at most)
    // measured 1.7x the allocation rate; forget() and purgeExpired() still truncate the WAL at once.
    db.pragma('wal_autocheckpoint = 10000');
    // A rowid table with the token's unique index: random text keys in a WITHOUT ROWID table split wide leaf pages
    // holding whole records, while here they only touch narrow index pages. No index on expires_at: only
    // purgeExpired() reads it, rarely, and one index fewer is written by every insert. Files made by earlier versions
    // (WITHOUT ROWID, an expiry index) keep their layout and work unchanged: every statement below reads both.
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${table} (
        token TEXT NOT NULL UNIQUE,
        fingerprint TEXT UNIQUE,
        erasure TEXT NOT NULL,
        namespace TEXT NOT NULL,
        kind TEXT,
        kid TEXT NOT NULL,
        ciphertext TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS ${table}_erasure ON ${table}(erasure);
      CREATE TABLE IF NOT EXISTS ${table}_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    // The erasure generation (see VaultStore.generation): random, replaced by every forget(), so it never repeats,
    // not even for a file deleted and made again.
    // Written only when missing: opening a file that has it takes no write lock.
    if (db.prepare(`SELECT 1 FROM ${table}_meta WHERE name = 'erasures'`).get() === undefined) {
      db.prepare(`INSERT OR IGNORE INTO ${table}_meta (name, value) VALUES ('erasures', ?)`).run(randomBytes(16).toString('hex'));
    }
  }
  // SQLite's busy handler sleeps inside the call and so blocks the event loop: no timer, not even the vault's
  // timeout, could fire. With none, a locked file answers SQLITE_BUSY at once and retry() waits between attempts.
  db.pragma('busy_timeout = 0');
  const COLS = 'token, fingerprint, erasure, namespace, kind, kid, ciphertext, created_at, expires_at';
  const stmt = {
    deleteToken: db.prepare<[string]>(`DELETE FROM ${table} WHERE token = ?`),
    byErasure: db.prepare<[string], { token: string; namespace: string }>(`SELECT token, namespace FROM ${table} WHERE erasure = ?`),
    purge: db.prepare<[number]>(`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ?`),
    scanFirst: db.prepare<[number], Row>(`SELECT ${COLS} FROM ${table} ORDER BY token LIMIT ?`),
    scanNext: db.prepare<[string, number], Row>(`SELECT ${COLS} FROM ${table} WHERE token > ? ORDER BY token LIMIT ?`),
    rekey: db.prepare(`UPDATE ${table} SET kid = @kid, ciphertext = @ciphertext, fingerprint = @fingerprint, erasure = @erasure WHERE token = @token`),
  };
  const live = (r: { expires_at: number | null }, now: number): boolean => r.expires_at === null || r.expires_at > now;

  // Multi-row statements, prepared once per batch size (up to CHUNK rows; longer batches go in chunks): one call into
  // SQLite per chunk instead of two or three per value.
  const CHUNK = 100;
  const marks = (n: number): string => Array.from({ length: n }, () => '?').join(',');
  const sized = <S>(make: (n: number) => S): ((n: number) => S) => {
    const cache = new Map<number, S>();
    return (n) => {
      let s = cache.get(n);
      if (s === undefined) cache.set(n, (s = make(n)));
      return s;
    };
  };
  type Stmt<R> = { all(...args: unknown[]): R[] };
  const byFps = sized((n) => db.prepare(`SELECT token, fingerprint, expires_at FROM ${table} WHERE fingerprint IN (${marks(n)})`) as unknown as Stmt<{ token: string; fingerprint: string; expires_at: number | null }>);
  const byTokens = sized((n) => db.prepare(`SELECT ${COLS} FROM ${table} WHERE token IN (${marks(n)})`) as unknown as Stmt<Row>);
  // OR IGNORE skips a row whose token (or fingerprint) is taken; RETURNING says which went in.
  const insertRows = sized((n) =>
    db.prepare(`INSERT OR IGNORE INTO ${table} (${COLS}) VALUES ${Array.from({ length: n }, () => '(?,?,?,?,?,?,?,?,?)').join(',')} RETURNING token`) as unknown as Stmt<{ token: string }>,
  );
  /** Runs `each` over `list` in chunks of at most CHUNK, with the statement sized for the chunk. */
  function chunked<T>(list: readonly T[], each: (part: readonly T[]) => void): void {
    for (let i = 0; i < list.length; i += CHUNK) each(list.length <= CHUNK ? list : list.slice(i, i + CHUNK));
  }
  /** Fingerprint → its record's token and expiry, for the fingerprints present. */
  function lookUp(fps: readonly string[]): Map<string, { token: string; expires_at: number | null }> {
    const found = new Map<string, { token: string; expires_at: number | null }>();
    chunked(fps, (part) => {
      for (const row of byFps(part.length).all(...part)) found.set(row.fingerprint, row);
    });
    return found;
  }
  /** Inserts records; the tokens that went in. */
  function insertAll(records: readonly TokenRecord[]): Set<string> {
    const inserted = new Set<string>();
    chunked(records, (part) => {
      const args: unknown[] = [];
      for (const r of part) args.push(r.token, r.fingerprint, r.erasure, r.namespace, r.kind, r.kid, r.ciphertext, r.createdAt, r.expiresAt);
      for (const row of insertRows(part.length).all(...args)) inserted.add(row.token);
    });
    return inserted;
  }
  // Prepared on first use: a read-only connection may open a file whose meta table a writer has not made yet.
  let genStmt: { get(): { value: string } | undefined } | undefined;
  const readGeneration = (): string => {
    try {
      genStmt ??= db.prepare(`SELECT value FROM ${table}_meta WHERE name = 'erasures'`) as unknown as { get(): { value: string } | undefined };
    } catch (e) {
      if (isBusy(e)) throw e;
      return 'none';
    }
    return genStmt.get()?.value ?? 'none';
  };
  // A found token comes with its record's expiry, so the vault can cache it.
  const firstLive = (item: AllocateItem, found: Map<string, { token: string; expires_at: number | null }>, now: number): FoundToken | undefined => {
    for (const fp of item.fingerprints) {
      const row = found.get(fp);
      if (row !== undefined && live(row, now)) return { token: row.token, expiresAt: row.expires_at };
    }
    return undefined;
  };

  const allocate = db.transaction((items: readonly AllocateItem[], now: number): Allocation => {
    const out: Allocation = new Array<string | FoundToken | null>(items.length).fill(null);
    // Read in the allocation's own transaction: the vault needs no separate read for this batch.
    out.generation = readGeneration();
    const found = lookUp(items.flatMap((item) => item.fingerprints));
    // An expired record frees its fingerprint for the new one.
    for (const row of found.values()) if (!live(row, now)) stmt.deleteToken.run(row.token);
    const missing: number[] = [];
    items.forEach((item, i) => {
      const token = firstLive(item, found, now);
      if (token !== undefined) out[i] = token;
      else missing.push(i);
    });
    if (missing.length === 0) return out;
    const records = missing.map((i) => items[i]!.record);
    const inserted = insertAll(records);
    const again: number[] = [];
    missing.forEach((i, j) => {
      if (inserted.has(records[j]!.token)) out[i] = records[j]!.token;
      else again.push(i);
    });
    if (again.length > 0) {
      // Not inserted: an earlier item of this batch had the same fingerprint (its token is the answer), or the token
      // was taken (null: the vault retries with another one).
      const now2 = lookUp(again.flatMap((i) => items[i]!.fingerprints));
      for (const i of again) out[i] = firstLive(items[i]!, now2, now) ?? null;
    }
    return out;
  });
  const insert = db.transaction((records: readonly TokenRecord[]): boolean[] => {
    const inserted = insertAll(records);
    return records.map((r) => inserted.has(r.token));
  });
  const bump = db.readonly ? undefined : db.prepare<[string]>(`UPDATE ${table}_meta SET value = ? WHERE name = 'erasures'`);
  const forget = db.transaction((erasures: readonly string[], namespace: string | undefined): number => {
    bump?.run(randomBytes(16).toString('hex'));
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

  const read = db.transaction((tokens: readonly string[], now: number): Array<TokenRecord | null> => {
    const found = new Map<string, Row>();
    chunked(tokens, (part) => {
      for (const row of byTokens(part.length).all(...part)) found.set(row.token, row);
    });
    return tokens.map((t) => {
      const row = found.get(t);
      return row !== undefined && live(row, now) ? toRecord(row) : null;
    });
  });

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
    generation(signal) {
      return retry(readGeneration, signal);
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
