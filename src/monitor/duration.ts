// Window lengths as numbers of ms or short strings (`'30s'`, `'1m'`, `'1h'`, `'1d'`).
import { FieldguardError } from '../errors.js';

const UNIT: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration; throws `ERR_INVALID_OPTIONS` naming the option. */
export function parseDuration(v: number | string, option: string): number {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(v) : null;
  const ms = typeof v === 'number' ? v : m !== null ? Number(m[1]) * UNIT[m[2]!]! : NaN;
  if (!Number.isFinite(ms) || ms < 1) throw new FieldguardError('ERR_INVALID_OPTIONS', `createMonitor(): ${option} is a positive number of ms or a duration such as '30s', '1m', '1h'`);
  return Math.round(ms);
}
