// Durations as milliseconds or ISO-8601 (`P30D`, `PT12H`), for token expiry and tag retention.
import { FieldguardError } from '../errors.js';

const ISO = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** Milliseconds of a duration; years count 365 days and months 30. */
export function toMillis(d: number | string, what: string): number {
  if (typeof d === 'number') {
    if (Number.isFinite(d) && d > 0) return d;
  } else {
    const m = ISO.exec(d);
    if (m !== null) return m.slice(1).reduce((sum, part, i) => sum + (part === undefined ? 0 : Number(part) * UNIT[i]!), 0);
  }
  throw new FieldguardError('ERR_INVALID_OPTIONS', `${what} must be a positive number of milliseconds or an ISO-8601 duration such as P30D`);
}
