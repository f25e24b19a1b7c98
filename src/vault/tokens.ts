// Token formats: opaque (length hides the value's), digits, and cardLast4 (same shape as the card, Luhn-invalid by default).
import { luhn } from '../detect/checks.js';
import { FieldguardError } from '../errors.js';
import { random } from './random.js';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** How a token looks. */
export type TokenFormat =
  | 'opaque'
  | 'digits'
  | { readonly format: 'cardLast4'; readonly luhn?: 'invalid' | 'valid' }
  | 'cardLast4';

/** `n` uniform characters of `alphabet` (at most 256 long): pooled random bytes, those at or above the largest multiple of its length rejected, so there is no modulo bias. */
function randomChars(alphabet: string, n: number): string {
  const m = alphabet.length;
  const limit = 256 - (256 % m);
  let out = '';
  while (out.length < n) {
    const bytes = random(Math.min(256, 2 * (n - out.length) + 8));
    for (let i = 0; i < bytes.length && out.length < n; i++) if (bytes[i]! < limit) out += alphabet[bytes[i]! % m];
  }
  return out;
}

/** `tok_` and 22 uniform base62 characters (bytes ≥ 248 are rejected, so there is no modulo bias). */
const opaque = (): string => `tok_${randomChars(BASE62, 22)}`;

/** A fresh random token for `value` in the given format. Opaque tokens are `tok_` + 22 base62 characters, whatever the value. */
export function newToken(format: TokenFormat, value: string): string {
  const f = typeof format === 'string' ? format : format.format;
  if (f === 'opaque') return opaque();
  if (f === 'digits') return randomChars('0123456789', Math.max(value.length, 8));
  const digits = value.replace(/\D/g, '');
  if (digits.length < 12 || /[^\d\s-]/.test(value)) return randomChars('0123456789', Math.max(value.length, 8));
  const wanted = typeof format === 'string' ? 'invalid' : (format.luhn ?? 'invalid');
  // Random digits before the last four; the first random digit is then adjusted for the Luhn rule asked for.
  let body = randomChars('0123456789', digits.length - 4) + digits.slice(-4);
  for (let d = 0; d < 10 && luhn(body) !== (wanted === 'valid'); d++) body = String((Number(body[0]) + 1) % 10) + body.slice(1);
  let k = 0;
  let out = '';
  for (const c of value) out += c >= '0' && c <= '9' ? body[k++] : c;
  return out;
}

/** Checks a token format option at start-up. */
export function checkFormat(kind: string, format: unknown): TokenFormat {
  if (format === 'opaque' || format === 'digits' || format === 'cardLast4') return format;
  if (format !== null && typeof format === 'object' && (format as { format?: unknown }).format === 'cardLast4') {
    const luhn = (format as { luhn?: unknown }).luhn;
    if (luhn === undefined || luhn === 'invalid' || luhn === 'valid') return format as TokenFormat;
  }
  throw new FieldguardError('ERR_INVALID_OPTIONS', `createVault(): formats.${kind} must be 'opaque', 'digits', 'cardLast4' or { format: 'cardLast4', luhn: 'invalid' | 'valid' }`);
}


