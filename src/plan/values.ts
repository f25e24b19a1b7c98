// How a field's value travels through hashes, ciphertexts and tokens, so that it comes back exactly as it went in.

/**
 * The marker that starts an encoded value. Strings that do not start with it travel as they are
 * (so tokens keep the value's shape and the vault's own API agrees with plans); everything else —
 * numbers, booleans, objects, and strings that do start with it — travels as the marker plus JSON.
 */
const TYPED = '\u0000';

/** The text a value is hashed, encrypted or tokenized as; `undefined` for `null`/`undefined`, which carry nothing. */
export function encodeValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v.startsWith(TYPED) ? TYPED + JSON.stringify(v) : v;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'bigint') return TYPED + JSON.stringify(v.toString());
  return TYPED + (JSON.stringify(v) ?? 'null');
}

/** The value an encoded text stands for. A text that is not valid encoded JSON comes back as the text itself. */
export function decodeValue(s: string): unknown {
  if (!s.startsWith(TYPED)) return s;
  try {
    return JSON.parse(s.slice(1)) as unknown;
  } catch {
    return s;
  }
}
