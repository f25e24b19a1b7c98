// Per-ciphertext keys: every field ciphertext and vault record is sealed under its own HKDF-SHA256-derived AES-256-GCM key.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptField, encryptField, open } from '../../src/vault/crypto.js';
import { subkeys } from '../../src/vault/keys.js';
import { createVault, keyRing, memoryStore, type TokenRecord, type VaultStore } from '../../src/vault/index.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 1).toString('base64') } });
const silent = (): void => undefined;

/** The construction docs/vault.md describes, written out independently of src/vault/crypto.ts. */
function reference(purpose: 'record' | 'field', data: string, aad: string): string {
  const raw = Buffer.from(data, 'base64url');
  const okm = Buffer.from(hkdfSync('sha256', subkeys(keys, 'k1')!.encrypt, raw.subarray(1, 33), `fieldguard/v1/${purpose}-key`, 44));
  const d = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32, 44));
  d.setAAD(Buffer.concat([Buffer.of(1), Buffer.from(aad, 'utf8')]));
  d.setAuthTag(raw.subarray(33, 49));
  return Buffer.concat([d.update(raw.subarray(49)), d.final()]).toString('utf8');
}

describe('field ciphertexts, format 1', () => {
  it('are enc_<kid>_ + base64url(version 1 | 32-byte salt | tag | ciphertext) under a key derived from the salt', () => {
    const c = encryptField(keys, 'jane@example.com', 'email\0email');
    const m = /^enc_k1_([A-Za-z0-9_-]+)$/.exec(c);
    expect(m).not.toBeNull();
    const raw = Buffer.from(m![1]!, 'base64url');
    expect(raw[0]).toBe(1);
    expect(raw.length).toBe(1 + 32 + 16 + 'jane@example.com'.length);
    expect(reference('field', m![1]!, 'email\0email')).toBe('jane@example.com');
    expect(decryptField(keys, c, 'email\0email')).toBe('jane@example.com');
  });

  it('draw a fresh salt, so one plaintext never repeats a ciphertext, key or salt', () => {
    const salts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const raw = Buffer.from(encryptField(keys, 'same value', 'ctx').slice('enc_k1_'.length), 'base64url');
      salts.add(raw.subarray(1, 33).toString('hex'));
    }
    expect(salts.size).toBe(200);
  });

  it('do not open in another context, with a changed version byte, salt or tag, or as a record', () => {
    const c = encryptField(keys, 'jane@example.com', 'billing.email\0email');
    expect(decryptField(keys, c, 'shipping.email\0email')).toBeUndefined();
    const raw = Buffer.from(c.slice('enc_k1_'.length), 'base64url');
    for (const at of [0, 1, 32, 33, 48, 49]) {
      const bad = Buffer.from(raw);
      bad[at] = bad[at]! ^ 0x01;
      expect(decryptField(keys, `enc_k1_${bad.toString('base64url')}`, 'billing.email\0email')).toBeUndefined();
    }
    // The same context string under the record label derives another key.
    expect(open(keys, 'k1', c.slice('enc_k1_'.length), 'billing.email\0email', 'record')).toBeUndefined();
  });

  it('no longer read the unversioned 0.1 format (iv | tag | ciphertext under the subkey itself)', () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', subkeys(keys, 'k1')!.encrypt, iv);
    cipher.setAAD(Buffer.from('ctx', 'utf8'));
    const ct = Buffer.concat([cipher.update('legacy', 'utf8'), cipher.final()]);
    const legacy = `enc_k1_${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
    expect(decryptField(keys, legacy, 'ctx')).toBeUndefined();
  });
});

describe('vault records, format 1', () => {
  it('seal each value under its own key, bound to namespace, kind and token', async () => {
    const store = memoryStore();
    const vault = createVault({ store, keys, audit: silent, deterministic: false });
    const [a] = await vault.tokenize(['same@example.com'], { kind: 'email' });
    const [b] = await vault.tokenize(['same@example.com'], { kind: 'email' });
    const records = (await store.scan(null, 10)).records;
    expect(records).toHaveLength(2);
    for (const r of records) {
      const raw = Buffer.from(r.ciphertext, 'base64url');
      expect(raw[0]).toBe(1);
      expect(raw.length).toBe(1 + 32 + 16 + 'same@example.com'.length);
      expect(reference('record', r.ciphertext, JSON.stringify(['default', 'email', r.token]))).toBe('same@example.com');
    }
    expect(records[0]!.ciphertext.slice(0, 44)).not.toBe(records[1]!.ciphertext.slice(0, 44));
    expect(await vault.detokenize([a!, b!], { actor: 't', purpose: 'test' })).toEqual(['same@example.com', 'same@example.com']);
  });

  it('a record relabelled with another kind in the store does not authenticate', async () => {
    const inner = memoryStore();
    const vault = createVault({ store: inner, keys, audit: silent });
    const [t] = await vault.tokenize(['123-45-6789'], { kind: 'ssn' });
    const relabel = (r: TokenRecord | null): TokenRecord | null => (r === null ? null : { ...r, kind: 'email' });
    const tampered: VaultStore = { ...inner, get: async (tokens, now) => (await inner.get(tokens, now)).map(relabel) };
    const reader = createVault({ store: tampered, keys, audit: silent });
    expect(await reader.detokenizeMany([{ token: t!, kind: 'email' }], { actor: 't', purpose: 'test', namespace: 'default' })).toEqual([null]);
  });
});
