// Field-level crypto: AES-256-GCM ciphertexts and HMAC-SHA256 pseudonyms, each carrying its key id.
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

/** Encrypts with the active key: base64url of iv (12) | tag (16) | ciphertext, with its key id. */
export function seal(ring: KeyRing, plaintext: string, aad: string): { kid: string; data: string } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', subkeys(ring, ring.active)!.encrypt, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { kid: ring.active, data: Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url') };
}

/** Decrypts what {@link seal} made; `undefined` when the key is unknown or the data or its context does not authenticate. */
export function open(ring: KeyRing, kid: string, data: string, aad: string): string | undefined {
  const keys = subkeys(ring, kid);
  if (keys === undefined) return undefined;
  const raw = Buffer.from(data, 'base64url');
  if (raw.length < 28) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encrypt, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** `enc_<kid>_<base64url>`: a field ciphertext bound to its path and kind. */
export function encryptField(ring: KeyRing, plaintext: string, context: string): string {
  const { kid, data } = seal(ring, plaintext, context);
  return `enc_${kid}_${data}`;
}

const FIELD_CIPHERTEXT = /^enc_([A-Za-z0-9-]{1,32})_([A-Za-z0-9_-]+)$/;

/** Decrypts an `enc_…` field value; `undefined` when it is not one, or does not authenticate in this context. */
export function decryptField(ring: KeyRing, value: string, context: string): string | undefined {
  const m = FIELD_CIPHERTEXT.exec(value);
  return m === null ? undefined : open(ring, m[1]!, m[2]!, context);
}
