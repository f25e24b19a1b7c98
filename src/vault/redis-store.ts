// redisStore: a VaultStore in Redis (ioredis), for fleets of instances sharing one vault; each batch is one atomic Lua script.
import { createHash } from 'node:crypto';
import { FieldguardError } from '../errors.js';
import type { TokenRecord, VaultStore } from './store.js';

/** The part of an ioredis client the store uses. */
export interface RedisClientLike {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key. Default `fieldguard:`. */
  readonly prefix?: string;
}

// Keys: <p>t:<token> → record JSON, <p>f:<fingerprint> → token, <p>e:<erasure> → set of tokens.
// Expiring records carry a Redis expiry, so Redis drops them itself.
const ALLOCATE = `
local p = KEYS[1]
local n = tonumber(ARGV[1])
local i = 2
local out = {}
for item = 1, n do
  local nf = tonumber(ARGV[i]); i = i + 1
  local found = false
  for f = 0, nf - 1 do
    if not found then
      local tok = redis.call('GET', p .. 'f:' .. ARGV[i + f])
      if tok and redis.call('EXISTS', p .. 't:' .. tok) == 1 then found = tok end
    end
  end
  i = i + nf
  local token, rec, fp, er, ttl = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  i = i + 5
  if found then
    out[item] = found
  elseif redis.call('EXISTS', p .. 't:' .. token) == 1 then
    out[item] = ''
  else
    if ttl > 0 then redis.call('SET', p .. 't:' .. token, rec, 'PX', ttl) else redis.call('SET', p .. 't:' .. token, rec) end
    if fp ~= '' then
      if ttl > 0 then redis.call('SET', p .. 'f:' .. fp, token, 'PX', ttl) else redis.call('SET', p .. 'f:' .. fp, token) end
    end
    redis.call('SADD', p .. 'e:' .. er, token)
    out[item] = token
  end
end
return out
`;

const FORGET = `
local p = KEYS[1]
local ns = ARGV[1]
local n = 0
for i = 2, #ARGV do
  local set = p .. 'e:' .. ARGV[i]
  for _, tok in ipairs(redis.call('SMEMBERS', set)) do
    local rec = redis.call('GET', p .. 't:' .. tok)
    if rec then
      local r = cjson.decode(rec)
      if ns == '' or r.namespace == ns then
        redis.call('DEL', p .. 't:' .. tok)
        if r.fingerprint ~= cjson.null and r.fingerprint then redis.call('DEL', p .. 'f:' .. r.fingerprint) end
        redis.call('SREM', set, tok)
        n = n + 1
      end
    else
      redis.call('SREM', set, tok)
    end
  end
end
return n
`;

const REKEY = `
local p = KEYS[1]
for i = 1, #ARGV, 5 do
  local key = p .. 't:' .. ARGV[i]
  local rec = redis.call('GET', key)
  if rec then
    local r = cjson.decode(rec)
    local ttl = redis.call('PTTL', key)
    if r.fingerprint ~= cjson.null and r.fingerprint then redis.call('DEL', p .. 'f:' .. r.fingerprint) end
    redis.call('SREM', p .. 'e:' .. r.erasure, ARGV[i])
    r.kid = ARGV[i + 1]
    r.ciphertext = ARGV[i + 2]
    if ARGV[i + 3] == '' then r.fingerprint = cjson.null else r.fingerprint = ARGV[i + 3] end
    r.erasure = ARGV[i + 4]
    local json = cjson.encode(r)
    if ttl > 0 then redis.call('SET', key, json, 'PX', ttl) else redis.call('SET', key, json) end
    if ARGV[i + 3] ~= '' then
      if ttl > 0 then redis.call('SET', p .. 'f:' .. ARGV[i + 3], ARGV[i], 'PX', ttl) else redis.call('SET', p .. 'f:' .. ARGV[i + 3], ARGV[i]) end
    end
    redis.call('SADD', p .. 'e:' .. ARGV[i + 4], ARGV[i])
  end
end
return 1
`;

const sha = (s: string): string => createHash('sha1').update(s).digest('hex');

/**
 * A vault store in Redis through an ioredis client (an optional peer dependency), for several
 * service instances sharing one vault. Each batch runs as one Lua script, so deterministic
 * allocation is atomic across instances. Expiring tokens carry a Redis expiry. Use a single Redis
 * (or a primary), not a cluster: a batch touches keys of many slots.
 *
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
  const p = options.prefix ?? 'fieldguard:';
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
  return {
    async allocate(items, now) {
      const args: Array<string | number> = [items.length];
      for (const { fingerprints, record } of items) {
        args.push(fingerprints.length, ...fingerprints);
        const ttl = record.expiresAt === null ? 0 : Math.max(1, record.expiresAt - now);
        args.push(record.token, JSON.stringify(record), record.fingerprint ?? '', record.erasure, ttl);
      }
      const out = (await run(ALLOCATE, args)) as string[];
      return out.map((t) => (t === '' ? null : t));
    },
    async insert(records) {
      const now = Date.now();
      const args: Array<string | number> = [records.length];
      for (const r of records) {
        args.push(0, r.token, JSON.stringify(r), '', r.erasure, r.expiresAt === null ? 0 : Math.max(1, r.expiresAt - now));
      }
      const out = (await run(ALLOCATE, args)) as string[];
      return out.map((t) => t !== '');
    },
    async get(tokens, now) {
      if (tokens.length === 0) return [];
      const rows = await client.mget(...tokens.map((t) => `${p}t:${t}`));
      return rows.map((r) => parse(r, now));
    },
    async forget(erasures, namespace) {
      return Number(await run(FORGET, [namespace ?? '', ...erasures]));
    },
    async purgeExpired() {
      // Redis expires records itself.
      return 0;
    },
    async scan(cursor, limit) {
      const [next, keys] = await client.scan(cursor ?? '0', 'MATCH', `${p}t:*`, 'COUNT', limit);
      const rows = keys.length === 0 ? [] : await client.mget(...keys);
      const records = rows.map((r) => parse(r, 0)).filter((r): r is TokenRecord => r !== null);
      return { records, cursor: next === '0' ? null : next };
    },
    async rekey(updates) {
      const args: string[] = [];
      for (const u of updates) args.push(u.token, u.kid, u.ciphertext, u.fingerprint ?? '', u.erasure);
      await run(REKEY, args);
    },
  };
}
