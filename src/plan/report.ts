// Reports: what one walk did, by position — counts, paths and kinds, never a value — built from its tallies, and merged.
import type { LeafAction, PlanNode } from './compile.js';
import type { Position } from './position.js';
import type { Kind, Sensitivity } from '../schema/tags.js';
import { subjectHash } from './subjects.js';

/**
 * What a walk did at one path: how many values got which action. Never a value, never a key the sender chose.
 * `P` is the paths it may name: `ReportPath<typeof Schema>` for a schema of a known zod type, else `string`.
 */
export interface ReportField<P extends string = string> {
  /** The path in pino syntax: schema keys, array positions as `[*]`, any other key as `*`. */
  readonly path: P;
  readonly action: LeafAction;
  readonly count: number;
  readonly sensitivity?: Sensitivity;
  readonly kind?: Kind;
  /**
   * The JSON type of the values counted here, as the app handed them (before the action):
   * `'string'`, `'number'`, `'boolean'`, `'null'`, `'array'`, `'object'` or `'undefined'`, or several
   * joined by `|` in that order when the values at the path differ (`'number|string'`).
   * Every walk sets it; a report built by hand may leave it out.
   */
  readonly type?: string;
  /** Set when no tag covers the path. */
  readonly untagged?: true;
  /** Tokens or ciphertexts at this path that did not resolve (unknown, expired, erased, moved, another namespace or kind). */
  readonly unresolved?: number;
}

/**
 * Counts of what one application of a plan did, for metrics and audits. Paths and kinds only, never values.
 * `P` is the paths its fields may name: `ReportPath<typeof Schema>` for a schema of a known zod type, else `string`.
 */
export interface Report<P extends string = string> {
  readonly kept: number;
  readonly dropped: number;
  readonly masked: number;
  /** Untagged fields refused under `untagged: 'reject'`. */
  readonly rejected: number;
  /** Untagged values kept after the detectors ran over them (`untagged: 'scan'`). */
  readonly scanned: number;
  /** How many of the fields above no tag covered. */
  readonly untagged: number;
  readonly hashed: number;
  readonly encrypted: number;
  /** Ciphertexts decrypted (those that did not authenticate are in `unresolved`). */
  readonly decrypted: number;
  readonly tokenized: number;
  /** Tokens resolved (those that did not are in `unresolved`). */
  readonly detokenized: number;
  /** Values generalized (those that could not be are dropped, and counted here too). */
  readonly generalized: number;
  /** Dates shifted (those that could not be are dropped, and counted here too). */
  readonly shifted: number;
  readonly unresolved: number;
  readonly fields: readonly ReportField<P>[];
}

/**
 * What one walk counted at each position, taken before any await: parallel arrays, the `i`-th
 * position, node and count of each entry (no tuple per position).
 */
export interface Tally {
  readonly positions: readonly Position[];
  readonly nodes: readonly PlanNode[];
  readonly counts: readonly number[];
  /** The JSON types seen at each position, as bits of {@link typeBit}. */
  readonly types: readonly number[];
}

const TYPE_NAMES = ['string', 'number', 'boolean', 'null', 'array', 'object', 'undefined'] as const;
/** The `type` of a report entry for each set of bits, spelled once. */
const TYPE_TEXT: string[] = Array.from({ length: 1 << TYPE_NAMES.length }, (_, bits) => TYPE_NAMES.filter((_, i) => (bits & (1 << i)) !== 0).join('|'));

/**
 * The JSON type of a value as one bit (string 1, number 2, boolean 4, null 8, array 16, object 32,
 * undefined 64): what `JSON.stringify` would write — a Date is a string, a bigint a number, a
 * function or symbol nothing.
 */
export function typeBit(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'boolean':
      return 4;
    case 'object':
      return v === null ? 8 : Array.isArray(v) ? 16 : v instanceof Date ? 1 : 32;
    default:
      return 64;
  }
}


const COUNTS: ReadonlyArray<keyof Omit<Report, 'fields'>> = [
  'kept',
  'dropped',
  'masked',
  'rejected',
  'scanned',
  'untagged',
  'hashed',
  'encrypted',
  'decrypted',
  'tokenized',
  'detokenized',
  'generalized',
  'shifted',
  'unresolved',
];

/** An empty report. */
export const EMPTY_REPORT: Report = Object.freeze({
  ...(Object.fromEntries(COUNTS.map((k) => [k, 0])) as Record<keyof Omit<Report, 'fields'>, number>),
  fields: Object.freeze([]),
});

/** Most subject hashes kept per report: the monitor's sketch needs no more to see a rise. */
export const MAX_SUBJECTS = 10_000;
const NO_SUBJECTS: readonly number[] = Object.freeze([]);

/**
 * A report as walks build it: the {@link Report} fields, and in a private field the subject hashes
 * of the pseudonyms the walk sent — its keyed hashes and tokens — for the monitor's distinct
 * subjects. A private field is no property: it is in no JSON, spread, `Object.keys` or inspection
 * of the report.
 */
class WalkReport implements Report {
  readonly kept: number;
  readonly dropped: number;
  readonly masked: number;
  readonly rejected: number;
  readonly scanned: number;
  readonly untagged: number;
  readonly hashed: number;
  readonly encrypted: number;
  readonly decrypted: number;
  readonly tokenized: number;
  readonly detokenized: number;
  readonly generalized: number;
  readonly shifted: number;
  readonly unresolved: number;
  readonly fields: readonly ReportField[];
  #subjects: readonly number[] | undefined;

  constructor(c: Readonly<Counts>, fields: readonly ReportField[], subjects: readonly number[] | undefined) {
    this.kept = c.kept;
    this.dropped = c.dropped;
    this.masked = c.masked;
    this.rejected = c.rejected;
    this.scanned = c.scanned;
    this.untagged = c.untagged;
    this.hashed = c.hashed;
    this.encrypted = c.encrypted;
    this.decrypted = c.decrypted;
    this.tokenized = c.tokenized;
    this.detokenized = c.detokenized;
    this.generalized = c.generalized;
    this.shifted = c.shifted;
    this.unresolved = c.unresolved;
    this.fields = fields;
    this.#subjects = subjects !== undefined && subjects.length > 0 ? subjects : undefined;
  }

  static subjects(r: Report): readonly number[] | undefined {
    return #subjects in r ? (r as WalkReport).#subjects : undefined;
  }
}

/** Subject hashes recorded for reports made by hand (tests, adapters that assemble one), beside them. */
const KEPT = new WeakMap<Report, readonly number[]>();

/**
 * The subject hashes ({@link subjectHash}) of the keyed hashes and tokens the walk behind a report
 * sent (at most {@link MAX_SUBJECTS}); empty when it sent none.
 */
export function subjectsOf(report: Report): readonly number[] {
  return WalkReport.subjects(report) ?? KEPT.get(report) ?? NO_SUBJECTS;
}

/** Records the pseudonyms a report that was not built by a walk stands for, as their subject hashes; returns the report. */
export function keepSubjects(report: Report, pseudonyms: readonly string[] | undefined): Report {
  if (pseudonyms !== undefined && pseudonyms.length > 0) KEPT.set(report, pseudonyms.map(subjectHash));
  return report;
}

/** Sums reports into one; field entries are listed in order (and the pseudonyms they sent kept with the sum). */
export function mergeReports(reports: readonly Report[]): Report {
  if (reports.length === 0) return EMPTY_REPORT;
  if (reports.length === 1) return reports[0]!;
  const sums = Object.fromEntries(COUNTS.map((k) => [k, reports.reduce((n, r) => n + r[k], 0)])) as Counts;
  const subjects = reports.flatMap((r) => subjectsOf(r));
  return new WalkReport(sums, reports.flatMap((r) => r.fields), subjects.length > MAX_SUBJECTS ? subjects.slice(0, MAX_SUBJECTS) : subjects);
}

const COUNTER: Readonly<Record<LeafAction, keyof Counts>> = {
  keep: 'kept',
  drop: 'dropped',
  mask: 'masked',
  reject: 'rejected',
  scan: 'scanned',
  hash: 'hashed',
  encrypt: 'encrypted',
  fpe: 'encrypted',
  decrypt: 'decrypted',
  tokenize: 'tokenized',
  detokenize: 'detokenized',
  generalize: 'generalized',
  shiftDates: 'shifted',
};

type Counts = { -readonly [K in Exclude<keyof Report, 'fields'>]: number };

/** Makes the report entry of one (position, node) pair for a count: its fixed part decided once, not per walk. */
type FieldMaker = (count: number, type: string) => { -readonly [K in keyof ReportField]: ReportField[K] };

/** The maker of a position's entry, remembered on the position for the node last reported there. */
function makerFor(pos: Position, node: PlanNode): FieldMaker {
  if (pos.reportNode === node) return pos.reportMaker as FieldMaker;
  let make: FieldMaker;
  const path = pos.label;
  const action = node.action;
  const tag = node.tag;
  // One object literal per shape, so every entry of a shape is built the same way.
  if (tag !== undefined && tag.kind !== undefined) {
    const { sensitivity, kind } = tag;
    make = (count, type) => ({ path, action, count, type, sensitivity, kind });
  } else if (tag !== undefined) {
    const { sensitivity } = tag;
    make = (count, type) => ({ path, action, count, type, sensitivity });
  } else if (node.untagged) {
    make = (count, type) => ({ path, action, count, type, untagged: true as const });
  } else {
    make = (count, type) => ({ path, action, count, type });
  }
  pos.reportNode = node;
  pos.reportMaker = make;
  return make;
}

/** The report of a walk's tallies and unresolved tokens, with the subject hashes of the pseudonyms it sent (see {@link subjectsOf}). */
export function buildReport(t: Tally, unresolved: ReadonlyMap<Position, number>, subjects?: readonly number[]): Report {
  const counts: Counts = { kept: 0, dropped: 0, masked: 0, rejected: 0, scanned: 0, untagged: 0, hashed: 0, encrypted: 0, decrypted: 0, tokenized: 0, detokenized: 0, generalized: 0, shifted: 0, unresolved: 0 };
  const { positions, nodes } = t;
  const ns = t.counts;
  const ts = t.types;
  const fields = new Array<ReportField>(positions.length);
  const anyUnresolved = unresolved.size > 0;
  for (let i = 0; i < positions.length; i++) {
    const pos = positions[i]!;
    const node = nodes[i]!;
    const n = ns[i]!;
    const failed = anyUnresolved ? (unresolved.get(pos) ?? 0) : 0;
    counts[COUNTER[node.action]] += n - failed;
    counts.unresolved += failed;
    if (node.untagged) counts.untagged += n;
    const field = makerFor(pos, node)(n, TYPE_TEXT[ts[i]!]!);
    if (failed > 0) field.unresolved = failed;
    fields[i] = field;
  }
  return new WalkReport(counts, fields, subjects);
}
