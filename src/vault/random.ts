// Random bytes drawn from one pool refilled by the CSPRNG: a call into OpenSSL per 4 KiB instead of one per nonce or token.
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/**
 * Copies `n` (at most 4096) fresh random bytes into `target` at `offset`. Each pooled byte is handed
 * out once and then zeroed in the pool, so no two callers ever share a byte; the pool is refilled
 * from `randomFillSync` (the same CSPRNG as `randomBytes`) when it runs out.
 */
export function fillRandom(target: Buffer, offset: number, n: number): void {
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  pool.copy(target, offset, used, used + n);
  pool.fill(0, used, used + n);
  used += n;
}

/** `n` (at most 4096) fresh random bytes in a buffer of their own. */
export function random(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  fillRandom(out, 0, n);
  return out;
}
