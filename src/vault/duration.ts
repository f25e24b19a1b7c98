// Durations as milliseconds or ISO-8601 (`P30D`, `PT12H`), for token expiry and tag retention.
import { FieldguardError } from '../errors.js';

const ISO = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/**
 * Milliseconds of a duration; years count 365 days and months 30. A duration shorter than one
 * millisecond — `0`, `PT0S`, `P0D`, `PT0.0001S` — is refused like a negative one: a token that
 * expires on arrival can never be detokenized, so it would silently lose the value.
 *
 * @throws FieldguardError `ERR_INVALID_OPTIONS` for anything else than a duration of at least 1 ms.
 * @example
 * ```ts
 * toMillis('PT12H', 'ttl'); // 43_200_000
 * ```
 */
export function toMillis(d: number | string, what: string): number {
  let ms = Number.NaN;
  if (typeof d === 'number') {
    ms = d;
  } else if (typeof d === 'string') {
    const m = ISO.exec(d);
    if (m !== null) ms = m.slice(1).reduce((sum, part, i) => sum + (part === undefined ? 0 : Number(part) * UNIT[i]!), 0);
  }
  if (Number.isFinite(ms) && ms >= 1) return ms;
  throw new FieldguardError('ERR_INVALID_OPTIONS', `${what} must be at least 1 millisecond: a positive number of milliseconds or an ISO-8601 duration such as P30D (not PT0S)`);
}
