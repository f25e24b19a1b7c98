// The key ring: named 256-bit keys, one active, with separate HKDF subkeys per purpose so no secret serves two.
import { hkdfSync } from 'node:crypto';
import { FieldguardError } from '../errors.js';

const KEY_ID = /^[A-Za-z0-9-]{1,32}$/;
const MATERIAL = Symbol.for('fieldguard.keyRing.material');

/** The purposes a key is split into. */
export type KeyPurpose = 'encrypt' | 'fingerprint' | 'erasure' | 'hash';

const INFO: Readonly<Record<KeyPurpose, string>> = {
  encrypt: 'fieldguard/v1/encrypt',
  fingerprint: 'fieldguard/v1/fingerprint',
  erasure: 'fieldguard/v1/erasure',
  hash: 'fieldguard/v1/hash',
};

/** Subkeys of one key id. */
export type Subkeys = Readonly<Record<KeyPurpose, Buffer>>;

/**
 * A set of named keys, one of them active. New ciphertexts, hashes and tokens use the active key;
 * every output carries its key id, so data made under an older key stays readable after a rotation.
 * The key bytes are never enumerable, printed or serialized.
 */
export interface KeyRing {
  /** The id of the key new data is protected with. */
  readonly active: string;
  /** Every key id in the ring, the active one first. */
  readonly ids: readonly string[];
  /** @internal Subkeys by key id. */
  readonly [MATERIAL]: ReadonlyMap<string, Subkeys>;
}

/** Options of {@link keyRing}. */
export interface KeyRingOptions {
  /** Key id → base64 (or base64url) of 32 random bytes. Ids match `[A-Za-z0-9-]{1,32}`. */
  readonly keys: Readonly<Record<string, string>>;
  /** The id of the active key. Default: the first one. */
  readonly active?: string;
}

function invalid(message: string): never {
  throw new FieldguardError('ERR_INVALID_KEY', message);
}

function decodeKey(id: string, text: unknown): Buffer {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text.trim())) {
    return invalid(`key ${JSON.stringify(id)} is not base64; generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64'))"`);
  }
  const bytes = Buffer.from(text.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 32) return invalid(`key ${JSON.stringify(id)} has ${bytes.length} bytes; fieldguard needs 32 (256 bits)`);
  return bytes;
}

function derive(secret: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), INFO[purpose], 32));
}

/**
 * Builds a key ring. A short, missing or malformed key, or a bad id, throws `ERR_INVALID_KEY` at
 * start-up. Each key is split with HKDF-SHA256 into separate subkeys for encryption, look-up
 * fingerprints, erasure fingerprints and hashing.
 *
 * @example
 * ```ts
 * const keys = keyRing({ keys: { '2026-11': process.env.KEY_2026_11!, '2026-05': process.env.KEY_2026_05! }, active: '2026-11' });
 * ```
 */
export function keyRing(options: KeyRingOptions): KeyRing {
  if (options === null || typeof options !== 'object' || options.keys === null || typeof options.keys !== 'object') {
    return invalid('keyRing() takes { keys: { id: base64Key }, active? }');
  }
  const entries = Object.entries(options.keys);
  if (entries.length === 0) return invalid('keyRing() needs at least one key');
  const material = new Map<string, Subkeys>();
  for (const [id, text] of entries) {
    if (!KEY_ID.test(id)) return invalid(`key id ${JSON.stringify(id.slice(0, 40))} must match [A-Za-z0-9-]{1,32}`);
    const secret = decodeKey(id, text);
    material.set(id, Object.freeze({
      encrypt: derive(secret, 'encrypt'),
      fingerprint: derive(secret, 'fingerprint'),
      erasure: derive(secret, 'erasure'),
      hash: derive(secret, 'hash'),
    }));
    secret.fill(0);
  }
  const active = options.active ?? entries[0]![0];
  if (!material.has(active)) return invalid(`the active key ${JSON.stringify(active)} is not in the ring`);
  const ids = [active, ...[...material.keys()].filter((k) => k !== active)];
  const ring = { active, ids: Object.freeze(ids) };
  Object.defineProperty(ring, MATERIAL, { value: material, enumerable: false });
  // Printing a ring shows its ids only.
  Object.defineProperty(ring, Symbol.for('nodejs.util.inspect.custom'), { value: () => `KeyRing { active: '${active}', ids: [${ids.map((i) => `'${i}'`).join(', ')}] }` });
  return Object.freeze(ring) as KeyRing;
}

/**
 * Builds a key ring from an environment variable of the form `id:base64,id:base64`; the first key
 * is active.
 *
 * @example
 * ```ts
 * // FIELDGUARD_KEYS="k2:Qm9…,k1:c2V…"
 * const keys = keyRing.fromEnv('FIELDGUARD_KEYS');
 * ```
 */
keyRing.fromEnv = function fromEnv(name = 'FIELDGUARD_KEYS', env: NodeJS.ProcessEnv = process.env): KeyRing {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return invalid(`the environment variable ${name} is not set; expected id:base64Key[,id:base64Key…]`);
  const keys: Record<string, string> = {};
  let first: string | undefined;
  for (const part of raw.split(',')) {
    const colon = part.indexOf(':');
    if (colon <= 0) return invalid(`${name} must be id:base64Key[,id:base64Key…]`);
    const id = part.slice(0, colon).trim();
    if (id in keys) return invalid(`${name} names the key ${JSON.stringify(id)} twice`);
    keys[id] = part.slice(colon + 1).trim();
    first ??= id;
  }
  return keyRing({ keys, active: first! });
};

/** Whether a value is a key ring made by {@link keyRing}. */
export function isKeyRing(value: unknown): value is KeyRing {
  return value !== null && typeof value === 'object' && MATERIAL in value;
}

/** The subkeys of one key id, or `undefined` when the ring does not hold it. */
export function subkeys(ring: KeyRing, id: string): Subkeys | undefined {
  return ring[MATERIAL].get(id);
}
