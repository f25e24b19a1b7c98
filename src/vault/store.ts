// The vault's storage contract: what every store (memory, SQLite, Redis) must do, atomically where it says so.

/**
 * One token as stored. It never holds a value in clear: `ciphertext` is AES-256-GCM under key
 * `kid`, and both fingerprints are keyed HMACs.
 */
export interface TokenRecord {
  readonly token: string;
  /** Keyed look-up fingerprint of (namespace, kind, value), for deterministic tokens; `null` otherwise. Unique. */
  readonly fingerprint: string | null;
  /** Keyed fingerprint of the value alone, so erasure finds every token of a value. */
  readonly erasure: string;
  readonly namespace: string;
  readonly kind: string | null;
  /** The key id the ciphertext is under. */
  readonly kid: string;
  /** base64url of format version (2) | XAES-256-GCM nonce (24) | GCM tag (16) | ciphertext, or format 1 of earlier versions; see docs/vault.md. */
  readonly ciphertext: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Milliseconds since the epoch, or `null` for no expiry. */
  readonly expiresAt: number | null;
}

/** One deterministic allocation: the fingerprints a value may already be stored under, and the record to add if none is. */
export interface AllocateItem {
  /** Candidate look-up fingerprints, one per key id of the ring, the active key's first. */
  readonly fingerprints: readonly string[];
  /**
   * The record to insert when no live record has one of the fingerprints; its `fingerprint` is
   * `fingerprints[0]`. It may be built when first read, so read it only when it is needed.
   */
  readonly record: TokenRecord;
}

/** A token `allocate()` found already stored, with its record's expiry, so the vault may cache it as it caches its own. */
export interface FoundToken {
  readonly token: string;
  /** The stored record's expiry (ms since the epoch), or `null` for none. */
  readonly expiresAt: number | null;
}

/**
 * What `allocate()` answers: per item, the token (a string, or a {@link FoundToken} when the store can say the
 * found record's expiry) or `null`. A store with an erasure generation may add the `generation` it read in the
 * same transaction or script as the allocation: the vault then needs no separate read for that batch.
 */
export type Allocation = Array<string | FoundToken | null> & { generation?: string };

/** A record re-encrypted under another key, as rotation writes it. */
export interface RekeyUpdate {
  readonly token: string;
  readonly kid: string;
  readonly ciphertext: string;
  readonly fingerprint: string | null;
  readonly erasure: string;
}

/**
 * Where a vault keeps its tokens. Implement it to plug in another database; run the conformance
 * suite in `test/vault/stores.test.ts` against it.
 *
 * Every method may receive an `AbortSignal` as its last argument: the vault aborts it when the call
 * passed its `timeoutMs` and was already answered `ERR_VAULT_UNAVAILABLE`. A store that waits (for
 * a lock, a connection) should stop waiting then, and must not apply the call afterwards.
 */
export interface VaultStore {
  /**
   * For each item, atomically: the token of the live record holding one of `fingerprints`, or else
   * the item's record inserted and its token returned — or `null` when its token is already taken
   * (the vault retries with another token). Two vaults allocating the same value at once get one token.
   * A `generation` on the answer must have been read atomically with the allocation, never after it.
   */
  allocate(items: readonly AllocateItem[], now: number, signal?: AbortSignal): Promise<Allocation>;
  /** Inserts records that need no look-up (non-deterministic tokens); `false` where the token is taken. */
  insert(records: readonly TokenRecord[], signal?: AbortSignal): Promise<boolean[]>;
  /** The live records of these tokens, `null` for unknown or expired ones. */
  get(tokens: readonly string[], now: number, signal?: AbortSignal): Promise<Array<TokenRecord | null>>;
  /** Deletes every record whose erasure fingerprint is listed (in one namespace, or all); returns how many. */
  forget(erasures: readonly string[], namespace: string | undefined, signal?: AbortSignal): Promise<number>;
  /** Deletes expired records; returns how many. */
  purgeExpired(now: number, signal?: AbortSignal): Promise<number>;
  /** Pages through every record, for rotation. `cursor` null starts; a null cursor back means done. */
  scan(cursor: string | null, limit: number, signal?: AbortSignal): Promise<{ records: TokenRecord[]; cursor: string | null }>;
  /** Replaces key material of records atomically per record; a record is readable before and after. */
  rekey(updates: readonly RekeyUpdate[], signal?: AbortSignal): Promise<void>;
  /**
   * The store's erasure generation: a value that changes, on every instance sharing the store, whenever
   * `forget()` commits (the store changes it in the same transaction or script as the deletion), and never
   * comes back to an earlier value. A vault keeps its in-process cache of deterministic tokens only while
   * this stays the same; a store without it gets no cache.
   */
  generation?(signal?: AbortSignal): Promise<string>;
  /** Releases connections the store opened itself. */
  close?(): Promise<void>;
}

/** Whether a record is still live at `now`. */
export function isLive(record: { expiresAt: number | null }, now: number): boolean {
  return record.expiresAt === null || record.expiresAt > now;
}

/** Resolves after `ms`, or at once when the signal aborts (the caller then gives up): the stores' retry wait. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
