// Properties of the vault across stores: detokenize(tokenize(v)) = v for any string, and opaque tokens hide the length.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createVault, keyRing, memoryStore, redisStore, sqliteStore, type VaultStore } from '../../src/vault/index.js';
import { redisClient, redisUrl } from '../helpers/redis.js';
import type { Redis } from 'ioredis';

const dir = mkdtempSync(join(tmpdir(), 'fieldguard-prop-'));
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) {
    const left = await c.keys(`fg-prop:${process.pid}:*`);
    if (left.length > 0) await c.del(...left);
    c.disconnect();
  }
  rmSync(dir, { recursive: true, force: true });
});

const stores: Array<[string, () => VaultStore]> = [
  ['memory', () => memoryStore()],
  ['sqlite', () => sqliteStore(join(dir, 'p.db'))],
];
const url = redisUrl();
if (url !== undefined) {
  stores.push([
    'redis',
    () => {
      const c = redisClient(url);
      clients.push(c);
      return redisStore(c, { prefix: `fg-prop:${process.pid}:` });
    },
  ]);
}

describe.each(stores)('%s store', (_name, make) => {
  const vault = createVault({ store: make(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 3).toString('base64') } }), audit: () => undefined });

  it('detokenizes every tokenized string back, Unicode included, and opaque tokens all have one length', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { minLength: 1, maxLength: 20 }), fc.constantFrom('a', 'b'), async (values, namespace) => {
        const tokens = await vault.tokenize(values, { namespace });
        for (const t of tokens) expect(t).toMatch(/^tok_[A-Za-z0-9]{22}$/);
        expect(await vault.detokenize(tokens, { actor: 'p', purpose: 'property', namespace })).toEqual(values);
        // Scoped: the other namespace resolves none of them.
        const other = namespace === 'a' ? 'b' : 'a';
        expect(await vault.detokenize(tokens, { actor: 'p', purpose: 'property', namespace: other })).toEqual(values.map(() => null));
      }),
      { numRuns: 60 },
    );
  });
});
