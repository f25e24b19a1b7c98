// The generalize action: irreversible coarsening per kind along documented hierarchies; what cannot be generalized is dropped.
import { isIP } from 'node:net';
import { FieldguardError } from '../errors.js';
import type { Kind } from '../schema/tags.js';
import { z } from '../zod.js';
import { dayText, parseDate, weekStart, ymd } from './dates.js';

/** How finely dates are kept: the day, the week (its Monday), the month or the year. */
export type DateGrain = 'day' | 'week' | 'month' | 'year';

/**
 * Options of the `generalize` action, given per rule (so per path, per kind or per level). Every
 * option has a default; the defaults are the documented ones of docs/anonymization.md.
 */
export interface GeneralizeOptions {
  /** `birthDate`: `'year'` (default, `'1984'`) or `'ageBand'` (`'[30,40)'`, the age on `reference`). */
  readonly birthDate?: 'year' | 'ageBand';
  /** Age bands for `birthDate: 'ageBand'`: boundaries (`[0, 18, 30, 50, 65]`) or a width in years. Default 10. */
  readonly ageBands?: readonly number[] | number;
  /** The day ages are computed on, ISO 8601 (`'2026-01-01'`). Default: the day of the call (UTC). */
  readonly reference?: string;
  /** Other dates (fields without a kind whose value is an ISO 8601 date or a Date): `'day'`, `'week'`, `'month'` (default) or `'year'`. */
  readonly dates?: DateGrain;
  /** `postalCode`: the country whose rule applies (`'US'`: ZIP3 with HIPAA's sparse areas as `000`; `'GB'`: outward code; `'CA'`: FSA). */
  readonly country?: string;
  /** `postalCode`: keep this many leading characters instead of the country's rule. Default 2 where no country rule applies. */
  readonly postalPrefix?: number;
  /** `geo`: grid cell size in metres; a position becomes the centre of its cell. Default 1000. */
  readonly geoPrecision?: number;
  /** `ipAddress`: IPv4 network prefix length. Default 24. */
  readonly ipv4Prefix?: number;
  /** `ipAddress`: IPv6 network prefix length. Default 48. */
  readonly ipv6Prefix?: number;
  /** Numbers: bucket boundaries, ascending (`[0, 18, 30, 50, 65]`); a value becomes its bucket, `'[18,30)'`, `'<0'` or `'>=65'`. */
  readonly buckets?: readonly number[];
  /** Numbers: bucket width when no `buckets` are given. Default 10. A number of a million widths or more (an identifier, not a measure) is dropped. */
  readonly width?: number;
}

/** Options resolved once per rule, every default applied. */
export interface ResolvedGeneralize {
  readonly birthDate: 'year' | 'ageBand';
  readonly ageBands: readonly number[] | number;
  readonly reference: number | undefined;
  readonly dates: DateGrain;
  readonly country: string | undefined;
  readonly postalPrefix: number | undefined;
  readonly geoPrecision: number;
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
  readonly buckets: readonly number[] | undefined;
  readonly width: number;
}

const ascending = (a: readonly number[]): boolean => a.length > 0 && a.every((x, i) => Number.isFinite(x) && (i === 0 || x > a[i - 1]!));
const boundaries = z.array(z.number()).refine(ascending, 'must be ascending finite numbers');
const optionsSchema = z.strictObject({
  birthDate: z.enum(['year', 'ageBand']).optional(),
  ageBands: z.union([boundaries, z.number().positive()]).optional(),
  reference: z.string().refine((s) => parseDate(s) !== undefined, 'must be an ISO 8601 date such as 2026-01-01').optional(),
  dates: z.enum(['day', 'week', 'month', 'year']).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US').optional(),
  postalPrefix: z.number().int().min(1).max(10).optional(),
  geoPrecision: z.number().min(1).max(1_000_000).optional(),
  // A full-length prefix would be the address itself.
  ipv4Prefix: z.number().int().min(0).max(31).optional(),
  ipv6Prefix: z.number().int().min(0).max(127).optional(),
  buckets: boundaries.optional(),
  width: z.number().positive().optional(),
});

/** Validates a rule's generalize options and applies the defaults. Throws `ERR_INVALID_OPTIONS` at start-up. */
export function resolveGeneralize(options: unknown, where: string): ResolvedGeneralize {
  const r = optionsSchema.safeParse(options ?? {});
  if (!r.success) {
    const first = r.error.issues[0]!;
    throw new FieldguardError('ERR_INVALID_OPTIONS', `${where}: generalize option ${first.path.join('.') || '(options)'} ${first.message}`);
  }
  const o = r.data;
  return Object.freeze({
    birthDate: o.birthDate ?? 'year',
    ageBands: o.ageBands ?? 10,
    reference: o.reference === undefined ? undefined : parseDate(o.reference)!.day,
    dates: o.dates ?? 'month',
    country: o.country,
    postalPrefix: o.postalPrefix,
    geoPrecision: o.geoPrecision ?? 1000,
    ipv4Prefix: o.ipv4Prefix ?? 24,
    ipv6Prefix: o.ipv6Prefix ?? 48,
    buckets: o.buckets,
    width: o.width ?? 10,
  });
}

/** The defaults, for callers (anonymize) that generalize without a rule. */
export const DEFAULT_GENERALIZE: ResolvedGeneralize = resolveGeneralize({}, 'defaults');

/** Which hierarchy a value climbs. `undefined`: it has none and is dropped. */
export type Family = 'birthDate' | 'date' | 'postalCode' | 'geo' | 'ipAddress' | 'number';

/** The hierarchy of a value of a kind: by kind where it has one, else by what the value is. Free text and other kinds have none. */
export function familyOf(kind: Kind | undefined, value: unknown): Family | undefined {
  switch (kind) {
    case 'birthDate':
    case 'postalCode':
    case 'geo':
    case 'ipAddress':
      return kind;
    case undefined:
      if (typeof value === 'number') return Number.isFinite(value) ? 'number' : undefined;
      return parseDate(value) !== undefined ? 'date' : undefined;
    default:
      // Names, emails, free text, identifiers…: no generalization keeps them safe, so they go.
      return undefined;
  }
}

const GRAINS: readonly DateGrain[] = ['day', 'week', 'month', 'year'];

/** How many levels a family has above its configured one before the value is suppressed (dropped). */
export function height(family: Family, o: ResolvedGeneralize, value?: unknown): number {
  switch (family) {
    case 'birthDate':
    case 'number':
      return 4;
    case 'date':
      return GRAINS.length - GRAINS.indexOf(o.dates);
    case 'postalCode':
      return postalRule(o, typeof value === 'string' ? value : '').length;
    case 'geo':
      return 3;
    case 'ipAddress':
      return 3;
  }
}

/** A label for a level, for reports: `'year'`, `'10-year band'`, `'3 characters'`, `'10000 m'`, `'/16'`. Never a value. */
export function levelLabel(family: Family, o: ResolvedGeneralize, level: number, sample?: unknown): string {
  if (level >= height(family, o, sample)) return 'suppressed';
  switch (family) {
    case 'birthDate':
      return o.birthDate === 'year' ? (level === 0 ? 'year' : `${yearSpan(level)}-year span`) : `age band${level === 0 ? '' : ` ×${2 ** level}`}`;
    case 'number':
      return o.buckets !== undefined ? `buckets${level === 0 ? '' : ` merged ×${2 ** level}`}` : `width ${o.width * 2 ** level}`;
    case 'date':
      return GRAINS[GRAINS.indexOf(o.dates) + level]!;
    case 'postalCode':
      return `${postalRule(o, typeof sample === 'string' ? sample : '')[level]!} characters`;
    case 'geo':
      return `${o.geoPrecision * 10 ** level} m`;
    case 'ipAddress':
      return `/${o.ipv4Prefix - 8 * level} (IPv6 /${o.ipv6Prefix - 16 * level})`;
  }
}

const yearSpan = (level: number): number => [1, 5, 10, 20][level] ?? 20;

/**
 * Generalizes one value at a level of its hierarchy (0: as the options say; each level coarser).
 * Returns `undefined` when the value has no hierarchy, is not of its kind's form, or the level is
 * past the top: the caller drops it. Never returns the value unchanged.
 */
export function generalizeValue(kind: Kind | undefined, value: unknown, o: ResolvedGeneralize, level = 0, now: () => number = Date.now): unknown {
  const family = familyOf(kind, value);
  if (family === undefined || level >= height(family, o, value)) return undefined;
  switch (family) {
    case 'birthDate':
      return birthDate(value, o, level, now);
    case 'date': {
      const d = parseDate(value);
      return d === undefined ? undefined : truncate(d.day, GRAINS[GRAINS.indexOf(o.dates) + level]!);
    }
    case 'postalCode':
      return postalCode(value, o, level);
    case 'geo':
      return geo(value, o.geoPrecision * 10 ** level);
    case 'ipAddress':
      return ipPrefix(value, o.ipv4Prefix - 8 * level, o.ipv6Prefix - 16 * level);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? bucket(value, o, level) : undefined;
  }
}

function truncate(day: number, grain: DateGrain): string {
  const { y, m } = ymd(day);
  switch (grain) {
    case 'day':
      return dayText(day);
    case 'week':
      return dayText(weekStart(day));
    case 'month':
      return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    case 'year':
      return String(y).padStart(4, '0');
  }
}

function birthDate(value: unknown, o: ResolvedGeneralize, level: number, now: () => number): string | undefined {
  const d = parseDate(value);
  if (d === undefined) return undefined;
  const born = ymd(d.day);
  if (o.birthDate === 'year') {
    const span = yearSpan(level);
    if (span === 1) return String(born.y);
    const from = Math.floor(born.y / span) * span;
    return `${from}-${from + span - 1}`;
  }
  const ref = ymd(o.reference ?? Math.floor(now() / 86_400_000));
  let age = ref.y - born.y;
  if (ref.m < born.m || (ref.m === born.m && ref.d < born.d)) age--;
  if (age < 0) return undefined;
  return rangeOf(age, o.ageBands, level);
}

/** With a width, a number a million widths or more from zero is an identifier (a card, phone or account number), not a measure. */
const IDENTIFIER_WIDTHS = 1e6;

function bucket(v: number, o: ResolvedGeneralize, level: number): string | undefined {
  // Its bucket would keep all but its last digits: dropped instead.
  if (o.buckets === undefined && Math.abs(v) >= IDENTIFIER_WIDTHS * o.width) return undefined;
  return rangeOf(v, o.buckets ?? o.width, level);
}

/** The bucket of `v`: with boundaries, every 2^level-th one kept; with a width, the width times 2^level. */
function rangeOf(v: number, spec: readonly number[] | number, level: number): string {
  if (typeof spec === 'number') {
    const w = spec * 2 ** level;
    const lo = Math.floor(v / w) * w;
    return `[${num(lo)},${num(lo + w)})`;
  }
  const step = 2 ** level;
  const kept = spec.filter((_, i) => i % step === 0);
  if (v < kept[0]!) return `<${num(kept[0]!)}`;
  for (let i = kept.length - 1; i >= 0; i--) {
    if (v >= kept[i]!) return i === kept.length - 1 ? `>=${num(kept[i]!)}` : `[${num(kept[i]!)},${num(kept[i + 1]!)})`;
  }
  return `<${num(kept[0]!)}`;
}

// Bucket edges print without floating-point noise (0.30000000000000004 → 0.3).
const num = (x: number): string => String(Number(x.toPrecision(12)));

/**
 * HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(B)): the three-digit ZIP areas with 20,000 people or
 * fewer (2000 Census, as HHS lists them) are written `000`.
 */
const SPARSE_ZIP3: ReadonlySet<string> = new Set(['036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893']);

/** The prefix lengths of a postal code's hierarchy, finest first. */
function postalRule(o: ResolvedGeneralize, code: string): number[] {
  let first: number;
  if (o.postalPrefix !== undefined) first = o.postalPrefix;
  else if (o.country === 'US' || o.country === 'CA') first = 3;
  else if (o.country === 'GB') first = Math.max(2, outward(code).length);
  else first = 2;
  return Array.from({ length: first }, (_, i) => first - i);
}

/** A UK postcode, compacted: an outward code of 2–4 characters (area, district) and an inward code of a digit and two letters. */
const GB_POSTCODE = /^(?:[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}|GIR0AA)$/;

/** A UK postcode's outward code: all but the last three characters of the compact form. */
function outward(code: string): string {
  const c = code.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return c.length > 4 ? c.slice(0, c.length - 3) : c.slice(0, 2);
}

function postalCode(value: unknown, o: ResolvedGeneralize, level: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const compact = String(value).replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  // A GB rule keeps all but the inward code: a value that is no postcode would keep nearly all of itself.
  if (o.country === 'GB' && o.postalPrefix === undefined && !GB_POSTCODE.test(compact)) return undefined;
  const rule = postalRule(o, compact);
  const n = rule[level];
  if (compact.length < 3 || n === undefined || n >= compact.length) return undefined;
  const prefix = compact.slice(0, n);
  if (o.country === 'US' && o.postalPrefix === undefined && level === 0 && SPARSE_ZIP3.has(prefix)) return '000';
  return prefix;
}

const METRES_PER_DEGREE = 111_320;

function snap(lat: number, lon: number, metres: number): [number, number] | undefined {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  const dLat = metres / METRES_PER_DEGREE;
  const cLat = Math.min(90, (Math.floor(lat / dLat) + 0.5) * dLat);
  // East-west cells keep the same size in metres at the cell's latitude (never narrower than at 89.4°).
  const dLon = Math.min(360, dLat / Math.max(0.01, Math.cos((cLat * Math.PI) / 180)));
  const cLon = Math.max(-180, Math.min(180, (Math.floor(lon / dLon) + 0.5) * dLon));
  return [round6(cLat), round6(cLon)];
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const LAT_KEYS = ['lat', 'latitude'] as const;
const LON_KEYS = ['lon', 'lng', 'long', 'longitude'] as const;

/** A position as `{ lat, lon }` (or latitude/lng/longitude), `'lat,lon'`, or GeoJSON `Point`; written back in its form with nothing else. */
function geo(value: unknown, metres: number): unknown {
  if (typeof value === 'string') {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
    const c = m === null ? undefined : snap(Number(m[1]), Number(m[2]), metres);
    return c === undefined ? undefined : `${c[0]},${c[1]}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (o['type'] === 'Point' && Array.isArray(o['coordinates'])) {
    const [lon, lat] = o['coordinates'] as unknown[];
    const c = typeof lat === 'number' && typeof lon === 'number' ? snap(lat, lon, metres) : undefined;
    return c === undefined ? undefined : { type: 'Point', coordinates: [c[1], c[0]] };
  }
  const latKey = LAT_KEYS.find((k) => typeof o[k] === 'number');
  const lonKey = LON_KEYS.find((k) => typeof o[k] === 'number');
  if (latKey === undefined || lonKey === undefined) return undefined;
  const c = snap(o[latKey] as number, o[lonKey] as number, metres);
  return c === undefined ? undefined : { [latKey]: c[0], [lonKey]: c[1] };
}

/** The network an address is in, as CIDR: `203.0.113.0/24`, `2001:db8:85a3::/48`. */
function ipPrefix(value: unknown, v4: number, v6: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ip = value.trim();
  const family = isIP(ip);
  if (family === 4) {
    if (v4 < 0) return undefined;
    const n = ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
    const mask = v4 === 0 ? 0 : Math.floor(n / 2 ** (32 - v4)) * 2 ** (32 - v4);
    return `${[24, 16, 8, 0].map((s) => Math.floor(mask / 2 ** s) % 256).join('.')}/${v4}`;
  }
  if (family === 6) {
    if (v6 < 0) return undefined;
    const words = ipv6Words(ip);
    if (words === undefined) return undefined;
    // A 6to4 address (2002::/16, RFC 3056) carries its IPv4 address in bits 16–47: that part gets the IPv4 prefix.
    const prefix = words[0] === 0x2002 ? Math.min(v6, 16 + v4) : v6;
    if (prefix < 0) return undefined;
    const out = words.map((w, i) => {
      const bits = Math.max(0, Math.min(16, prefix - i * 16));
      return bits === 0 ? 0 : w & (0xffff << (16 - bits)) & 0xffff;
    });
    return `${compressIpv6(out)}/${prefix}`;
  }
  return undefined;
}

function ipv6Words(ip: string): number[] | undefined {
  let text = ip.split('%')[0]!;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes its two words.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(fill).fill('0'), ...t].map((x) => parseInt(x, 16));
  return all.length === 8 && all.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? all : undefined;
}

/** RFC 5952 text of eight words: the longest run of two or more zero words becomes `::`. */
function compressIpv6(words: readonly number[]): string {
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > len && j - i >= 2) {
      best = i;
      len = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + len).join(':')}`;
}
