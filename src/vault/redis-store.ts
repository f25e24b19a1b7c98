// redisStore: a VaultStore in Redis (ioredis), for fleets of instances sharing one vault; each batch is one atomic Lua script.
import { createHash, randomBytes } from 'node:crypto';
import { FieldguardError } from '../errors.js';
import { pause, type Allocation, type FoundToken, type TokenRecord, type VaultStore } from './store.js';

/** The part of an ioredis client the store uses. */
export interface RedisClientLike {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  /** `GET`: reads the erasure generation without a script where the client has it. */
  get?(key: string): Promise<string | null>;
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  /** `INFO <section>`: needed unless `compactAfterForget` is false. */
  info?(...sections: string[]): Promise<string>;
  /** `BGREWRITEAOF`: needed unless `compactAfterForget` is false. */
  bgrewriteaof?(): Promise<unknown>;
  /** `BGSAVE SCHEDULE`: needed unless `compactAfterForget` is false. */
  bgsave?(schedule: 'SCHEDULE'): Promise<unknown>;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key. Default `fieldguard:`. */
  readonly prefix?: string;
  /**
   * After a `forget()` that erased something, rewrite Redis's persistence so the erased records leave
   * the disk too: `BGREWRITEAOF` when AOF is on, and `BGSAVE SCHEDULE` when the server has written an
   * RDB snapshot since it started. Nothing is written on a server that persists nothing. Default
   * `true`; set `false` when an operator compacts on a schedule of their own (see docs/vault.md).
   */
  readonly compactAfterForget?: boolean;
}

// Keys: <p>t:<token> → record JSON, <p>f:<fingerprint> → token, <p>e:<erasure> → sorted set of the value's tokens,
// each scored with its record's expiry (ms since the epoch, the vault's clock; +inf for none).
// Records and fingerprints carry a Redis expiry; an erasure set expires with its longest-lived member, and the
// members of shorter-lived records leave when their set is next written, and at purgeExpired().
const LIB = `
local p = KEYS[1]
-- Deletes one token's record, its fingerprint pointer (when it still points here) and its erasure-set member.
local function drop(ek, tok)
  local key = p .. 't:' .. tok
  local rec = redis.call('GET', key)
  if rec then
    local r = cjson.decode(rec)
    if r.fingerprint ~= cjson.null and r.fingerprint then
      local fk = p .. 'f:' .. r.fingerprint
      if redis.call('GET', fk) == tok then redis.call('DEL', fk) end
    end
    redis.call('DEL', key)
  end
  redis.call('ZREM', ek, tok)
end
-- Drops the members of an erasure set whose records expired, and lets the set expire with its longest-lived member.
local function tidy(ek, now)
  local n = 0
  for _, tok in ipairs(redis.call('ZRANGEBYSCORE', ek, '-inf', now)) do
    drop(ek, tok)
    n = n + 1
  end
  local top = redis.call('ZRANGE', ek, -1, -1, 'WITHSCORES')
  if #top > 0 then
    if top[2] == 'inf' then redis.call('PERSIST', ek) else redis.call('PEXPIRE', ek, math.max(1, tonumber(top[2]) - now)) end
  end
  return n
end
`;

// One script per batch: look-up and allocation together, so a batch of new values is one round trip. Per new value:
// the token's record with SET NX (a taken token answers '' and the vault retries it), its fingerprint, and its
// erasure set; a set this value had not got yet needs no tidying, only its expiry.
const ALLOCATE = `${LIB}
local n = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
-- The erasure generation, read in the same script (made afresh when missing, as GENERATION does): the vault then
-- needs no round trip of its own for it.
local gk = p .. 'g:erasures'
local gen = redis.call('GET', gk)
if not gen then
  gen = ARGV[3]
  redis.call('SET', gk, gen)
end
local i = 4
local out = {}
for item = 1, n do
  local nf = tonumber(ARGV[i]); i = i + 1
  local found = false
  for f = 0, nf - 1 do
    if not found then
      local tok = redis.call('GET', p .. 'f:' .. ARGV[i + f])
      if tok then
        local rec = redis.call('GET', p .. 't:' .. tok)
        if rec then
          -- The token with its record's expiry, so the vault can cache it; a JSON string holds a quote only as \",
          -- so this key can only be the record's own.
          local exp = string.match(rec, '"expiresAt":(%-?[%d%.eE%+]+)')
          if exp then found = { tok, exp } elseif string.find(rec, '"expiresAt":null', 1, true) then found = { tok, '' } else found = tok end
        end
      end
    end
  end
  i = i + nf
  local token, rec, fp, er, ttl, score = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]
  i = i + 6
  if found then
    out[item] = found
  else
    local ok
    if ttl > 0 then ok = redis.call('SET', p .. 't:' .. token, rec, 'NX', 'PX', ttl) else ok = redis.call('SET', p .. 't:' .. token, rec, 'NX') end
    if not ok then
      out[item] = ''
    else
      if fp ~= '' then
        if ttl > 0 then redis.call('SET', p .. 'f:' .. fp, token, 'PX', ttl) else redis.call('SET', p .. 'f:' .. fp, token) end
      end
      local ek = p .. 'e:' .. er
      redis.call('ZADD', ek, score, token)
      if redis.call('ZCARD', ek) == 1 then
        if ttl > 0 then redis.call('PEXPIRE', ek, ttl) end
      else
        tidy(ek, now)
      end
      out[item] = token
    end
  end
end
out[n + 1] = gen
return out
`;

const FORGET = `${LIB}
local ns = ARGV[1]
local now = tonumber(ARGV[2])
redis.call('SET', p .. 'g:erasures', ARGV[3])
local n = 0
for i = 4, #ARGV do
  local ek = p .. 'e:' .. ARGV[i]
  for _, tok in ipairs(redis.call('ZRANGE', ek, 0, -1)) do
    local rec = redis.call('GET', p .. 't:' .. tok)
    if rec then
      if ns == '' or cjson.decode(rec).namespace == ns then
        drop(ek, tok)
        n = n + 1
      end
    else
      redis.call('ZREM', ek, tok)
    end
  end
  tidy(ek, now)
end
return n
`;

// The erasure generation: random, replaced by every FORGET, and made afresh when the key is missing (a new or
// flushed server), so it never comes back to a value a vault cached tokens under.
const GENERATION = `
local k = KEYS[1] .. 'g:erasures'
local g = redis.call('GET', k)
if not g then
  g = ARGV[1]
  redis.call('SET', k, g)
end
return g
`;

const PURGE = `${LIB}
local now = tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do
  local ek = ARGV[i]
  if string.sub(ek, 1, #p + 2) == p .. 'e:' and redis.call('TYPE', ek).ok == 'zset' then n = n + tidy(ek, now) end
end
return n
`;

const REKEY = `${LIB}
local now = tonumber(ARGV[1])
for i = 2, #ARGV, 5 do
  local key = p .. 't:' .. ARGV[i]
  local rec = redis.call('GET', key)
  if rec then
    local r = cjson.decode(rec)
    local ttl = redis.call('PTTL', key)
    if r.fingerprint ~= cjson.null and r.fingerprint then redis.call('DEL', p .. 'f:' .. r.fingerprint) end
    local old = p .. 'e:' .. r.erasure
    local score = redis.call('ZSCORE', old, ARGV[i]) or '+inf'
    redis.call('ZREM', old, ARGV[i])
    tidy(old, now)
    r.kid = ARGV[i + 1]
    r.ciphertext = ARGV[i + 2]
    if ARGV[i + 3] == '' then r.fingerprint = cjson.null else r.fingerprint = ARGV[i + 3] end
    r.erasure = ARGV[i + 4]
    local json = cjson.encode(r)
    if ttl > 0 then redis.call('SET', key, json, 'PX', ttl) else redis.call('SET', key, json) end
    if ARGV[i + 3] ~= '' then
      if ttl > 0 then redis.call('SET', p .. 'f:' .. ARGV[i + 3], ARGV[i], 'PX', ttl) else redis.call('SET', p .. 'f:' .. ARGV[i + 3], ARGV[i]) end
    end
    local ek = p .. 'e:' .. ARGV[i + 4]
    redis.call('ZADD', ek, score, ARGV[i])
    tidy(ek, now)
  end
end
return 1
`;

const SHA = new Map<string, string>();
/** A script's SHA1, computed once per script. */
const sha = (s: string): string => {
  let h = SHA.get(s);
  if (h === undefined) SHA.set(s, (h = createHash('sha1').update(s).digest('hex')));
  return h;
};
/** A prefix as a literal part of a SCAN pattern. */
const glob = (s: string): string => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
const score = (r: TokenRecord): string => (r.expiresAt === null ? '+inf' : String(r.expiresAt));

/**
 * A vault store in Redis through an ioredis client (an optional peer dependency), for several
 * service instances sharing one vault. Each batch runs as one Lua script, so deterministic
 * allocation is atomic across instances. Expiring tokens carry a Redis expiry, and so does each
 * value's erasure set. Use a single Redis (or a primary), not a cluster: a batch touches keys of
 * many slots, and a cluster client is refused. Run it with AOF (`appendonly yes`): see docs/vault.md.
 *
 * @throws FieldguardError `ERR_INVALID_OPTIONS` for something else than an ioredis client, a
 *   Redis Cluster client, or a
 *   client without `info`, `bgrewriteaof` and `bgsave` while `compactAfterForget` is on.
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * const vault = createVault({ store: redisStore(new Redis(process.env.REDIS_URL!)), keys });
 * ```
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): VaultStore {
  if (client === null || typeof client !== 'object' || typeof client.evalsha !== 'function') {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'redisStore() takes an ioredis client: redisStore(new Redis(url))');
  }
  // A batch is one script over the records, fingerprints and erasure sets of many values, which a cluster spreads over
  // all its slots; and SCAN (purge, rotation) walks one node only. Refused rather than half working.
  if ((client as { isCluster?: unknown }).isCluster === true) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'redisStore() does not run on a Redis Cluster: pass a client of a single Redis or a primary, or use postgresStore() for a fleet');
  }
  const p = options.prefix ?? 'fieldguard:';
  const compact = options.compactAfterForget ?? true;
  if (compact && (typeof client.info !== 'function' || typeof client.bgrewriteaof !== 'function' || typeof client.bgsave !== 'function')) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'redisStore(): the client has no info(), bgrewriteaof() or bgsave(); pass an ioredis client, or compactAfterForget: false and compact Redis persistence yourself');
  }
  // A compaction that failed is owed: the next forget() starts it even when it erased nothing itself.
  let owed = false;
  const run = async (script: string, args: Array<string | number>): Promise<unknown> => {
    try {
      return await client.evalsha(sha(script), 1, p, ...args);
    } catch (e) {
      if (e instanceof Error && e.message.includes('NOSCRIPT')) return client.eval(script, 1, p, ...args);
      throw e;
    }
  };
  const parse = (json: string | null, now: number): TokenRecord | null => {
    if (json === null) return null;
    const r = JSON.parse(json) as TokenRecord;
    return r.expiresAt === null || r.expiresAt > now ? r : null;
  };
  /**
   * Starts the rewrite of whatever Redis persists, so erased records leave its files as well. A rewrite
   * or snapshot already running was forked before this erasure and still holds the records: wait
   * (asynchronously, until the vault's deadline) for it to end, then start a new one.
   */
  const compactPersistence = async (signal: AbortSignal | undefined): Promise<void> => {
    let aofDone = false;
    let rdbDone = false;
    for (;;) {
      if (signal?.aborted === true) throw new FieldguardError('ERR_VAULT_UNAVAILABLE', 'redisStore(): Redis persistence could not be compacted in time');
      const info = await client.info!('persistence');
      const field = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      const aof = field('aof_enabled') === '1';
      const rdb = Number(field('rdb_saves') ?? '0') > 0 || (field('rdb_last_bgsave_time_sec') ?? '-1') !== '-1';
      try {
        if (aof && !aofDone) {
          if (field('aof_rewrite_in_progress') === '1') throw new Error('in progress');
          await client.bgrewriteaof!();
          aofDone = true;
        }
        if (rdb && !rdbDone) {
          if (field('rdb_bgsave_in_progress') === '1') throw new Error('in progress');
          await client.bgsave!('SCHEDULE');
          rdbDone = true;
        }
        return;
      } catch (e) {
        if (!(e instanceof Error) || !e.message.includes('in progress')) throw e;
        await pause(50, signal);
      }
    }
  };
  const allocateArgs = (items: ReadonlyArray<{ fingerprints: readonly string[]; record: TokenRecord }>, now: number): Array<string | number> => {
    const args: Array<string | number> = [items.length, now, randomBytes(16).toString('hex')];
    for (const { fingerprints, record } of items) {
      args.push(fingerprints.length, ...fingerprints);
      const ttl = record.expiresAt === null ? 0 : Math.max(1, record.expiresAt - now);
      args.push(record.token, JSON.stringify(record), record.fingerprint ?? '', record.erasure, ttl, score(record));
    }
    return args;
  };
  return {
    async allocate(items, now) {
      if (items.length === 0) return [];
      // One round trip: the script looks each value up and allocates the missing ones atomically, so every item's
      // record is built beforehand (values this vault has cached never reach the store).
      const got = (await run(ALLOCATE, allocateArgs(items, now))) as Array<string | [string, string]>;
      const out: Allocation = new Array<string | FoundToken | null>(items.length);
      for (let j = 0; j < items.length; j++) {
        const t = got[j];
        if (t === '' || t === undefined) out[j] = null;
        else if (typeof t === 'string') out[j] = t;
        else {
          // An expiry that does not read as a number leaves the token uncached rather than cached for ever.
          const expiresAt = t[1] === '' ? null : Number(t[1]);
          out[j] = expiresAt === null || Number.isFinite(expiresAt) ? { token: t[0], expiresAt } : t[0];
        }
      }
      out.generation = String(got[items.length]);
      return out;
    },
    async insert(records) {
      const out = (await run(ALLOCATE, allocateArgs(records.map((record) => ({ fingerprints: [], record })), Date.now()))) as string[];
      return out.slice(0, records.length).map((t) => t !== '');
    },
    async get(tokens, now) {
      if (tokens.length === 0) return [];
      const rows = await client.mget(...tokens.map((t) => `${p}t:${t}`));
      return rows.map((r) => parse(r, now));
    },
    async forget(erasures, namespace, signal) {
      const n = Number(await run(FORGET, [namespace ?? '', Date.now(), randomBytes(16).toString('hex'), ...erasures]));
      if (compact && (n > 0 || owed)) {
        owed = true;
        await compactPersistence(signal);
        owed = false;
      }
      return n;
    },
    async generation() {
      // A plain GET where the client has it (cheaper than a script); the script only to make a missing generation.
      if (typeof client.get === 'function') {
        const g = await client.get(`${p}g:erasures`);
        if (g !== null) return g;
      }
      return String(await run(GENERATION, [randomBytes(16).toString('hex')]));
    },
    async purgeExpired(now) {
      // Redis drops expired records itself; what it cannot know is which erasure-set members belonged to them.
      let n = 0;
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${glob(p)}e:*`, 'COUNT', 500);
        if (keys.length > 0) n += Number(await run(PURGE, [now, ...keys]));
        cursor = next;
      } while (cursor !== '0');
      return n;
    },
    async scan(cursor, limit) {
      const [next, keys] = await client.scan(cursor ?? '0', 'MATCH', `${glob(p)}t:*`, 'COUNT', limit);
      const rows = keys.length === 0 ? [] : await client.mget(...keys);
      const records = rows.map((r) => parse(r, 0)).filter((r): r is TokenRecord => r !== null);
      return { records, cursor: next === '0' ? null : next };
    },
    async rekey(updates) {
      const args: Array<string | number> = [Date.now()];
      for (const u of updates) args.push(u.token, u.kid, u.ciphertext, u.fingerprint ?? '', u.erasure);
      await run(REKEY, args);
    },
  };
}
