// Per-ciphertext keys: every field ciphertext and vault record is sealed with XAES-256-GCM (format 2), a one-time
// AES-256-GCM key per ciphertext; format 1 (an HKDF-SHA256-derived key per ciphertext) stays readable.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decryptField, encryptField, fingerprint, hmacBase64url, hmacPseudonym, open, xaesSealForTest } from '../../src/vault/crypto.js';
import { subkeys } from '../../src/vault/keys.js';
import { createVault, keyRing, memoryStore, sqliteStore, type TokenRecord, type VaultStore } from '../../src/vault/index.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 1).toString('base64') } });
const silent = (): void => undefined;

/** One AES-256 block, independently of src/vault/crypto.ts. */
function aes(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return c.update(block);
}

/** XAES-256-GCM decryption as the C2SP specification writes it, independently of src/vault/crypto.ts. */
function xaesOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const l = aes(key, Buffer.alloc(16));
  const k1 = Buffer.alloc(16);
  let carry = 0;
  for (let i = 15; i >= 0; i--) {
    k1[i] = ((l[i]! << 1) | carry) & 0xff;
    carry = l[i]! >> 7;
  }
  if (carry === 1) k1[15] = k1[15]! ^ 0x87;
  const block = (i: number): Buffer => {
    const m = Buffer.concat([Buffer.of(0, i, 0x58, 0), nonce.subarray(0, 12)]);
    for (let j = 0; j < 16; j++) m[j] = m[j]! ^ k1[j]!;
    return aes(key, m);
  };
  const d = createDecipheriv('aes-256-gcm', Buffer.concat([block(1), block(2)]), nonce.subarray(12, 24));
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(0, 16));
  return Buffer.concat([d.update(sealed.subarray(16)), d.final()]);
}

/** The construction docs/vault.md describes (format 2), written out independently of src/vault/crypto.ts. */
function reference(purpose: 'record' | 'field', data: string, aad: string): string {
  const raw = Buffer.from(data, 'base64url');
  const key = Buffer.from(hkdfSync('sha256', subkeys(keys, 'k1')!.encrypt, Buffer.alloc(0), `fieldguard/v2/${purpose}-xaes`, 32));
  return xaesOpen(key, raw.subarray(1, 25), raw.subarray(25), Buffer.concat([Buffer.of(2), Buffer.from(aad, 'utf8')])).toString('utf8');
}

describe('XAES-256-GCM', () => {
  it('matches the C2SP specification\'s test vectors', () => {
    const nonce = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWX', 'latin1');
    const pt = Buffer.from('XAES-256-GCM', 'latin1');
    // The specification prints ciphertext | tag; the sealed bytes here are tag | ciphertext.
    const a = xaesSealForTest(Buffer.alloc(32, 1), nonce, pt, Buffer.alloc(0));
    expect(Buffer.concat([a.subarray(16), a.subarray(0, 16)]).toString('hex')).toBe('ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271');
    const b = xaesSealForTest(Buffer.alloc(32, 3), nonce, pt, Buffer.from('c2sp.org/XAES-256-GCM', 'latin1'));
    expect(Buffer.concat([b.subarray(16), b.subarray(0, 16)]).toString('hex')).toBe('986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d');
    expect(xaesOpen(Buffer.alloc(32, 1), nonce, a, Buffer.alloc(0)).toString('latin1')).toBe('XAES-256-GCM');
  });

  it('derives the K1 subkey right when the first block\'s top bit is set or clear', () => {
    // Many keys: about half have L's top bit set; each must round-trip through the independent reference.
    for (let i = 0; i < 64; i++) {
      const key = randomBytes(32);
      const nonce = randomBytes(24);
      const sealed = xaesSealForTest(key, nonce, Buffer.from(`v${i}`), Buffer.from('ctx'));
      expect(xaesOpen(key, nonce, sealed, Buffer.from('ctx')).toString()).toBe(`v${i}`);
    }
  });
});

describe('field ciphertexts, format 2', () => {
  it('are enc_<kid>_ + base64url(version 2 | 24-byte nonce | tag | ciphertext), XAES-256-GCM under the field key', () => {
    const c = encryptField(keys, 'jane@example.com', 'email\0email');
    const m = /^enc_k1_([A-Za-z0-9_-]+)$/.exec(c);
    expect(m).not.toBeNull();
    const raw = Buffer.from(m![1]!, 'base64url');
    expect(raw[0]).toBe(2);
    expect(raw.length).toBe(1 + 24 + 16 + 'jane@example.com'.length);
    expect(reference('field', m![1]!, 'email\0email')).toBe('jane@example.com');
    expect(decryptField(keys, c, 'email\0email')).toBe('jane@example.com');
  });

  it('draw a fresh nonce, so one plaintext never repeats a ciphertext or nonce', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const raw = Buffer.from(encryptField(keys, 'same value', 'ctx').slice('enc_k1_'.length), 'base64url');
      nonces.add(raw.subarray(1, 25).toString('hex'));
    }
    expect(nonces.size).toBe(2000);
  });

  it('do not open in another context, with a changed version byte, nonce or tag, or as a record', () => {
    const c = encryptField(keys, 'jane@example.com', 'billing.email\0email');
    expect(decryptField(keys, c, 'shipping.email\0email')).toBeUndefined();
    const raw = Buffer.from(c.slice('enc_k1_'.length), 'base64url');
    for (const at of [0, 1, 12, 13, 24, 25, 40, 41]) {
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

describe('vault records, format 2', () => {
  it('seal each value under its own key, bound to namespace, kind and token', async () => {
    const store = memoryStore();
    const vault = createVault({ store, keys, audit: silent, deterministic: false });
    const [a] = await vault.tokenize(['same@example.com'], { kind: 'email' });
    const [b] = await vault.tokenize(['same@example.com'], { kind: 'email' });
    const records = (await store.scan(null, 10)).records;
    expect(records).toHaveLength(2);
    for (const r of records) {
      const raw = Buffer.from(r.ciphertext, 'base64url');
      expect(raw[0]).toBe(2);
      expect(raw.length).toBe(1 + 24 + 16 + 'same@example.com'.length);
      expect(reference('record', r.ciphertext, JSON.stringify(['default', 'email', r.token]))).toBe('same@example.com');
    }
    expect(records[0]!.ciphertext.slice(0, 34)).not.toBe(records[1]!.ciphertext.slice(0, 34));
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

describe('format 1, written by earlier versions', () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/format1.json', import.meta.url), 'utf8')) as {
    key: string;
    kid: string;
    records: TokenRecord[];
    tokens: string[];
    sqliteTokens: string[];
    fields: Array<{ context: string; ciphertext: string }>;
  };
  const ring = keyRing({ keys: { [fixture.kid]: fixture.key } });
  const values = ['fixture-one@example.org', 'Fixture Two', '+44 20 7946 0958'];

  it('field ciphertexts still open, and only in their context', () => {
    const [f] = fixture.fields;
    expect(Buffer.from(f!.ciphertext.slice(`enc_${fixture.kid}_`.length), 'base64url')[0]).toBe(1);
    expect(decryptField(ring, f!.ciphertext, f!.context)).toBe(values[0]);
    expect(decryptField(ring, f!.ciphertext, 'other.email\0email')).toBeUndefined();
  });

  it('vault records still resolve, keep their tokens for the same values, and are erased by forget()', async () => {
    const store = memoryStore();
    await store.insert(fixture.records);
    const vault = createVault({ store, keys: ring, audit: silent });
    const ask = { actor: 't', purpose: 'test' };
    expect(await vault.detokenizeMany([{ token: fixture.tokens[0]!, kind: 'email' }, { token: fixture.tokens[1]!, kind: 'name' }], { ...ask, namespace: 'crm' })).toEqual([values[0], values[1]]);
    expect(await vault.detokenize([fixture.tokens[2]!], ask)).toEqual([values[2]]);
    // Deterministic look-up finds the old records: the fingerprints did not change.
    expect(await vault.tokenize([values[0]!], { kind: 'email', namespace: 'crm' })).toEqual([fixture.tokens[0]]);
    // New records are format 2 beside the old ones.
    const [fresh] = await vault.tokenize(['fixture-new@example.org'], { kind: 'email', namespace: 'crm' });
    const all = (await store.scan(null, 10)).records;
    expect(Buffer.from(all.find((r) => r.token === fresh)!.ciphertext, 'base64url')[0]).toBe(2);
    expect(await vault.forget(values[1]!)).toBe(1);
    expect(await vault.detokenizeMany([{ token: fixture.tokens[1]!, kind: 'name' }], { ...ask, namespace: 'crm' })).toEqual([null]);
  });

  it('a SQLite file written by the format-1 code opens, gains its erasure generation, and keeps every token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fieldguard-format1-'));
    const file = join(dir, 'tokens.db');
    copyFileSync(new URL('./fixtures/format1-sqlite.db', import.meta.url), file);
    try {
      const store = sqliteStore(file);
      const vault = createVault({ store, keys: ring, audit: silent });
      const ask = { actor: 't', purpose: 'test' };
      const [email, name, phone] = fixture.sqliteTokens;
      expect(await vault.detokenizeMany([{ token: email!, kind: 'email' }, { token: name!, kind: 'name' }], { ...ask, namespace: 'crm' })).toEqual([values[0], values[1]]);
      expect(await vault.tokenize([values[2]!], { kind: 'phone' })).toEqual([phone]);
      const before = await store.generation!();
      expect(await vault.forget(values[0]!)).toBe(1);
      expect(await store.generation!()).not.toBe(before);
      expect(await vault.detokenizeMany([{ token: email!, kind: 'email' }], { ...ask, namespace: 'crm' })).toEqual([null]);
      const [fresh] = await vault.tokenize([values[0]!], { kind: 'email', namespace: 'crm' });
      expect(fresh).not.toBe(email);
      await vault.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a format-1 record tampered with does not open', async () => {
    const store = memoryStore();
    const r = fixture.records[0]!;
    const raw = Buffer.from(r.ciphertext, 'base64url');
    raw[40] = raw[40]! ^ 1;
    await store.insert([{ ...r, ciphertext: raw.toString('base64url') }]);
    const vault = createVault({ store, keys: ring, audit: silent });
    expect(await vault.detokenizeMany([{ token: r.token }], { actor: 't', purpose: 'test', namespace: r.namespace })).toEqual([null]);
  });

  it('rotation rewrites format-1 records under the new key in format 2', async () => {
    const store = memoryStore();
    await store.insert(fixture.records);
    const rotated = keyRing({ keys: { new1: Buffer.alloc(32, 9).toString('base64'), [fixture.kid]: fixture.key }, active: 'new1' });
    const vault = createVault({ store, keys: rotated, audit: silent });
    expect((await vault.rotate()).rotated).toBe(3);
    for (const rec of (await store.scan(null, 10)).records) {
      expect(rec.kid).toBe('new1');
      expect(Buffer.from(rec.ciphertext, 'base64url')[0]).toBe(2);
    }
    expect(await vault.detokenize([fixture.tokens[2]!], { actor: 't', purpose: 'test' })).toEqual([values[2]]);
  });
});

describe('pseudonyms and fingerprints', () => {
  it('are the HMAC of each part in turn, each followed by NUL (as before), lone surrogates included', () => {
    for (const value of ['jane@example.com', 'end\uD800', '\uDC00start', 'Zoë 😀']) {
      const perPart = (key: Buffer, parts: string[]): string => {
        const h = createHmac('sha256', key);
        for (const p of parts) h.update(p).update('\0');
        return h.digest('base64url');
      };
      expect(fingerprint(keys, 'k1', 'fingerprint', 'ns\uD800', 'email', value)).toBe(`k1.${perPart(subkeys(keys, 'k1')!.fingerprint, ['ns\uD800', 'email', value])}`);
      expect(fingerprint(keys, 'k1', 'erasure', value)).toBe(`k1.${perPart(subkeys(keys, 'k1')!.erasure, [value])}`);
      const h = createHmac('sha256', subkeys(keys, 'k1')!.hash).update('ns\uD800').update('\0').update(value).digest('base64url');
      expect(hmacPseudonym(keys, value, 'ns\uD800')).toBe(`hmac_k1_${h}`);
    }
  });

  it('hash through the kept padded blocks to the bytes createHmac gives: empty, long, multi-byte, lone surrogates, NUL', () => {
    const key = subkeys(keys, 'k1')!.fingerprint;
    const texts = ['', '\0', 'a', 'x'.repeat(1024), 'x'.repeat(1025), 'é'.repeat(1024), '\uD800'.repeat(1024), '😀'.repeat(512), '😀'.repeat(513), 'a\uDC00b', '😀\uD83D', '日本'.repeat(700)];
    // Random UTF-16 units of random lengths, surrogates of every kind among them.
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 500; i++) texts.push(String.fromCharCode(...Array.from({ length: next() % 60 }, () => next() % 65536)));
    for (const text of texts) expect(hmacBase64url(key, text)).toBe(createHmac('sha256', key).update(text).digest('base64url'));
    // Calls in turn share the kept blocks: a shorter text after a longer one hashes only its own bytes.
    expect(hmacBase64url(key, 'short')).toBe(createHmac('sha256', key).update('short').digest('base64url'));
    // A key of another length than the subkeys' 32 bytes.
    const other = Buffer.alloc(16, 9);
    expect(hmacBase64url(other, 'jane@example.com')).toBe(createHmac('sha256', other).update('jane@example.com').digest('base64url'));
  });
});
