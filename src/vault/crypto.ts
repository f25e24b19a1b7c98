// Field-level crypto: AES-256-GCM under a fresh HKDF-derived key per ciphertext, and HMAC-SHA256 pseudonyms, each carrying its key id.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { subkeys, type KeyRing } from './keys.js';

/** `hmac_<kid>_<base64url>`: a keyed pseudonym, deterministic per namespace. */
export function hmacPseudonym(ring: KeyRing, value: string, namespace: string): string {
  const digest = createHmac('sha256', subkeys(ring, ring.active)!.hash).update(namespace).update('\0').update(value).digest('base64url');
  return `hmac_${ring.active}_${digest}`;
}

/** A keyed fingerprint of a value under one key id's subkey, for look-up or erasure. */
export function fingerprint(ring: KeyRing, kid: string, purpose: 'fingerprint' | 'erasure', ...parts: string[]): string {
  const h = createHmac('sha256', subkeys(ring, kid)![purpose]);
  for (const p of parts) h.update(p).update('\0');
  return `${kid}.${h.digest('base64url')}`;
}

/** What a ciphertext protects: a vault record or a field value. Each derives its keys under its own HKDF label. */
export type SealPurpose = 'record' | 'field';

// Format 1: version (1) | salt (32) | GCM tag (16) | ciphertext. The unversioned format of 0.1 (iv | tag | ciphertext
// under the encryption subkey itself) is not read: it fails to authenticate and counts as unresolved.
const VERSION = 0x01;
const SALT_BYTES = 32;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + SALT_BYTES;
const INFO: Readonly<Record<SealPurpose, string>> = {
  record: 'fieldguard/v1/record-key',
  field: 'fieldguard/v1/field-key',
};

/**
 * The one-time AES-256-GCM key and nonce of one ciphertext: HKDF-SHA256 of the key's encryption
 * subkey with the ciphertext's random 256-bit salt. Each key encrypts one message, so the 2^32
 * limit of random 96-bit nonces under one key does not apply; see docs/vault.md.
 */
function derive(encrypt: Buffer, salt: Buffer, purpose: SealPurpose): { key: Buffer; iv: Buffer; wipe: () => void } {
  // RFC 5869 written out with createHmac: the same bytes as hkdfSync (the tests check), at a third of its cost here.
  const prk = createHmac('sha256', salt).update(encrypt).digest();
  const info = INFO_BYTES[purpose];
  const t1 = createHmac('sha256', prk).update(info).update(ONE).digest();
  const t2 = createHmac('sha256', prk).update(t1).update(info).update(TWO).digest();
  prk.fill(0);
  const okm = Buffer.concat([t1, t2.subarray(0, 12)]);
  t1.fill(0);
  t2.fill(0);
  return { key: okm.subarray(0, 32), iv: okm.subarray(32, 44), wipe: () => okm.fill(0) };
}
const INFO_BYTES: Readonly<Record<SealPurpose, Buffer>> = { record: Buffer.from(INFO.record, 'utf8'), field: Buffer.from(INFO.field, 'utf8') };
const ONE = Buffer.of(1);
const TWO = Buffer.of(2);

const associated = (aad: string): Buffer => Buffer.concat([Buffer.of(VERSION), Buffer.from(aad, 'utf8')]);

/** Encrypts with the active key: base64url of version | salt | tag | ciphertext, with its key id. `aad` is authenticated, not stored. */
export function seal(ring: KeyRing, plaintext: string, aad: string, purpose: SealPurpose): { kid: string; data: string } {
  const salt = randomBytes(SALT_BYTES);
  const { key, iv, wipe } = derive(subkeys(ring, ring.active)!.encrypt, salt, purpose);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associated(aad));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { kid: ring.active, data: Buffer.concat([Buffer.of(VERSION), salt, cipher.getAuthTag(), ct]).toString('base64url') };
  } finally {
    wipe();
  }
}

/** Decrypts what {@link seal} made; `undefined` when the key or format is unknown, or the data or its context does not authenticate. */
export function open(ring: KeyRing, kid: string, data: string, aad: string, purpose: SealPurpose): string | undefined {
  const keys = subkeys(ring, kid);
  if (keys === undefined) return undefined;
  const raw = Buffer.from(data, 'base64url');
  if (raw.length < HEADER_BYTES + TAG_BYTES || raw[0] !== VERSION) return undefined;
  const { key, iv, wipe } = derive(keys.encrypt, raw.subarray(1, HEADER_BYTES), purpose);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(associated(aad));
    decipher.setAuthTag(raw.subarray(HEADER_BYTES, HEADER_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(HEADER_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  } finally {
    wipe();
  }
}

/** `enc_<kid>_<base64url>`: a field ciphertext (format 1) bound to the caller's context string (its path and kind). */
export function encryptField(ring: KeyRing, plaintext: string, context: string): string {
  const { kid, data } = seal(ring, plaintext, context, 'field');
  return `enc_${kid}_${data}`;
}

const FIELD_CIPHERTEXT = /^enc_([A-Za-z0-9-]{1,32})_([A-Za-z0-9_-]+)$/;

/** Decrypts an `enc_…` field value; `undefined` when it is not one, or does not authenticate in this context. */
export function decryptField(ring: KeyRing, value: string, context: string): string | undefined {
  const m = FIELD_CIPHERTEXT.exec(value);
  return m === null ? undefined : open(ring, m[1]!, m[2]!, context, 'field');
}
