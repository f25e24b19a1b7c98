// memoryStore: a VaultStore in process memory, for tests and single-process tools. Not durable.
import { isLive, type AllocateItem, type RekeyUpdate, type TokenRecord, type VaultStore } from './store.js';

/**
 * A vault store in memory. Atomic by construction (one process, no awaits inside an operation).
 * Use `sqliteStore` for durability on one machine, `postgresStore` or `redisStore` for fleets.
 *
 * @example
 * ```ts
 * const vault = createVault({ store: memoryStore(), keys });
 * ```
 */
export function memoryStore(): VaultStore {
  const byToken = new Map<string, TokenRecord>();
  const byFingerprint = new Map<string, string>();
  // Most values have one token: a set is made only for a value's second one.
  const byErasure = new Map<string, string | Set<string>>();
  const tokensOf = (erasure: string): string[] => {
    const e = byErasure.get(erasure);
    return e === undefined ? [] : typeof e === 'string' ? [e] : [...e];
  };

  const remove = (token: string): void => {
    const r = byToken.get(token);
    if (r === undefined) return;
    byToken.delete(token);
    if (r.fingerprint !== null && byFingerprint.get(r.fingerprint) === token) byFingerprint.delete(r.fingerprint);
    const e = byErasure.get(r.erasure);
    if (e === token) byErasure.delete(r.erasure);
    else if (typeof e === 'object') e.delete(token);
  };
  const add = (r: TokenRecord): void => {
    byToken.set(r.token, r);
    if (r.fingerprint !== null) byFingerprint.set(r.fingerprint, r.token);
    const e = byErasure.get(r.erasure);
    if (e === undefined) byErasure.set(r.erasure, r.token);
    else if (typeof e === 'string') byErasure.set(r.erasure, new Set([e, r.token]));
    else e.add(r.token);
  };

  return {
    async allocate(items: readonly AllocateItem[], now: number) {
      return items.map((item) => {
        for (const fp of item.fingerprints) {
          const token = byFingerprint.get(fp);
          const found = token === undefined ? undefined : byToken.get(token);
          if (found !== undefined && isLive(found, now)) return found.token;
          if (found !== undefined) remove(found.token);
        }
        const record = item.record;
        if (byToken.has(record.token)) return null;
        add(record);
        return record.token;
      });
    },
    async insert(records) {
      return records.map((r) => {
        if (byToken.has(r.token)) return false;
        add(r);
        return true;
      });
    },
    async get(tokens, now) {
      return tokens.map((t) => {
        const r = byToken.get(t);
        return r !== undefined && isLive(r, now) ? r : null;
      });
    },
    async forget(erasures, namespace) {
      let n = 0;
      for (const e of erasures) {
        for (const token of tokensOf(e)) {
          if (namespace === undefined || byToken.get(token)?.namespace === namespace) {
            remove(token);
            n++;
          }
        }
      }
      return n;
    },
    async purgeExpired(now) {
      let n = 0;
      for (const r of [...byToken.values()]) {
        if (!isLive(r, now)) {
          remove(r.token);
          n++;
        }
      }
      return n;
    },
    async scan(cursor, limit) {
      const all = [...byToken.keys()].sort();
      const start = cursor === null ? 0 : all.findIndex((t) => t > cursor);
      if (start < 0) return { records: [], cursor: null };
      const page = all.slice(start, start + limit);
      const records = page.map((t) => byToken.get(t)!);
      return { records, cursor: start + limit >= all.length ? null : page[page.length - 1]! };
    },
    async rekey(updates: readonly RekeyUpdate[]) {
      for (const u of updates) {
        const r = byToken.get(u.token);
        if (r === undefined) continue;
        remove(u.token);
        add({ ...r, kid: u.kid, ciphertext: u.ciphertext, fingerprint: u.fingerprint, erasure: u.erasure });
      }
    },
  };
}
