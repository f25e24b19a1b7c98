// Attack 7: the per-request rewrite (bound methods, shared log accessors, PendingValue class instances).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createVault, keyRing, memoryStore, type AllocateItem, type VaultStore } from '../../src/vault/index.js';
import { canaries, findLeaks } from './canaries.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });

describe('attack 7: what a vault store is handed', () => {
  // docs/vault.md: "The store never holds a value in clear". A store (VaultStore is documented as the interface to
  // implement "to plug in another database") that serializes, clones or logs the items it is handed must see only
  // fingerprints and the sealed record. Since 848b910 every AllocateItem is a PendingValue whose TypeScript-`private`
  // fields (value, kind, namespace, build...) are ordinary own enumerable properties: the value in clear.
  it('an AllocateItem serialized, cloned, spread or inspected by the store carries no value in clear', async () => {
    const c = canaries();
    const inner = memoryStore();
    const seen: Record<string, string> = {};
    let n = 0;
    const store: VaultStore = {
      ...inner,
      async allocate(items: readonly AllocateItem[], now: number, signal?: AbortSignal) {
        const k = n++;
        // What a document-database or HTTP-backed store, a worker-thread store or a debug log line would do with them.
        seen[`json#${k}`] = JSON.stringify(items);
        seen[`inspect#${k}`] = inspect(items, { depth: 5, getters: false });
        seen[`spread#${k}`] = JSON.stringify(items.map((i) => ({ ...i })));
        seen[`values#${k}`] = String(items.map((i) => Object.values(i)).flat(2));
        seen[`keys#${k}`] = items.map((i) => Object.keys(i).join(',')).join(';');
        return inner.allocate(items, now, signal);
      },
    };
    const vault = createVault({ store, keys });
    const tokens = await vault.tokenizeMany(
      [
        { value: c.email, kind: 'email' },
        { value: c.card, kind: 'cardNumber' },
        { value: c.ssn, kind: 'ssn' },
        { value: c.name },
      ],
      'crm',
    );
    expect(tokens).toHaveLength(4);
    for (const t of tokens) expect(t).not.toContain(c.email);
    expect(Object.keys(seen).length).toBeGreaterThan(0);
    expect(findLeaks(seen, c), JSON.stringify(seen).slice(0, 1500)).toEqual([]);
    await vault.close();
  });
});
