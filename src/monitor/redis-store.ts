// A monitor store in Redis, shared by a fleet: windows as hashes with atomic increments, distinct subjects as Redis HyperLogLogs, all expiring.
import type { MonitorStore, StoredSuspension, WindowTotals } from './store.js';
import { MAX_LEARNED } from './store.js';

/** The subset of an ioredis client the store uses. */
export interface RedisMonitorClient {
  multi(): RedisMulti;
  pipeline(): RedisMulti;
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<string | null>;
  hset(key: string, field: string, value: string): Promise<unknown>;
  hdel(key: string, field: string): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
  rpush(key: string, value: string): Promise<unknown>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
}

/** A queued ioredis transaction or pipeline. */
export interface RedisMulti {
  hincrby(key: string, field: string, n: number): RedisMulti;
  pfadd(key: string, ...elements: string[]): RedisMulti;
  pfcount(key: string): RedisMulti;
  pexpire(key: string, ms: number): RedisMulti;
  hgetall(key: string): RedisMulti;
  sadd(key: string, member: string): RedisMulti;
  scard(key: string): RedisMulti;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** Options of {@link redisMonitorStore}. */
export interface RedisMonitorStoreOptions {
  /** Prefix of every key. Default `'fieldguard:monitor:'`; give each service (and each test) its own. */
  readonly prefix?: string;
}

function failed(results: Array<[Error | null, unknown]> | null): Array<[Error | null, unknown]> {
  if (results === null) throw new Error('the Redis transaction was aborted');
  for (const [e] of results) if (e !== null) throw e;
  return results;
}

/**
 * A {@link MonitorStore} in Redis, for fleets: every instance adds its counts to the same windows
 * (HINCRBY in a MULTI, so a spike spread over twenty pods is seen as one), distinct subjects go
 * into Redis' own HyperLogLog (PFADD of 32-bit hashes; the registers are all that is kept), every
 * window expires, alert ids are claimed with `SET NX` so the fleet raises each alert once,
 * suspensions live in one hash every instance reads, and honeytokens in one list (each entry
 * AES-256-GCM-sealed with the registry's keys when it has them), which each instance reads from
 * where it left off. The client is the app's (ioredis).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const monitor = createMonitor({ destinations, store: redisMonitorStore(new Redis(process.env.REDIS_URL), { prefix: 'orders:' }), onAlert });
 * ```
 */
export function redisMonitorStore(client: RedisMonitorClient, options: RedisMonitorStoreOptions = {}): MonitorStore {
  const prefix = options.prefix ?? 'fieldguard:monitor:';
  const countsKey = (d: string, w: number): string => `${prefix}w:${d}:${w}`;
  const sketchKey = (d: string, w: number): string => `${prefix}h:${d}:${w}`;
  const suspensionsKey = `${prefix}suspended`;
  const honeytokensKey = `${prefix}honeytokens`;
  return {
    async add(deltas, ttlMs) {
      if (deltas.length === 0) return;
      const m = client.multi();
      for (const d of deltas) {
        const ck = countsKey(d.destination, d.window);
        for (const [k, n] of Object.entries(d.counts)) if (n !== 0) m.hincrby(ck, k, n);
        m.pexpire(ck, ttlMs);
        if (d.subjects.length > 0) {
          const sk = sketchKey(d.destination, d.window);
          m.pfadd(sk, ...d.subjects.map((h) => h.toString(36)));
          m.pexpire(sk, ttlMs);
        }
      }
      failed(await m.exec());
    },
    async windows(destination, from, to) {
      const p = client.pipeline();
      for (let w = from; w <= to; w++) {
        p.hgetall(countsKey(destination, w));
        p.pfcount(sketchKey(destination, w));
      }
      const results = failed(await p.exec());
      const out: WindowTotals[] = [];
      for (let w = from, i = 0; w <= to; w++, i += 2) {
        const raw = results[i]![1] as Record<string, string>;
        const subjects = Number(results[i + 1]![1]);
        if (Object.keys(raw).length === 0 && subjects === 0) continue;
        out.push({ window: w, counts: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)])), subjects });
      }
      return out;
    },
    async learn(namespace, keys) {
      if (keys.length === 0) return [];
      const key = `${prefix}k:${namespace}`;
      const p = client.pipeline();
      p.scard(key);
      for (const k of keys) p.sadd(key, k);
      const results = failed(await p.exec());
      // Past the cap nothing more is learned, as in memory; the few added by a race are harmless.
      if (Number(results[0]![1]) >= MAX_LEARNED) return [];
      return keys.filter((_, i) => Number(results[i + 1]![1]) === 1);
    },
    async claim(id, ttlMs) {
      return (await client.set(`${prefix}a:${id}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async setSuspension(destination, state) {
      if (state === undefined) await client.hdel(suspensionsKey, destination);
      else await client.hset(suspensionsKey, destination, JSON.stringify(state));
    },
    async addHoneytoken(entry) {
      await client.rpush(honeytokensKey, entry);
    },
    async honeytokens(from) {
      return client.lrange(honeytokensKey, from, -1);
    },
    async suspensions() {
      const raw = await client.hgetall(suspensionsKey);
      const out: Record<string, StoredSuspension> = {};
      for (const [d, v] of Object.entries(raw)) {
        try {
          const s = JSON.parse(v) as StoredSuspension;
          if (typeof s.reason === 'string' && typeof s.at === 'string') out[d] = { reason: s.reason, at: s.at };
        } catch {
          // An unreadable entry is ignored rather than trusted.
        }
      }
      return out;
    },
  };
}
