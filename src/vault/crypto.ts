// Field-level crypto: XAES-256-GCM (a one-time AES-256-GCM key per ciphertext), and HMAC-SHA256 pseudonyms, each carrying its key id.
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, type Cipher } from 'node:crypto';
import { subkeys, type KeyRing, type Subkeys } from './keys.js';
import { fillRandom } from './random.js';

// HMAC-SHA256 (RFC 2104) as two one-shot SHA-256 calls over the key's padded blocks, kept per key: the same bytes as
// createHmac, without a Hmac object and its key set-up per call (about 1 µs instead of 2–4 µs here). `crypto.hash`
// arrived in Node 20.12; before it, and for texts longer than the scratch buffer, createHmac does the work.
type OneShot = (algorithm: string, data: Buffer, encoding: 'latin1' | 'base64url') => string;
const oneShot: OneShot | undefined = typeof (nodeCrypto as { hash?: unknown }).hash === 'function' ? (nodeCrypto as unknown as { hash: OneShot }).hash : undefined;
const BLOCK = 64;
interface Pads {
  /** key ⊕ ipad, then the text (zeroed after each use). */
  readonly inner: Buffer;
  /** key ⊕ opad, then the inner digest. */
  readonly outer: Buffer;
}
const PADS = new WeakMap<Buffer, Pads>();
// One text of at most this many UTF-16 units (3 UTF-8 bytes each at most) goes through the kept blocks.
const SCRATCH_UNITS = 1024;

function pads(key: Buffer): Pads {
  let p = PADS.get(key);
  if (p === undefined) {
    // Subkeys are 32 bytes, never longer than a block, so the key is used as it is (RFC 2104 pads it with zeros).
    const inner = Buffer.alloc(BLOCK + 3 * SCRATCH_UNITS);
    const outer = Buffer.alloc(BLOCK + 32);
    inner.fill(0x36, 0, BLOCK);
    outer.fill(0x5c, 0, BLOCK);
    for (let i = 0; i < key.length; i++) {
      inner[i] = inner[i]! ^ key[i]!;
      outer[i] = outer[i]! ^ key[i]!;
    }
    PADS.set(key, (p = { inner, outer }));
  }
  return p;
}

/** HMAC-SHA256 of `text` (UTF-8) under `key`, as base64url: the bytes `createHmac('sha256', key).update(text).digest('base64url')` gives. */
export function hmacBase64url(key: Buffer, text: string): string {
  if (oneShot === undefined || key.length > BLOCK || text.length > SCRATCH_UNITS) return createHmac('sha256', key).update(text).digest('base64url');
  const { inner, outer } = pads(key);
  const n = inner.write(text, BLOCK, 'utf8');
  // The inner digest as latin1 text (one character per byte): a Buffer answer costs a microsecond more here.
  const digest = oneShot('sha256', inner.subarray(0, BLOCK + n), 'latin1');
  // The value's bytes do not stay behind in the kept block.
  inner.fill(0, BLOCK, BLOCK + n);
  outer.write(digest, BLOCK, 'latin1');
  return oneShot('sha256', outer, 'base64url');
}

/** The digest of a keyed pseudonym: HMAC-SHA256 of the namespace and value under the active key's hash subkey, base64url. */
export function pseudonymDigest(ring: KeyRing, value: string, namespace: string): string {
  // One update of the joined text: the same bytes as one update per part, as '\0' between the parts keeps any
  // surrogate of one part from pairing with the next.
  return hmacBase64url(subkeys(ring, ring.active)!.hash, `${namespace}\0${value}`);
}

/** The pseudonym of a {@link pseudonymDigest} made under the ring's active key. */
export function pseudonymOf(ring: KeyRing, digest: string): string {
  return `hmac_${ring.active}_${digest}`;
}

/** `hmac_<kid>_<base64url>`: a keyed pseudonym, deterministic per namespace. */
export function hmacPseudonym(ring: KeyRing, value: string, namespace: string): string {
  return pseudonymOf(ring, pseudonymDigest(ring, value, namespace));
}

/** A keyed fingerprint of a value under one key id's subkey, for look-up or erasure. */
export function fingerprint(ring: KeyRing, kid: string, purpose: 'fingerprint' | 'erasure', ...parts: string[]): string {
  // The parts joined, each followed by '\0', in one update: the same bytes as one update per part ('\0' after each
  // part keeps a surrogate at the end of one from pairing with the next).
  let text = '';
  for (const p of parts) text += `${p}\0`;
  return `${kid}.${hmacBase64url(subkeys(ring, kid)![purpose], text)}`;
}

/** What a ciphertext protects: a vault record or a field value. Each derives its keys under its own HKDF label. */
export type SealPurpose = 'record' | 'field';

// Format 2 (written): version (2) | nonce (24) | GCM tag (16) | ciphertext, sealed with XAES-256-GCM (C2SP) under a
// key of the ring's encryption subkey kept for the purpose. Format 1 (read only): version (1) | salt (32) | tag (16) |
// ciphertext under an HKDF-SHA256-derived key and nonce. The unversioned format of 0.1 (iv | tag | ciphertext under
// the encryption subkey itself) is not read: it fails to authenticate and counts as unresolved.
const V1 = 0x01;
const V2 = 0x02;
const TAG_BYTES = 16;
const V1_HEADER = 1 + 32;
const NONCE_BYTES = 24;
const V2_HEADER = 1 + NONCE_BYTES;
const V1_INFO: Readonly<Record<SealPurpose, Buffer>> = {
  record: Buffer.from('fieldguard/v1/record-key', 'utf8'),
  field: Buffer.from('fieldguard/v1/field-key', 'utf8'),
};
const V2_INFO: Readonly<Record<SealPurpose, string>> = {
  record: 'fieldguard/v2/record-xaes',
  field: 'fieldguard/v2/field-xaes',
};
const ONE = Buffer.of(1);
const TWO = Buffer.of(2);

/** Format 1's one-time key and nonce: HKDF-SHA256 of the encryption subkey with the ciphertext's 256-bit salt. */
function deriveV1(encrypt: Buffer, salt: Buffer, purpose: SealPurpose): { key: Buffer; iv: Buffer; wipe: () => void } {
  // RFC 5869 written out with createHmac: the same bytes as hkdfSync (the tests check).
  const prk = createHmac('sha256', salt).update(encrypt).digest();
  const info = V1_INFO[purpose];
  const t1 = createHmac('sha256', prk).update(info).update(ONE).digest();
  const t2 = createHmac('sha256', prk).update(t1).update(info).update(TWO).digest();
  prk.fill(0);
  const okm = Buffer.concat([t1, t2.subarray(0, 12)]);
  t1.fill(0);
  t2.fill(0);
  return { key: okm.subarray(0, 32), iv: okm.subarray(32, 44), wipe: () => okm.fill(0) };
}

/**
 * XAES-256-GCM's key derivation (C2SP XAES-256-GCM, NIST SP 800-108r1 counter mode with AES-256-CMAC):
 * one AES-256-ECB cipher per key and purpose, made once and kept, and the CMAC subkey K1.
 */
interface Xaes {
  readonly ecb: Cipher;
  readonly k1: Buffer;
}
const XAES = new WeakMap<Subkeys, Record<SealPurpose, Xaes | undefined>>();

function xaes(keys: Subkeys, purpose: SealPurpose): Xaes {
  let byPurpose = XAES.get(keys);
  if (byPurpose === undefined) XAES.set(keys, (byPurpose = { record: undefined, field: undefined }));
  let x = byPurpose[purpose];
  if (x === undefined) {
    const key = Buffer.from(hkdfSync('sha256', keys.encrypt, Buffer.alloc(0), V2_INFO[purpose], 32));
    x = byPurpose[purpose] = xaesKey(key);
    key.fill(0);
  }
  return x;
}

/** @internal The XAES-256-GCM state of one 256-bit key (exported for the specification's test vectors). */
export function xaesKey(key: Buffer): Xaes {
  const ecb = createCipheriv('aes-256-ecb', key, null);
  ecb.setAutoPadding(false);
  // K1 = L << 1, xored with 0x87 when L's top bit was set, where L = AES-256(key, 0^128).
  const l = ecb.update(Buffer.alloc(16));
  const k1 = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) k1[i] = ((l[i]! << 1) | (i < 15 ? l[i + 1]! >>> 7 : 0)) & 0xff;
  if ((l[0]! & 0x80) !== 0) k1[15] = k1[15]! ^ 0x87;
  l.fill(0);
  return { ecb, k1 };
}

/** The 32-byte key of one XAES-256-GCM message: AES-256(K, M1 xor K1) | AES-256(K, M2 xor K1), M_i = 0 | i | 'X' | 0 | nonce[0..12). */
function xaesDerive(x: Xaes, nonce: Buffer, at: number): Buffer {
  const m = Buffer.allocUnsafe(32);
  m[0] = 0;
  m[1] = 1;
  m[2] = 0x58;
  m[3] = 0;
  nonce.copy(m, 4, at, at + 12);
  m[16] = 0;
  m[17] = 2;
  m[18] = 0x58;
  m[19] = 0;
  nonce.copy(m, 20, at, at + 12);
  for (let i = 0; i < 16; i++) {
    m[i] = m[i]! ^ x.k1[i]!;
    m[16 + i] = m[16 + i]! ^ x.k1[i]!;
  }
  const key = x.ecb.update(m);
  m.fill(0);
  return key;
}

/** XAES-256-GCM: seals `plaintext` into `out` at `at` as tag | ciphertext, under the 24-byte nonce at `nonceAt` of `out`. */
function xaesSeal(x: Xaes, out: Buffer, nonceAt: number, plaintext: Buffer, aad: Buffer, at: number): void {
  const key = xaesDerive(x, out, nonceAt);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, out.subarray(nonceAt + 12, nonceAt + 24));
    cipher.setAAD(aad);
    const ct = cipher.update(plaintext);
    cipher.final();
    cipher.getAuthTag().copy(out, at);
    ct.copy(out, at + TAG_BYTES);
  } finally {
    key.fill(0);
  }
}

/** @internal XAES-256-GCM, for the specification's test vectors: tag | ciphertext under a 24-byte nonce. */
export function xaesSealForTest(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const out = Buffer.alloc(NONCE_BYTES + TAG_BYTES + plaintext.length);
  nonce.copy(out, 0);
  xaesSeal(xaesKey(key), out, 0, plaintext, aad, NONCE_BYTES);
  return out.subarray(NONCE_BYTES);
}

/** The associated data: the format's version byte, then the caller's context. */
function associated(version: number, aad: string): Buffer {
  const n = Buffer.byteLength(aad, 'utf8');
  const out = Buffer.allocUnsafe(1 + n);
  out[0] = version;
  out.write(aad, 1, 'utf8');
  return out;
}

/**
 * Encrypts with the active key: base64url of version 2 | nonce | tag | ciphertext, with its key id.
 * `aad` is authenticated, not stored. Each ciphertext draws a random 192-bit nonce, of which XAES-256-GCM
 * derives a one-time AES-256-GCM key from the first 96 bits and uses the last 96 bits as its GCM nonce.
 */
export function seal(ring: KeyRing, plaintext: string, aad: string, purpose: SealPurpose): { kid: string; data: string } {
  const x = xaes(subkeys(ring, ring.active)!, purpose);
  const pt = Buffer.from(plaintext, 'utf8');
  const out = Buffer.allocUnsafe(V2_HEADER + TAG_BYTES + pt.length);
  out[0] = V2;
  fillRandom(out, 1, NONCE_BYTES);
  xaesSeal(x, out, 1, pt, associated(V2, aad), V2_HEADER);
  pt.fill(0);
  return { kid: ring.active, data: out.toString('base64url') };
}

/** Decrypts what {@link seal} made (format 2, or format 1 of earlier versions); `undefined` when the key or format is unknown, or the data or its context does not authenticate. */
export function open(ring: KeyRing, kid: string, data: string, aad: string, purpose: SealPurpose): string | undefined {
  const keys = subkeys(ring, kid);
  if (keys === undefined) return undefined;
  const raw = Buffer.from(data, 'base64url');
  let key: Buffer;
  let iv: Buffer;
  let header: number;
  if (raw[0] === V2 && raw.length >= V2_HEADER + TAG_BYTES) {
    key = xaesDerive(xaes(keys, purpose), raw, 1);
    iv = raw.subarray(13, V2_HEADER);
    header = V2_HEADER;
  } else if (raw[0] === V1 && raw.length >= V1_HEADER + TAG_BYTES) {
    const d = deriveV1(keys.encrypt, raw.subarray(1, V1_HEADER), purpose);
    key = d.key;
    iv = d.iv;
    header = V1_HEADER;
  } else {
    return undefined;
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(associated(raw[0]!, aad));
    decipher.setAuthTag(raw.subarray(header, header + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(header + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  } finally {
    // The format-1 key and nonce share one buffer; zeroing both covers it.
    key.fill(0);
    iv.fill(0);
  }
}

/** `enc_<kid>_<base64url>`: a field ciphertext (format 2) bound to the caller's context string (its path and kind). */
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
