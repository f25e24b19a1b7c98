// The shiftDates action: every date of one subject moves by one keyed pseudo-random number of days, so intervals survive.
import { createHmac, hkdfSync } from 'node:crypto';
import { FieldguardError } from '../errors.js';
import { parsePath } from '../schema/path.js';
import { subkeys, type KeyRing } from '../vault/keys.js';
import { z } from '../zod.js';
import { parseDate } from './dates.js';

/** Options of the `shiftDates` action. */
export interface ShiftDatesOptions {
  /** The path of the subject's identifier, from the payload's root (`'patient.id'`). Required. */
  readonly subject: string;
  /** The largest shift, in days: offsets are drawn from ±1…±`days` (never 0). Default 30. */
  readonly days?: number;
}

/** Options resolved once per rule. */
export interface ResolvedShift {
  readonly subject: string;
  readonly keys: readonly string[];
  readonly days: number;
  /** The HMAC key offsets derive from: HKDF of the active key's hashing subkey under its own label. */
  readonly key: Buffer;
}

const optionsSchema = z.strictObject({
  subject: z.string().min(1),
  days: z.number().int().min(1).max(36_500).optional(),
});

const INFO = 'fieldguard/v1/shift-dates';

/** Validates a rule's shiftDates options. Throws `ERR_INVALID_OPTIONS` / `ERR_INVALID_PATH` at start-up. */
export function resolveShift(options: unknown, keys: KeyRing | undefined, where: string): ResolvedShift {
  const r = optionsSchema.safeParse(options);
  if (!r.success) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', `${where}: shiftDates needs options { subject: 'path.of.id', days?: 30 } (${r.error.issues[0]!.path.join('.') || 'options'}: ${r.error.issues[0]!.message})`);
  }
  if (keys === undefined) throw new FieldguardError('ERR_INVALID_OPTIONS', `${where}: the action shiftDates needs keys (a keyRing) or a vault`);
  const segs = parsePath(r.data.subject);
  const path: string[] = [];
  for (const s of segs) {
    if (!('key' in s)) throw new FieldguardError('ERR_INVALID_PATH', `${where}: shiftDates subject ${JSON.stringify(r.data.subject)} must name one value: no * or **`);
    path.push(s.key);
  }
  const key = Buffer.from(hkdfSync('sha256', subkeys(keys, keys.active)!.hash, Buffer.alloc(0), INFO, 32));
  return Object.freeze({ subject: r.data.subject, keys: Object.freeze(path), days: r.data.days ?? 30, key });
}

/** The subject's identifier as text, read from the payload's root; `undefined` when it is absent or not a string or number. */
export function readSubject(root: unknown, keys: readonly string[]): string | undefined {
  let v = root;
  try {
    for (const k of keys) {
      if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
  } catch {
    // A getter or proxy that throws gives no subject: the dates are dropped, and the walk reports the unreadable value.
    return undefined;
  }
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * The subject's offset in days, in ±1…±days: HMAC-SHA256 of namespace and identifier, its first 8
 * bytes reduced modulo 2·days (the modulo bias is below 2^-50 for any allowed `days`).
 */
export function offsetDays(shift: ResolvedShift, namespace: string, subject: string): number {
  const digest = createHmac('sha256', shift.key).update(namespace).update('\0').update(subject).digest();
  const r = Number(digest.readBigUInt64BE(0) % BigInt(2 * shift.days));
  return r < shift.days ? r - shift.days : r - shift.days + 1;
}

/** A date moved by `offset` days, in its own form; `undefined` (dropped) when the value is not a date or there is no subject. */
export function shiftValue(value: unknown, offset: number | undefined): unknown {
  if (offset === undefined) return undefined;
  const d = parseDate(value);
  return d === undefined ? undefined : d.write(d.day + offset);
}
