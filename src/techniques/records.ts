// Batches of records for assessRisk and anonymize: which fields are quasi-identifiers and sensitive, read by path, grouped into classes.
import { FieldguardError } from '../errors.js';
import type { FieldSchema } from '../schema/define.js';
import { parsePath } from '../schema/path.js';
import type { FieldTag, Kind } from '../schema/tags.js';

/** Kinds that are quasi-identifiers wherever they appear. */
export const QUASI_KINDS: ReadonlySet<Kind> = new Set<Kind>(['birthDate', 'postalCode', 'geo', 'ipAddress']);

/** A field of the batch: its path, its steps (`undefined` for any key or item) and its kind. */
export interface BatchField {
  readonly path: string;
  readonly steps: ReadonlyArray<string | undefined>;
  readonly kind: Kind | undefined;
}

const within = (path: string, parent: string): boolean => path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);

/** The topmost of the schema's fields that `pick` selects (a geo object, not also its `lat` and `lon`). */
function topmost(schema: FieldSchema, pick: (tag: FieldTag) => boolean): Array<{ path: string; tag: FieldTag }> {
  const all = schema.fields().filter((f) => pick(f.tag));
  return all.filter((f) => !all.some((g) => g !== f && within(f.path, g.path)));
}

function field(schema: FieldSchema, path: string, where: string): BatchField {
  let segs;
  try {
    segs = parsePath(path);
  } catch (e) {
    throw new FieldguardError('ERR_INVALID_PATH', `${where}: ${(e as Error).message}`);
  }
  const steps: Array<string | undefined> = [];
  for (const s of segs) {
    if ('deep' in s) throw new FieldguardError('ERR_INVALID_PATH', `${where}: ${JSON.stringify(path)} must name one position, without **`);
    steps.push('key' in s ? s.key : undefined);
  }
  return { path, steps, kind: schema.tagAt(path)?.kind };
}

/**
 * The batch's quasi-identifiers — given, or by default the schema's `birthDate`, `postalCode`,
 * `geo` and `ipAddress` fields and those tagged `quasiIdentifier: true` — and its sensitive
 * attributes — given, or by default the `special` fields that are not quasi-identifiers.
 */
export function batchFields(
  schema: FieldSchema,
  quasiIdentifiers: readonly string[] | undefined,
  sensitive: readonly string[] | undefined,
  where: string,
): { qis: BatchField[]; sensitive: BatchField[] } {
  const qiPaths = quasiIdentifiers ?? topmost(schema, (t) => t.quasiIdentifier === true || (t.kind !== undefined && QUASI_KINDS.has(t.kind))).map((f) => f.path);
  const qis = qiPaths.map((p) => field(schema, p, where));
  const sPaths =
    sensitive ??
    topmost(schema, (t) => t.sensitivity === 'special')
      .map((f) => f.path)
      .filter((p) => !qiPaths.some((q) => q === p || within(p, q) || within(q, p)));
  return { qis, sensitive: sPaths.map((p) => field(schema, p, where)) };
}

/** Every value at a field's position in a record (several below `*` or `[*]`). */
export function valuesAt(record: unknown, steps: ReadonlyArray<string | undefined>): unknown[] {
  let level: unknown[] = [record];
  try {
    for (const step of steps) {
      const next: unknown[] = [];
      for (const v of level) {
        if (v === null || typeof v !== 'object') continue;
        if (step === undefined) next.push(...(Array.isArray(v) ? v : Object.values(v)));
        else if (Object.prototype.hasOwnProperty.call(v, step)) next.push((v as Record<string, unknown>)[step]);
      }
      level = next;
    }
  } catch {
    // A getter or proxy's own error may quote what it guards: it is replaced, never passed on.
    unreadable();
  }
  return level.filter((v) => v !== undefined);
}

function unreadable(): never {
  throw new FieldguardError('ERR_UNREADABLE_VALUE', 'a value of a record could not be read (a getter threw, or it is circular or holds a BigInt); nothing was measured');
}

/** A value as class-key text: equal values, equal text (a Date as its instant); absent is `null`. Held in memory only, never reported. */
export function keyText(values: readonly unknown[]): string {
  const norm = (v: unknown): unknown => (v instanceof Date ? `D${v.getTime()}` : typeof v === 'bigint' ? `B${v}` : v === undefined ? null : v);
  if (values.length === 0) return 'null';
  try {
    if (values.length === 1) return JSON.stringify(norm(values[0])) ?? 'null';
    return JSON.stringify(values.map((v) => JSON.stringify(norm(v)) ?? 'null').sort());
  } catch {
    // JSON.stringify's TypeError on a circular value names the keys on the circle, which a sender may have chosen.
    return unreadable();
  }
}

/** Equivalence classes: record indices grouped by their quasi-identifier key. */
export function classesOf(keys: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const c = out.get(k);
    if (c === undefined) out.set(k, [i]);
    else c.push(i);
  });
  return out;
}

/** The smallest number of distinct sensitive values in any class, per sensitive field (l-diversity). */
export function diversity(classes: Iterable<readonly number[]>, sensitiveKeys: ReadonlyArray<readonly string[]>, fields: readonly BatchField[]): Record<string, number> {
  const l: Record<string, number> = Object.create(null) as Record<string, number>;
  const list = [...classes];
  fields.forEach((f, j) => {
    let min = Infinity;
    for (const c of list) min = Math.min(min, new Set(c.map((i) => sensitiveKeys[i]![j]!)).size);
    l[f.path] = min === Infinity ? 0 : min;
  });
  return l;
}
