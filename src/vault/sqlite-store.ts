// sqliteStore: the embedded, durable default — one SQLite file (better-sqlite3 12, WAL), safe across processes on one machine.
import type BetterSqlite3 from 'better-sqlite3';
import { FieldguardError } from '../errors.js';
import { peer } from '../peer.js';
import type { AllocateItem, RekeyUpdate, TokenRecord, VaultStore } from './store.js';

type Database = BetterSqlite3.Database;

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** Table name. Default `fieldguard_tokens`. */
  readonly table?: string;
  /** How long a writer waits for another process's lock, in ms. Default 5000. */
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
 * or an open better-sqlite3 `Database`.
 *
 * @throws FieldguardError `ERR_MISSING_DEPENDENCY` when better-sqlite3 is not installed,
 *   `ERR_VAULT_UNAVAILABLE` when the file cannot be opened.
 * @example
 * ```ts
 * const vault = createVault({ store: sqliteStore('./var/tokens.db'), keys });
 * ```
 */
export function sqliteStore(file: string | Database, options: SqliteStoreOptions = {}): VaultStore {
  const table = options.table ?? 'fieldguard_tokens';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'sqliteStore(): table must be a plain identifier');
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
    db = file;
  }
  if (!db.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
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

  return {
    // better-sqlite3 is synchronous; an immediate transaction makes each batch atomic across processes too.
    async allocate(items, now) {
      return allocate.immediate(items, now);
    },
    async insert(records) {
      return insert.immediate(records);
    },
    async get(tokens, now) {
      return tokens.map((t) => {
        const row = stmt.byToken.get(t);
        return row !== undefined && live(row, now) ? toRecord(row) : null;
      });
    },
    async forget(erasures, namespace) {
      return forget.immediate(erasures, namespace);
    },
    async purgeExpired(now) {
      return stmt.purge.run(now).changes;
    },
    async scan(cursor, limit) {
      const rows = cursor === null ? stmt.scanFirst.all(limit) : stmt.scanNext.all(cursor, limit);
      return { records: rows.map(toRecord), cursor: rows.length < limit ? null : rows[rows.length - 1]!.token };
    },
    async rekey(updates) {
      rekey.immediate(updates);
    },
    async close() {
      if (ownsDb && db.open) db.close();
    },
  };
}
