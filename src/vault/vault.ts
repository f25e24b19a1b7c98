// createVault: tokens for values, backed by a store that never holds a value in clear; batch in, batch out.
import { setMaxListeners } from 'node:events';
import { FieldguardError } from '../errors.js';
import { KINDS, type Kind } from '../schema/tags.js';
import { emitAudit, stdoutAudit, type AuditEvent, type AuditSink } from './audit.js';
import { fingerprint, open, seal } from './crypto.js';
import { toMillis } from './duration.js';
import { isKeyRing, type KeyRing } from './keys.js';
import type { AllocateItem, RekeyUpdate, TokenRecord, VaultStore } from './store.js';
import { checkFormat, newToken, type TokenFormat } from './tokens.js';
import { oldestFirst } from '../evict.js';

/** Options of {@link createVault}. */
export interface VaultOptions {
  /** Where tokens live: `memoryStore()`, `sqliteStore(file)`, `postgresStore(pool)` or `redisStore(client)`. */
  readonly store: VaultStore;
  /** The key ring values are encrypted and fingerprinted with. */
  readonly keys: KeyRing;
  /** The same value in the same namespace always gets the same token. Default `true`. */
  readonly deterministic?: boolean;
  /** Default token lifetime: milliseconds or an ISO-8601 duration. Default: none. A field's `retention` overrides it. */
  readonly ttl?: number | string;
  /** Token format per kind: `{ cardNumber: { format: 'cardLast4', luhn: 'invalid' }, ssn: 'digits' }`. Others: `opaque`. */
  readonly formats?: Readonly<Partial<Record<Kind, TokenFormat>>>;
  /** Where detokenize and decrypt audit events go. Default: a JSON line on standard output. */
  readonly audit?: AuditSink;
  /** A store slower than this (ms) is unavailable. Default 2000. */
  readonly timeoutMs?: number;
  /**
   * How many deterministic tokens this vault remembers (look-up fingerprint → token, no value; the least
   * recently used leaves first), so a value it met before costs one fingerprint and no store look-up. Kept only while the store's erasure
   * generation ({@link VaultStore.generation}) stays the same: a `forget()` on any instance empties every
   * instance's cache before its next batch. Default 10,000; `0` turns it off. Stores without a generation
   * (memory) get no cache. See docs/vault.md.
   */
  readonly cacheSize?: number;
}

/** Options of {@link Vault.tokenize}. */
export interface TokenizeOptions {
  /** The values' kind; picks the token format. */
  readonly kind?: Kind;
  /** Separate token spaces: the same value in two namespaces gets two tokens. Default `'default'`. */
  readonly namespace?: string;
  /** Lifetime of new tokens, overriding the vault's `ttl`. */
  readonly ttl?: number | string;
}

/** Who re-identifies, and why (recorded in the audit event), and the scope a token must have been made in. */
export interface DetokenizeOptions {
  readonly actor: string;
  readonly purpose: string;
  /** Where the tokens were (for the audit event). */
  readonly paths?: readonly string[];
  /** Their kinds (for the audit event). */
  readonly kinds?: readonly string[];
  /** Only tokens made in this namespace resolve. Default `'default'` (for {@link Vault.detokenize}). */
  readonly namespace?: string;
  /** When given, only tokens made with this kind resolve (an item's own `kind` in {@link Vault.detokenizeMany} wins). */
  readonly kind?: Kind;
}

/** One token to resolve at a position of a given kind. */
export interface DetokenizeItem {
  readonly token: string;
  /**
   * The kind the position holds: the token resolves only when its record was made with this kind;
   * `null` accepts only a record made without a kind. `undefined`: the options' `kind`, or any kind.
   */
  readonly kind?: Kind | null | undefined;
}

/** One value to tokenize in a mixed batch. */
export interface TokenizeItem {
  readonly value: string;
  readonly kind?: Kind | undefined;
  readonly ttl?: number | string | undefined;
}

/** A token vault. */
export interface Vault {
  /** Tokens for values, in order; one batch to the store, or, when the cache answers every value, one read of the store's erasure generation. */
  tokenize(values: readonly string[], options?: TokenizeOptions): Promise<string[]>;
  /** Tokens for a batch of values of mixed kinds; one batch to the store, or, when the cache answers every value, one read of the store's erasure generation. */
  tokenizeMany(items: readonly TokenizeItem[], namespace?: string): Promise<string[]>;
  /**
   * Values for tokens, in order; `null` for an unknown, expired or erased token, and for one made in
   * another namespace than `options.namespace` (default `'default'`) or, when `options.kind` is
   * given, with another kind. Audited.
   */
  detokenize(tokens: readonly string[], options: DetokenizeOptions): Promise<Array<string | null>>;
  /**
   * Values for tokens found at positions of known kinds, in order; one store round trip. A token
   * resolves only when its record was made in `options.namespace` and, when the item's `kind` is
   * not `undefined`, with that kind (`null`: without a kind). Everything else is `null`, counted
   * as unresolved in the audit event.
   */
  detokenizeMany(items: readonly DetokenizeItem[], options: DetokenizeOptions & { readonly namespace: string }): Promise<Array<string | null>>;
  /** Right to erasure: makes every token of `value` unresolvable (in one namespace, or all); returns how many. */
  forget(value: string, options?: { readonly namespace?: string }): Promise<number>;
  /** Deletes expired tokens; returns how many. */
  purgeExpired(): Promise<number>;
  /** Re-encrypts every record under the active key, in batches; resumable. */
  rotate(options?: { readonly batchSize?: number }): Promise<{ readonly rotated: number; readonly scanned: number }>;
  /** Emits an audit event to the vault's sink (used by middlewares for refused attempts). */
  audit(event: AuditEvent): void;
  /** The key ring. */
  readonly keys: KeyRing;
  /** Closes the store when it opened its own connections. */
  close(): Promise<void>;
}

const MAX_RETRIES = 5;
/** Store calls begun within this many ms share one deadline timer and abort signal. */
const DEADLINE_SLICE_MS = 10;

function unavailable(): FieldguardError {
  return new FieldguardError('ERR_VAULT_UNAVAILABLE', 'the token vault is unavailable; nothing was forwarded');
}


/**
 * One new value of a batch as the store sees it: its fingerprints, and its record (a token, a
 * ciphertext, an erasure fingerprint), built only when the store reads it — stores that look up
 * first skip that work for values they already hold. What it is built from (the value in clear
 * among it) is in private fields: a store that serializes, spreads, clones or logs the items it is
 * handed sees the fingerprints and the record, as it did when items were object literals.
 *
 * Not an object literal with a getter: each such literal got a hidden class of its own holding its
 * getter, which V8 on Node 20 keeps until an old-space collection, and with it everything the batch
 * held, through every young-generation collection. `record` is an own enumerable accessor (so a
 * spread item still carries it), the same getter for every item.
 */
class PendingValue implements AllocateItem {
  declare readonly record: TokenRecord;
  #record: TokenRecord | undefined = undefined;
  readonly #build: RecordBuilder;
  readonly #value: string;
  readonly #kind: Kind | undefined;
  readonly #namespace: string;
  readonly #now: number;
  readonly #ttl: number | undefined;
  constructor(
    readonly fingerprints: readonly string[],
    build: RecordBuilder,
    value: string,
    kind: Kind | undefined,
    namespace: string,
    now: number,
    ttl: number | undefined,
  ) {
    this.#build = build;
    this.#value = value;
    this.#kind = kind;
    this.#namespace = namespace;
    this.#now = now;
    this.#ttl = ttl;
    Object.defineProperty(this, 'record', RECORD);
  }
  /** The record, if the store asked for it. */
  get made(): TokenRecord | undefined {
    return this.#record;
  }
  /** Builds the record on first read. */
  static record(item: PendingValue): TokenRecord {
    return (item.#record ??= item.#build(item.#value, item.#kind, item.#namespace, item.fingerprints[0]!, item.#now, item.#ttl));
  }
}

type RecordBuilder = (value: string, kind: Kind | undefined, namespace: string, fp: string | null, now: number, ttl: number | undefined) => TokenRecord;

const RECORD: PropertyDescriptor = {
  enumerable: true,
  configurable: false,
  get(this: PendingValue): TokenRecord {
    return PendingValue.record(this);
  },
};

/**
 * Creates a vault. Each record holds the value sealed with AES-256-GCM under a key of its own,
 * derived from the active key (whose id is stored with it) and bound to the record's namespace,
 * kind and token; a keyed fingerprint for deterministic look-up; the kind, the namespace and an
 * expiry. A token resolves only in the namespace, and at a position of the kind, it was made
 * for. A store that fails or is slower than `timeoutMs` makes every call reject with
 * `ERR_VAULT_UNAVAILABLE` (503): callers fail closed.
 *
 * @example
 * ```ts
 * const vault = createVault({ store: sqliteStore('tokens.db'), keys: keyRing.fromEnv('FIELDGUARD_KEYS') });
 * const [token] = await vault.tokenize(['jane@example.com'], { kind: 'email', namespace: 'crm' });
 * const [email] = await vault.detokenizeMany([{ token, kind: 'email' }], { namespace: 'crm', actor: 'support-42', purpose: 'ticket 981' });
 * ```
 */
export function createVault(options: VaultOptions): Vault {
  if (options === null || typeof options !== 'object') {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'createVault() takes { store, keys, … }');
  }
  const known = new Set(['store', 'keys', 'deterministic', 'ttl', 'formats', 'audit', 'timeoutMs', 'cacheSize']);
  for (const k of Object.keys(options)) {
    if (!known.has(k)) throw new FieldguardError('ERR_INVALID_OPTIONS', `createVault(): unknown option \`${k}\``);
  }
  const { store } = options;
  if (store === null || typeof store !== 'object' || typeof store.allocate !== 'function' || typeof store.get !== 'function') {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'createVault(): `store` must be a VaultStore such as memoryStore(), sqliteStore(file) or redisStore(client)');
  }
  if (!isKeyRing(options.keys)) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'createVault(): `keys` must be a key ring from keyRing({ keys, active }) or keyRing.fromEnv()');
  }
  const ring = options.keys;
  const deterministic = options.deterministic ?? true;
  const defaultTtl = options.ttl === undefined ? undefined : toMillis(options.ttl, 'createVault(): ttl');
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!(timeoutMs > 0)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'createVault(): timeoutMs must be positive');
  const formats = new Map<string, TokenFormat>();
  for (const [kind, f] of Object.entries(options.formats ?? {})) {
    if (!(KINDS as readonly string[]).includes(kind)) throw new FieldguardError('ERR_INVALID_OPTIONS', `createVault(): formats names an unknown kind ${JSON.stringify(kind)}`);
    formats.set(kind, checkFormat(kind, f));
  }
  const sink = options.audit ?? stdoutAudit;
  const cacheSize = options.cacheSize ?? 10_000;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new FieldguardError('ERR_INVALID_OPTIONS', 'createVault(): cacheSize must be a whole number, 0 or more');
  // Look-up fingerprint (active key) → a token (inserted by this vault, or found by the store) and its record's expiry,
  // in least-recently-used order. Valid only for the store's erasure generation `cacheGeneration`: an entry is added
  // only when its allocation read that same generation (in it, or before it), so an entry made before a forget()
  // anywhere is never used after it.
  const cache = new Map<string, { token: string; expiresAt: number | null }>();
  const useCache = deterministic && cacheSize > 0 && typeof store.generation === 'function';
  // Least recently used first: a hit is deleted and set again, so the oldest key is the least recently used.
  const evictor = oldestFirst(cache);
  const clearCache = (): void => {
    cache.clear();
    evictor.reset();
  };
  let cacheGeneration: string | undefined;
  // Whether the store's allocations answer the generation they read (learnt from the first one): then a batch that
  // goes to the store anyway needs no separate read.
  let folds = false;
  /** A generation read from the store: a different one than the cache's empties the cache. */
  const adopt = (generation: string): void => {
    if (generation !== cacheGeneration) {
      clearCache();
      cacheGeneration = generation;
    }
  };
  // At most one generation read in flight; batches that begin meanwhile share the next one, issued when it answers
  // (a read issued before a batch began could miss a forget() that resolved just before it).
  let readInFlight: Promise<string> | undefined;
  let readNext: Promise<string> | undefined;
  const issueRead = (): Promise<string> => {
    const p = guarded((signal) => store.generation!(signal));
    readInFlight = p;
    const done = (): void => {
      if (readInFlight === p) readInFlight = undefined;
    };
    p.then(done, done);
    return p;
  };
  /** The store's erasure generation, read by a call issued after this one was made. */
  function freshGeneration(): Promise<string> {
    if (readInFlight === undefined) return issueRead();
    if (readNext === undefined) {
      const next = readInFlight.then(
        () => undefined,
        () => undefined,
      ).then(() => {
        readNext = undefined;
        return issueRead();
      });
      readNext = next;
    }
    return readNext;
  }

  /**
   * Calls begun within the same slice of {@link DEADLINE_SLICE_MS} share one abort signal and one
   * timer: each call then costs a set entry instead of an AbortController, a timer and its
   * clearance. A call times out between `timeoutMs` and `timeoutMs` plus one slice after it began.
   */
  let slice: { readonly until: number; readonly control: AbortController; readonly pending: Set<() => void>; readonly timer: NodeJS.Timeout } | undefined;
  function deadlineSlice(): NonNullable<typeof slice> {
    const now = performance.now();
    if (slice !== undefined && now < slice.until) return slice;
    const control = new AbortController();
    // Every call of the slice may wait on the one signal (a store's retry pause listens to it): no listener warning.
    setMaxListeners(0, control.signal);
    const pending = new Set<() => void>();
    const timer = setTimeout(() => {
      control.abort();
      for (const fail of pending) fail();
      pending.clear();
    }, timeoutMs + DEADLINE_SLICE_MS);
    // The timer keeps the process alive only while a call it guards is pending (see guarded), as one timer per call did.
    timer.unref();
    slice = { until: now + DEADLINE_SLICE_MS, control, pending, timer };
    return slice;
  }

  /**
   * Runs a store call under the timeout; any failure becomes ERR_VAULT_UNAVAILABLE, without the store's message.
   * At the deadline the store's signal is aborted, so a store waiting for a lock gives up instead of writing later.
   */
  function guarded<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const s = deadlineSlice();
      let p: Promise<T>;
      try {
        p = call(s.control.signal);
      } catch {
        reject(unavailable());
        return;
      }
      const fail = (): void => reject(unavailable());
      if (s.pending.size === 0) s.timer.ref();
      s.pending.add(fail);
      const done = (): void => {
        s.pending.delete(fail);
        if (s.pending.size === 0) s.timer.unref();
      };
      p.then(
        (v) => {
          done();
          resolve(v);
        },
        () => {
          done();
          reject(unavailable());
        },
      );
    });
  }

  // A record's ciphertext is bound to its namespace, kind and token: a record moved onto another token, or relabelled
  // with another namespace or kind in the store, no longer authenticates. JSON keeps the three parts unambiguous.
  const aad = (namespace: string, kind: string | null, token: string): string => JSON.stringify([namespace, kind, token]);

  function record(value: string, kind: Kind | undefined, namespace: string, fp: string | null, now: number, ttl: number | undefined): TokenRecord {
    const token = newToken(formats.get(kind ?? '') ?? 'opaque', value);
    const { kid, data } = seal(ring, value, aad(namespace, kind ?? null, token), 'record');
    return {
      token,
      fingerprint: fp,
      erasure: fingerprint(ring, ring.active, 'erasure', value),
      namespace,
      kind: kind ?? null,
      kid,
      ciphertext: data,
      createdAt: now,
      expiresAt: ttl === undefined ? null : now + ttl,
    };
  }

  async function tokenizeMany(items: readonly TokenizeItem[], namespace = 'default'): Promise<string[]> {
    if (typeof namespace !== 'string' || namespace === '') throw new FieldguardError('ERR_INVALID_OPTIONS', 'a namespace is a non-empty string');
    const now = Date.now();
    // The same value and kind twice in one batch is one token.
    const unique = new Map<string, number>();
    const firsts: TokenizeItem[] = [];
    const slot = items.map((it) => {
      if (typeof it.value !== 'string') throw new FieldguardError('ERR_INVALID_OPTIONS', 'vault.tokenize() takes strings');
      const key = `${it.kind ?? ''}\0${it.value}`;
      let i = unique.get(key);
      if (i === undefined) {
        unique.set(key, (i = firsts.length));
        firsts.push(it);
      }
      return i;
    });
    const ttls = firsts.map((it) => (it.ttl !== undefined ? toMillis(it.ttl, 'ttl') : defaultTtl));
    const tokens: Array<string | null> = new Array<string | null>(firsts.length).fill(null);
    let pending = firsts.map((_, i) => i);
    // The fingerprints of each value, the active key's first; the others only when the cache does not answer.
    const fps: Array<string[] | undefined> = new Array<string[] | undefined>(firsts.length);
    const primary = (i: number): string => {
      const it = firsts[i]!;
      return (fps[i] ??= [fingerprint(ring, ring.active, 'fingerprint', namespace, it.kind ?? '', it.value)])[0]!;
    };
    // The generation the cache is valid for as this batch begins: its hits stand only if the store still has it
    // at a moment after that (read by the batch's own allocation, or by a fresh read when every value was a hit).
    const seen = cacheGeneration;
    // A generation read before this batch's allocation (never after it): what the allocation's answers may be cached under.
    let generation: string | undefined;
    // Values answered from the cache, not yet confirmed by a generation read after this batch began.
    let unconfirmed: number[] = [];
    // A confirming read issued early, while the batch's fingerprints are computed (see below).
    let early: Promise<string> | undefined;
    if (useCache) {
      if (!folds) {
        const reading = freshGeneration();
        // The fingerprints are computed while the store answers.
        for (const i of pending) primary(i);
        generation = await reading;
        adopt(generation);
      } else {
        // A batch whose first value is cached is most likely cached whole: the read that will confirm it is issued at
        // once (after the batch began, as freshGeneration() requires), and the other fingerprints are computed while
        // the store answers. When some value turns out not to be cached, the read was only a read.
        if (pending.length > 1 && cache.size > 0 && cacheGeneration !== undefined && cache.has(primary(pending[0]!))) {
          early = freshGeneration();
          early.catch(() => undefined);
        }
        for (const i of pending) primary(i);
      }
      if (cache.size > 0 && cacheGeneration !== undefined) {
        const hits: number[] = [];
        pending = pending.filter((i) => {
          const fp = primary(i);
          const hit = cache.get(fp);
          if (hit === undefined || (hit.expiresAt !== null && hit.expiresAt <= now)) return true;
          // Least recently used goes first: a value met again moves to the back.
          cache.delete(fp);
          cache.set(fp, hit);
          tokens[i] = hit.token;
          hits.push(i);
          return false;
        });
        if (folds) unconfirmed = hits;
      }
      if (unconfirmed.length > 0 && pending.length === 0) {
        // Only cached answers: one fresh read of the generation confirms them all, or sends them to the store.
        generation = await (early ?? freshGeneration());
        if (generation !== seen) {
          adopt(generation);
          for (const i of unconfirmed) tokens[i] = null;
          pending = unconfirmed;
        }
        unconfirmed = [];
      }
    }
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_RETRIES) throw unavailable();
      if (deterministic) {
        const batch: PendingValue[] = pending.map((i) => {
          const it = firsts[i]!;
          primary(i);
          const all = fps[i]!;
          for (let k = all.length; k < ring.ids.length; k++) all.push(fingerprint(ring, ring.ids[k]!, 'fingerprint', namespace, it.kind ?? '', it.value));
          return new PendingValue(all, record, it.value, it.kind, namespace, now, ttls[i]);
        });
        const got = await guarded((signal) => store.allocate(batch, now, signal));
        // A generation the store read atomically with this allocation is as good as one read before it.
        const at = useCache ? (got.generation ?? generation) : undefined;
        if (useCache && got.generation !== undefined) {
          folds = true;
          adopt(got.generation);
        }
        pending.forEach((i, j) => {
          const answer = got[j] ?? null;
          const token = (tokens[i] = answer === null || typeof answer === 'string' ? answer : answer.token);
          // A store that answers something else than a token broke its contract: fail closed, as for a store that throws.
          if (token !== null && (typeof token !== 'string' || token === '')) throw unavailable();
          if (token === null || at === undefined || at !== cacheGeneration) return;
          const mine = batch[j]!.made;
          // This vault's own record, or one the store found and said the expiry of; the generation must still be the
          // one read with or before this allocation (another batch may have seen a newer one meanwhile).
          const expiresAt = mine !== undefined && mine.token === token ? mine.expiresAt : typeof answer === 'object' && answer !== null ? answer.expiresAt : undefined;
          if (expiresAt === undefined) return;
          if (cache.size >= cacheSize) evictor.evict();
          cache.set(fps[i]![0]!, { token, expiresAt });
        });
        if (unconfirmed.length > 0) {
          // The cached answers of this batch hold only if this allocation saw the generation they were cached under.
          // (An allocation that read none, as during a rotation on PostgreSQL, is followed by a fresh read.)
          const confirmedBy = at ?? (await freshGeneration());
          if (at === undefined) adopt(confirmedBy);
          if (confirmedBy !== seen) {
            for (const i of unconfirmed) tokens[i] = null;
            pending = pending.concat(unconfirmed);
          }
          unconfirmed = [];
        }
      } else {
        const batch = pending.map((i) => record(firsts[i]!.value, firsts[i]!.kind, namespace, null, now, ttls[i]));
        const ok = await guarded((signal) => store.insert(batch, signal));
        pending.forEach((i, j) => (tokens[i] = ok[j] === true ? batch[j]!.token : null));
      }
      pending = pending.filter((i) => tokens[i] === null);
    }
    return slot.map((i) => tokens[i]!);
  }

  async function detokenizeMany(items: readonly DetokenizeItem[], opts: DetokenizeOptions & { readonly namespace: string }): Promise<Array<string | null>> {
    const namespace = opts?.namespace;
    if (typeof namespace !== 'string' || namespace === '') throw new FieldguardError('ERR_INVALID_OPTIONS', 'vault.detokenizeMany() needs a namespace: a non-empty string');
    if (!Array.isArray(items)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'vault.detokenizeMany() takes an array of { token, kind? }');
    const base = {
      actor: String(opts.actor ?? 'unknown'),
      purpose: String(opts.purpose ?? 'unspecified'),
      paths: [...(opts.paths ?? [])],
      kinds: [...(opts.kinds ?? [])],
      count: items.length,
      action: 'detokenize' as const,
    };
    // Only strings go to the store; anything else is unresolved without a look-up.
    const asked = items.map((it) => (it !== null && typeof it === 'object' && typeof it.token === 'string' ? it.token : null));
    const lookup = asked.filter((t): t is string => t !== null);
    let found: Array<TokenRecord | null>;
    try {
      found = lookup.length === 0 ? [] : await guarded((signal) => store.get(lookup, Date.now(), signal));
    } catch (e) {
      emitAudit(sink, { at: new Date().toISOString(), ...base, outcome: 'error' });
      throw e;
    }
    let next = 0;
    const values = items.map((it, i): string | null => {
      const token = asked[i];
      if (token === null || token === undefined) return null;
      const r = found[next++] ?? null;
      if (r === null || r.namespace !== namespace) return null;
      const want = it.kind !== undefined ? it.kind : opts.kind;
      if (want !== undefined && r.kind !== want) return null;
      // The requested namespace, not only the stored one, is in the associated data: the scope is checked by the key too.
      return open(ring, r.kid, r.ciphertext, aad(namespace, r.kind, token), 'record') ?? null;
    });
    const resolved = values.filter((v) => v !== null).length;
    const outcome = resolved === items.length ? 'resolved' : resolved === 0 ? 'unresolved' : 'partial';
    emitAudit(sink, { at: new Date().toISOString(), ...base, outcome });
    return values;
  }

  return {
    keys: ring,
    tokenizeMany,
    tokenize(values, opts = {}) {
      return tokenizeMany(
        values.map((value) => ({ value, kind: opts.kind, ttl: opts.ttl })),
        opts.namespace,
      );
    },
    detokenizeMany,
    detokenize(tokens, opts) {
      if (!Array.isArray(tokens)) return Promise.reject(new FieldguardError('ERR_INVALID_OPTIONS', 'vault.detokenize() takes an array of tokens'));
      return detokenizeMany(
        tokens.map((token) => ({ token })),
        { ...opts, namespace: opts?.namespace ?? 'default' },
      );
    },
    async forget(value, opts = {}) {
      const erasures = ring.ids.map((kid) => fingerprint(ring, kid, 'erasure', value));
      // This instance forgets at once; every other one at its next batch, through the store's generation.
      clearCache();
      cacheGeneration = undefined;
      try {
        return await guarded((signal) => store.forget(erasures, opts.namespace, signal));
      } finally {
        clearCache();
        cacheGeneration = undefined;
      }
    },
    purgeExpired() {
      return guarded((signal) => store.purgeExpired(Date.now(), signal));
    },
    async rotate(opts = {}) {
      const batchSize = opts.batchSize ?? 500;
      let cursor: string | null = null;
      let rotated = 0;
      let scanned = 0;
      do {
        const page: { records: TokenRecord[]; cursor: string | null } = await guarded((signal) => store.scan(cursor, batchSize, signal));
        scanned += page.records.length;
        const updates: RekeyUpdate[] = [];
        for (const r of page.records) {
          if (r.kid === ring.active) continue;
          const value = open(ring, r.kid, r.ciphertext, aad(r.namespace, r.kind, r.token), 'record');
          // A record under a key the ring no longer holds cannot be rotated; it stays as it is.
          if (value === undefined) continue;
          const { kid, data } = seal(ring, value, aad(r.namespace, r.kind, r.token), 'record');
          updates.push({
            token: r.token,
            kid,
            ciphertext: data,
            fingerprint: r.fingerprint === null ? null : fingerprint(ring, ring.active, 'fingerprint', r.namespace, r.kind ?? '', value),
            erasure: fingerprint(ring, ring.active, 'erasure', value),
          });
        }
        if (updates.length > 0) await guarded((signal) => store.rekey(updates, signal));
        rotated += updates.length;
        cursor = page.cursor;
      } while (cursor !== null);
      return { rotated, scanned };
    },
    audit(event) {
      emitAudit(sink, event);
    },
    async close() {
      await store.close?.();
    },
  };
}
