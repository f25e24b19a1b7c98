// Redis erasure sets: they expire with their longest-lived record, their members leave with their records, and purgeExpired removes what expiry left.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, keyRing, redisStore, type Vault } from '../../src/vault/index.js';
import { redisClient, redisUrl } from '../helpers/redis.js';

const url = redisUrl();
const keys = keyRing({ keys: { k1: Buffer.alloc(32, 8).toString('base64') } });
const who = { actor: 't', purpose: 'test' } as const;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(url === undefined)('redisStore erasure sets', () => {
  let client: Redis;
  let n = 0;
  const clients: Redis[] = [];
  beforeAll(() => {
    client = redisClient(url!);
    clients.push(client);
  });
  afterAll(async () => {
    const left = await client.keys(`fg-erasure:${process.pid}:*`);
    if (left.length > 0) await client.del(...left);
    for (const c of clients) c.disconnect();
  });
  const fresh = (ttl?: number): { vault: Vault; prefix: string } => {
    const prefix = `fg-erasure:${process.pid}:${n++}:`;
    return { vault: createVault({ store: redisStore(client, { prefix }), keys, audit: () => undefined, ...(ttl === undefined ? {} : { ttl }) }), prefix };
  };
  /**
   * Every key under the prefix with its Redis expiry and its content (string value or sorted-set members), but
   * the erasure generation `g:erasures` (a random value, no record's).
   */
  const dump = async (prefix: string): Promise<Array<{ key: string; pttl: number; content: string }>> => {
    const found = (await client.keys(`${prefix}*`)).filter((k) => k !== `${prefix}g:erasures`).sort();
    return Promise.all(
      found.map(async (key) => ({
        key,
        pttl: await client.pttl(key),
        content: (await client.type(key)) === 'zset' ? (await client.zrange(key, 0, -1)).join(',') : ((await client.get(key)) ?? ''),
      })),
    );
  };

  it('an erasure set whose records all expire carries an expiry no later than theirs', async () => {
    const { vault, prefix } = fresh(60_000);
    await vault.tokenize(['expiring@example.com'], { kind: 'email', namespace: 'a' });
    await vault.tokenize(['expiring@example.com'], { kind: 'email', namespace: 'b', ttl: 30_000 });
    const keysNow = await dump(prefix);
    expect(keysNow.map((k) => k.key.slice(prefix.length, prefix.length + 2)).sort()).toEqual(['e:', 'f:', 'f:', 't:', 't:']);
    const set = keysNow.find((k) => k.key.startsWith(`${prefix}e:`))!;
    expect(set.pttl).toBeGreaterThan(30_000);
    expect(set.pttl).toBeLessThanOrEqual(60_000);
    const longest = Math.max(...keysNow.filter((k) => k.key.startsWith(`${prefix}t:`)).map((k) => k.pttl));
    expect(set.pttl).toBeLessThanOrEqual(longest + 5);
    // One record without expiry makes the set persistent again.
    await vault.tokenize(['expiring@example.com'], { kind: 'email', namespace: 'c', ttl: 'P9999Y' });
    const forever = fresh();
    await forever.vault.tokenize(['forever@example.com']);
    expect((await dump(forever.prefix)).find((k) => k.key.startsWith(`${forever.prefix}e:`))!.pttl).toBe(-1);
  });

  it('with no purge at all, everything of a value whose records expired leaves Redis', async () => {
    const { vault, prefix } = fresh(40);
    await vault.tokenize(['gone@example.com', 'also-gone']);
    expect((await dump(prefix)).length).toBe(6);
    await sleep(80);
    expect(await dump(prefix)).toEqual([]);
  });

  it('purgeExpired removes the expired members a longer-lived record kept in the set, with their records and fingerprints', async () => {
    const { vault, prefix } = fresh();
    const [kept] = await vault.tokenize(['shared@example.com'], { namespace: 'kept' });
    const [short] = await vault.tokenize(['shared@example.com'], { namespace: 'short', ttl: 40 });
    const random = createVault({ store: redisStore(client, { prefix }), keys, audit: () => undefined, deterministic: false });
    const [shortRandom] = await random.tokenize(['shared@example.com'], { namespace: 'short', ttl: 40 });
    await sleep(80);
    expect(await vault.purgeExpired()).toBe(2);
    const left = await dump(prefix);
    expect(left.map((k) => k.key.slice(prefix.length, prefix.length + 2))).toEqual(['e:', 'f:', 't:']);
    expect(left.find((k) => k.key.startsWith(`${prefix}e:`))!.content).toBe(kept);
    expect(JSON.stringify(left)).not.toContain(short!);
    expect(JSON.stringify(left)).not.toContain(shortRandom!);
    expect(await vault.purgeExpired()).toBe(0);
    expect(await vault.detokenize([kept!], { ...who, namespace: 'kept' })).toEqual(['shared@example.com']);
  });

  it('a new token of the value drops the expired members of its set at once', async () => {
    const { vault, prefix } = fresh();
    await vault.tokenize(['again@example.com'], { ttl: 40 });
    await sleep(80);
    const [next] = await vault.tokenize(['again@example.com'], { namespace: 'other' });
    const set = (await dump(prefix)).find((k) => k.key.startsWith(`${prefix}e:`))!;
    expect(set.content).toBe(next);
    expect(await vault.purgeExpired()).toBe(0);
  });

  it('rotation moves a member to its new erasure set with its expiry, and forget still finds it', async () => {
    const { vault, prefix } = fresh();
    await vault.tokenize(['rotated@example.com'], { ttl: 60_000 });
    const k2 = keyRing({ keys: { k2: Buffer.alloc(32, 9).toString('base64'), k1: Buffer.alloc(32, 8).toString('base64') }, active: 'k2' });
    const rotating = createVault({ store: redisStore(client, { prefix }), keys: k2, audit: () => undefined });
    expect(await rotating.rotate()).toEqual({ rotated: 1, scanned: 1 });
    const sets = (await dump(prefix)).filter((k) => k.key.startsWith(`${prefix}e:`));
    expect(sets).toHaveLength(1);
    expect(sets[0]!.key.startsWith(`${prefix}e:k2.`)).toBe(true);
    expect(sets[0]!.pttl).toBeGreaterThan(0);
    expect(await rotating.forget('rotated@example.com')).toBe(1);
    expect(await dump(prefix)).toEqual([]);
  });

  it('refuses a client that cannot compact persistence unless compaction is left to the operator', () => {
    const bare = { eval: client.eval.bind(client), evalsha: client.evalsha.bind(client), mget: client.mget.bind(client), scan: client.scan.bind(client) } as never;
    expect(() => redisStore(bare)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }) as Error);
    expect(() => redisStore(bare, { compactAfterForget: false })).not.toThrow();
  });
});
