// Distinct subjects: the 32-bit hash the monitor counts for each keyed hash or token a walk sent, taken where it is made.

/**
 * A 32-bit hash of a string (FNV-1a, then murmur3's finalizer so that the top bits mix well), from
 * the character at `from`. It is what a distinct-count sketch keeps instead of the string, and it
 * is kept nowhere but in a register's rank.
 */
export function hash32(s: string, from = 0): number {
  let h = 0x811c9dc5;
  for (let i = from; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** How many trailing characters of a keyed digest or opaque token stand for the whole (36 bits of base64url). */
const TAIL = 6;

/**
 * The hash of a subject the walk sent. Keyed hashes (`hmac_<kid>_<digest>`) and opaque tokens
 * (`tok_<22 base62>`) end in uniform random characters, so their last six (36 bits) tell them
 * apart as well as the whole would, at a fraction of the cost; anything else (a format-preserving
 * token, whose kept digits may repeat) is hashed whole.
 */
export function subjectHash(s: string): number {
  return s.length > 12 && (s.startsWith('hmac_') || s.startsWith('tok_')) ? hash32(s, s.length - TAIL) : hash32(s);
}

/**
 * The {@link subjectHash} of the pseudonym `hmac_<kid>_<digest>`, read from its digest alone: the
 * digest is one flat string as the hash function answered it, where the pseudonym is a joined one
 * that reading a character of would copy.
 */
export function digestSubject(digest: string): number {
  return hash32(digest, digest.length - TAIL);
}
