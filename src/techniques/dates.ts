// Calendar dates as generalize and shiftDates read and write them: ISO 8601 strings and Date objects, UTC day arithmetic.

/** A date value read from a payload: its UTC day number and how to write a day back in the same form. */
export interface ParsedDate {
  /** Days since 1970-01-01 (UTC). */
  readonly day: number;
  /** Milliseconds into that day, kept by shifting. */
  readonly ms: number;
  /** Writes a (shifted) instant back in the value's own form. */
  readonly write: (day: number) => unknown;
}

const DAY_MS = 86_400_000;
// A calendar date, optionally with a time and a zone: the forms JSON APIs send.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `YYYY-MM-DD` of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Year, month (1–12) and day of month of a day number. */
export function ymd(day: number): { y: number; m: number; d: number } {
  const t = new Date(day * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The day number of a calendar date; `undefined` when the date does not exist (2026-02-30). */
export function dayOf(y: number, m: number, d: number): number | undefined {
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return undefined;
  return t / DAY_MS;
}

/**
 * Reads a date: a `Date`, or an ISO 8601 string (`2026-03-14`, `2026-03-14T10:22:00Z`,
 * `2026-03-14T10:22:00.123+02:00`). Anything else — numbers, other strings — is `undefined`:
 * not recognised as a date, so it is never treated as one.
 */
export function parseDate(value: unknown): ParsedDate | undefined {
  if (value instanceof Date) {
    const t = value.getTime();
    if (!Number.isFinite(t)) return undefined;
    const day = Math.floor(t / DAY_MS);
    return { day, ms: t - day * DAY_MS, write: (d) => new Date(d * DAY_MS + (t - day * DAY_MS)) };
  }
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const m = ISO.exec(value);
  if (m === null) return undefined;
  const day = dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
  if (day === undefined || Number(m[1]) < 1) return undefined;
  if (m[4] !== undefined && (Number(m[5]) > 23 || Number(m[6]) > 59 || Number(m[7] ?? 0) > 59)) return undefined;
  // The time and zone are carried as written: shifting moves the calendar date, never the clock time.
  const rest = value.slice(10);
  return { day, ms: 0, write: (d) => dayText(d) + rest };
}

/** The Monday (ISO week start) of the week a day falls in. */
export function weekStart(day: number): number {
  const dow = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return day - ((dow + 6) % 7);
}
