// anonymize: a batch made k-anonymous (and l-diverse) by climbing the generalize hierarchies, then suppressing what still stands out.
import { FieldguardError } from '../errors.js';
import { fieldSchemaOption, parseOptions, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES } from '../options.js';
import { buildPlan } from '../plan/compile.js';
import { planSpec } from '../plan/api.js';
import { applyPlan } from '../plan/walk.js';
import type { FieldSchema } from '../schema/define.js';
import { setKey } from '../plan/view.js';
import { z } from '../zod.js';
import { familyOf, generalizeValue, height, levelLabel, resolveGeneralize, type Family, type GeneralizeOptions, type ResolvedGeneralize } from './generalize.js';
import { batchFields, classesOf, keyText, valuesAt, type BatchField } from './records.js';
import { columnsOf } from './risk.js';

/** Options of {@link anonymize}. */
export interface AnonymizeOptions {
  /** The compiled schema of one record, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** Every record must share its quasi-identifiers with at least k − 1 others. At least 2. */
  readonly k: number;
  /** Every class must hold at least l distinct values of each sensitive attribute. Default: not required. */
  readonly l?: number;
  /** Paths of the quasi-identifiers; default as in `assessRisk`. Paths inside arrays are dropped, not generalized. */
  readonly quasiIdentifiers?: readonly string[];
  /** Paths of the sensitive attributes (kept as they are, measured for l); default as in `assessRisk`. */
  readonly sensitive?: readonly string[];
  /** Where each hierarchy starts: the `generalize` options. Default: the documented defaults. */
  readonly generalize?: GeneralizeOptions;
  /** The largest share of records that may be suppressed instead of generalizing further. Default 0.05. */
  readonly maxSuppression?: number;
}

/** The level one quasi-identifier was generalized to. */
export interface AnonymizedField {
  readonly path: string;
  /** 0 is the hierarchy's first step (the `generalize` options); each level is coarser. */
  readonly level: number;
  /** What that level keeps: `'year'`, `'3 characters'`, `'10000 m'`, `'suppressed'`. */
  readonly label: string;
}

/** What anonymize did and what it cost. Counts, levels and paths only. */
export interface AnonymizeReport {
  readonly records: number;
  /** Records left out because their class stayed below k (or l). */
  readonly suppressed: number;
  /** The k and l the released batch has (0 for an empty one; l per sensitive attribute). */
  readonly k: number;
  readonly l: Readonly<Record<string, number>>;
  readonly fields: readonly AnonymizedField[];
  /** Quasi-identifiers inside arrays, dropped from every record rather than generalized. */
  readonly dropped: readonly string[];
  /**
   * Information lost, 0 (none) to 1 (everything): one minus the precision of the release — each
   * quasi-identifier value's level over its hierarchy's height, a suppressed record or value
   * counting 1, averaged over quasi-identifiers and records.
   */
  readonly informationLoss: number;
}

/** The anonymized batch and its report. */
export interface AnonymizeResult<T = unknown> {
  readonly records: T[];
  readonly report: AnonymizeReport;
}

const options = z.strictObject({
  schema: fieldSchemaOption,
  k: z.number().int().min(2),
  l: z.number().int().min(1).optional(),
  quasiIdentifiers: z.array(z.string().min(1)).optional(),
  sensitive: z.array(z.string().min(1)).optional(),
  generalize: z.record(z.string(), z.unknown()).optional(),
  maxSuppression: z.number().min(0).max(1).optional(),
});

interface Column {
  readonly field: BatchField;
  readonly raw: readonly unknown[];
  readonly height: number;
  /** Its hierarchy; `'category'`: short untyped strings or booleans (sex, plan), kept as they are or suppressed. */
  readonly family: Family | 'category' | undefined;
  level: number;
  values: unknown[];
}

function generalizeColumn(c: Column, o: ResolvedGeneralize, now: number): void {
  if (c.family === 'category') c.values = c.raw.map((v) => (c.level === 0 ? v : undefined));
  else c.values = c.raw.map((v) => (v === undefined ? undefined : generalizeValue(c.field.kind, v, o, c.level, () => now)));
}

/** A quasi-identifier with no kind whose values are short strings or booleans: a category, whose only generalization is suppression. */
const isCategory = (raw: readonly unknown[]): boolean =>
  raw.every((v) => v === undefined || v === null || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 64)) && raw.some((v) => v !== undefined && v !== null);

/** Records whose class is below k, or below l for any sensitive attribute. */
function violators(cols: readonly Column[], sCols: readonly string[][], n: number, k: number, l: number | undefined): number[] {
  const keys = Array.from({ length: n }, (_, i) => cols.map((c) => keyText([c.values[i]])).join('\u0001'));
  const out: number[] = [];
  for (const members of classesOf(keys).values()) {
    const small = members.length < k;
    const narrow = l !== undefined && sCols.some((col) => new Set(members.map((i) => col[i]!)).size < l);
    if (small || narrow) out.push(...members);
  }
  return out;
}

/**
 * Makes a batch of records k-anonymous (and, with `l`, l-diverse) for an export to an analytics
 * vendor: direct identifiers (every personal or more sensitive field that is neither a
 * quasi-identifier nor a sensitive attribute) and untagged fields are dropped; the
 * quasi-identifiers are generalized along the `generalize` hierarchies — the one with the most
 * distinct values one level further each round (Sweeney's Datafly) — until the records still in
 * classes below k (or l) are few enough to suppress (`maxSuppression`, default 5%). Returns the
 * records and a report of the levels reached and the information lost. The input is not mutated.
 *
 * @throws FieldguardError `ERR_INVALID_OPTIONS` or `ERR_INVALID_PATH` for bad options.
 * @example
 * ```ts
 * const { records, report } = anonymize(patients, { schema: patientSchema, k: 5, l: 2 });
 * report.fields; // [{ path: 'birthDate', level: 1, label: '5-year span' }, { path: 'zip', level: 0, label: '2 characters' }]
 * ```
 */
export function anonymize<T = unknown>(records: readonly T[], opts: AnonymizeOptions): AnonymizeResult<T> {
  const o = parseOptions('anonymize', options, opts);
  if (!Array.isArray(records)) throw new FieldguardError('ERR_INVALID_OPTIONS', 'anonymize() takes an array of records');
  const g = resolveGeneralize(o.generalize, 'anonymize()');
  const now = Date.now();
  const { qis: all, sensitive } = batchFields(o.schema, o.quasiIdentifiers, o.sensitive, 'anonymize()');
  const qis = all.filter((q) => q.steps.every((s) => s !== undefined));
  const dropped = all.filter((q) => !qis.includes(q)).map((q) => q.path);
  const n = records.length;
  const cols: Column[] = qis.map((field) => {
    const raw = records.map((r) => valuesAt(r, field.steps)[0]);
    const sample = raw.find((v) => v !== undefined && v !== null);
    const typed = familyOf(field.kind, sample);
    const family = typed ?? (field.kind === undefined && isCategory(raw) ? 'category' : undefined);
    const h = family === undefined ? 0 : family === 'category' ? 1 : Math.max(1, ...raw.map((v) => (familyOf(field.kind, v) === family ? height(family, g, v) : 0)));
    return { field, raw, height: h, family, level: 0, values: [] };
  });
  for (const c of cols) generalizeColumn(c, g, now);
  const sCols = columnsOf(records, sensitive);
  const budget = Math.floor((o.maxSuppression ?? 0.05) * n);
  let bad = violators(cols, sCols, n, o.k, o.l);
  while (bad.length > budget) {
    // Datafly: the quasi-identifier with the most distinct values climbs one level.
    let pick: Column | undefined;
    let most = -1;
    for (const c of cols) {
      if (c.level >= c.height) continue;
      const distinct = new Set(c.values.map((v) => keyText([v]))).size;
      if (distinct > most) {
        most = distinct;
        pick = c;
      }
    }
    if (pick === undefined) break;
    pick.level++;
    generalizeColumn(pick, g, now);
    bad = violators(cols, sCols, n, o.k, o.l);
  }
  const out = new Set(bad);

  // Direct identifiers and untagged fields go; quasi-identifiers are dropped here and written back generalized.
  const plan = buildPlan(
    planSpec({
      schema: o.schema,
      rules: [
        ...(dropped.length + qis.length > 0 ? [{ select: { paths: [...qis.map((q) => q.path), ...dropped] }, action: 'drop' as const }] : []),
        ...(sensitive.length > 0 ? [{ select: { paths: sensitive.map((s) => s.path) }, action: 'keep' as const }] : []),
        { select: { sensitivity: ['public', 'internal'] }, action: 'keep' },
        { select: { atLeast: 'public' }, action: 'drop' },
      ],
      untagged: 'drop',
      maxDepth: DEFAULT_MAX_DEPTH,
      maxNodes: DEFAULT_MAX_NODES,
    }),
  );
  const released: T[] = [];
  let loss = 0;
  for (let i = 0; i < n; i++) {
    if (out.has(i)) {
      loss += cols.length;
      continue;
    }
    const value = applyPlan(plan, records[i]).value;
    for (const c of cols) {
      const v = c.values[i];
      if (v === undefined) {
        if (c.raw[i] !== undefined) loss += 1;
        continue;
      }
      loss += c.height === 0 ? 1 : c.level / c.height;
      if (value !== null && typeof value === 'object') place(value as Record<string, unknown>, c.field.steps as string[], v);
    }
    released.push(value as T);
  }
  const kept = [...Array(n).keys()].filter((i) => !out.has(i));
  const finalKeys = kept.map((i) => cols.map((c) => keyText([c.values[i]])).join('\u0001'));
  const classes = [...classesOf(finalKeys).values()].map((m) => m.map((j) => kept[j]!));
  const l: Record<string, number> = Object.create(null) as Record<string, number>;
  sensitive.forEach((s, j) => {
    l[s.path] = classes.length === 0 ? 0 : Math.min(...classes.map((m) => new Set(m.map((i) => sCols[j]![i]!)).size));
  });
  return {
    records: released,
    report: {
      records: n,
      suppressed: out.size,
      k: classes.length === 0 ? 0 : Math.min(...classes.map((m) => m.length)),
      l,
      fields: cols.map((c) => ({ path: c.field.path, level: c.level, label: c.family === undefined || c.level >= c.height ? 'suppressed' : c.family === 'category' ? 'as is' : levelLabel(c.family, g, c.level, c.raw.find((v) => v !== undefined)) })),
      dropped,
      informationLoss: n === 0 || cols.length === 0 ? 0 : Math.round((loss / (n * cols.length)) * 1e4) / 1e4,
    },
  };
}

/** Writes a generalized value at its path, making the objects on the way (as plain data, never through a setter). */
function place(target: Record<string, unknown>, steps: readonly string[], v: unknown): void {
  let at = target;
  for (let i = 0; i < steps.length - 1; i++) {
    const k = steps[i]!;
    const next = Object.prototype.hasOwnProperty.call(at, k) ? at[k] : undefined;
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const made: Record<string, unknown> = {};
      setKey(at, k, made);
      at = made;
    } else {
      at = next as Record<string, unknown>;
    }
  }
  setKey(at, steps[steps.length - 1]!, v);
}
