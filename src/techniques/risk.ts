// assessRisk: k-anonymity, l-diversity and what drives re-identification risk in a batch of records — counts and paths, never values.
import { fieldSchemaOption, parseOptions } from '../options.js';
import type { FieldSchema } from '../schema/define.js';
import { z } from '../zod.js';
import { batchFields, classesOf, diversity, keyText, valuesAt, type BatchField } from './records.js';

/** Options of {@link assessRisk}. */
export interface RiskOptions {
  /** The compiled schema of one record, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** Paths of the quasi-identifiers. Default: the schema's `birthDate`, `postalCode`, `geo` and `ipAddress` fields and those tagged `quasiIdentifier: true`. */
  readonly quasiIdentifiers?: readonly string[];
  /** Paths of the sensitive attributes l-diversity is measured for. Default: the schema's `special` fields that are not quasi-identifiers. */
  readonly sensitive?: readonly string[];
  /** The k a record's class must reach not to count as at risk. Default 5. */
  readonly k?: number;
}

/** How many equivalence classes have one size. */
export interface ClassSize {
  readonly size: number;
  readonly classes: number;
  readonly records: number;
}

/** What one quasi-identifier contributes to the risk: how the batch would look without it. */
export interface RiskDriver {
  readonly path: string;
  /** Distinct values it takes in the batch. */
  readonly distinct: number;
  /** k if this quasi-identifier were left out. */
  readonly kWithout: number;
  /** Records alone in their class if it were left out. */
  readonly uniqueWithout: number;
}

/** The re-identification risk of a batch. Counts and paths only: no value, no key of a record. */
export interface RiskReport {
  readonly records: number;
  readonly quasiIdentifiers: readonly string[];
  readonly sensitive: readonly string[];
  /** k-anonymity: the size of the smallest equivalence class (0 for an empty batch). */
  readonly k: number;
  /** Distinct l-diversity per sensitive attribute: the fewest distinct values in any class. */
  readonly l: Readonly<Record<string, number>>;
  readonly classes: number;
  /** Records alone in their class: re-identifiable by their quasi-identifiers alone. */
  readonly unique: number;
  /** Records in classes smaller than the `k` option. */
  readonly atRisk: number;
  /** The k the `atRisk` count is measured against. */
  readonly target: number;
  /** Class sizes, smallest first. */
  readonly distribution: readonly ClassSize[];
  /** The quasi-identifiers, the one whose removal helps most first. */
  readonly drivers: readonly RiskDriver[];
}

const options = z.strictObject({
  schema: fieldSchemaOption,
  quasiIdentifiers: z.array(z.string().min(1)).optional(),
  sensitive: z.array(z.string().min(1)).optional(),
  k: z.number().int().min(1).optional(),
});

/** The class keys of records over some quasi-identifiers (each given as its per-record value texts). */
function keysOver(columns: ReadonlyArray<readonly string[]>, n: number, skip = -1): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let key = '';
    for (let q = 0; q < columns.length; q++) if (q !== skip) key += `${columns[q]![i]!}\u0001`;
    out[i] = key;
  }
  return out;
}

function minSize(classes: Map<string, number[]>): number {
  let min = Infinity;
  for (const c of classes.values()) min = Math.min(min, c.length);
  return min === Infinity ? 0 : min;
}

function uniques(classes: Map<string, number[]>): number {
  let n = 0;
  for (const c of classes.values()) if (c.length === 1) n++;
  return n;
}

/** Per field, each record's value text. */
export function columnsOf(records: readonly unknown[], fields: readonly BatchField[]): string[][] {
  return fields.map((f) => records.map((r) => keyText(valuesAt(r, f.steps))));
}

/**
 * Measures how re-identifiable a batch of records is by its quasi-identifiers: k (the smallest
 * group of records that share all of them), l per sensitive attribute (the fewest distinct
 * sensitive values in a group), the size distribution of the groups, and which quasi-identifier
 * drives the risk (k and unique records without it). The report holds counts and paths only.
 *
 * @throws FieldguardError `ERR_INVALID_OPTIONS` or `ERR_INVALID_PATH` for bad options.
 * @example
 * ```ts
 * const risk = assessRisk(patients, { schema: patientSchema });
 * risk.k; // 1: some patient is alone with their birth date and postal code
 * risk.drivers[0]; // { path: 'birthDate', distinct: 812, kWithout: 4, uniqueWithout: 3 }
 * ```
 */
export function assessRisk(records: readonly unknown[], opts: RiskOptions): RiskReport {
  const o = parseOptions('assessRisk', options, opts);
  const list = Array.isArray(records) ? (records as unknown[]) : [...(records as Iterable<unknown>)];
  const { qis, sensitive } = batchFields(o.schema, o.quasiIdentifiers, o.sensitive, 'assessRisk()');
  const n = list.length;
  const columns = columnsOf(list, qis);
  const classes = classesOf(keysOver(columns, n));
  const target = o.k ?? 5;
  const bySize = new Map<number, number>();
  let atRisk = 0;
  for (const c of classes.values()) {
    bySize.set(c.length, (bySize.get(c.length) ?? 0) + 1);
    if (c.length < target) atRisk += c.length;
  }
  const sCols = columnsOf(list, sensitive);
  const sKeys = list.map((_, i) => sCols.map((col) => col[i]!));
  const drivers: RiskDriver[] = qis.map((q, j) => {
    const without = classesOf(keysOver(columns, n, j));
    return { path: q.path, distinct: new Set(columns[j]).size, kWithout: minSize(without), uniqueWithout: uniques(without) };
  });
  drivers.sort((a, b) => a.uniqueWithout - b.uniqueWithout || b.kWithout - a.kWithout || b.distinct - a.distinct);
  return {
    records: n,
    quasiIdentifiers: qis.map((q) => q.path),
    sensitive: sensitive.map((s) => s.path),
    k: minSize(classes),
    l: diversity(classes.values(), sKeys, sensitive),
    classes: classes.size,
    unique: uniques(classes),
    atRisk,
    target,
    distribution: [...bySize.entries()].sort((a, b) => a[0] - b[0]).map(([size, count]) => ({ size, classes: count, records: size * count })),
    drivers,
  };
}
