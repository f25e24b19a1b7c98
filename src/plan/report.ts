// Reports: what one walk did, by position — counts, paths and kinds, never a value — built from its tallies, and merged.
import type { LeafAction, PlanNode } from './compile.js';
import type { Position } from './position.js';
import type { Kind, Sensitivity } from '../schema/tags.js';

/** What a walk did at one path: how many values got which action. Never a value, never a key the sender chose. */
export interface ReportField {
  /** The path in pino syntax: schema keys, array positions as `[*]`, any other key as `*`. */
  readonly path: string;
  readonly action: LeafAction;
  readonly count: number;
  readonly sensitivity?: Sensitivity;
  readonly kind?: Kind;
  /** Set when no tag covers the path. */
  readonly untagged?: true;
  /** Tokens or ciphertexts at this path that did not resolve (unknown, expired, erased, moved, another namespace or kind). */
  readonly unresolved?: number;
}

/** Counts of what one application of a plan did, for metrics and audits. Paths and kinds only, never values. */
export interface Report {
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
  readonly fields: readonly ReportField[];
}

/** What one walk counted at each position, taken before any await. */
export type Tally = ReadonlyArray<readonly [Position, PlanNode, number]>;


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

/** Sums reports into one; field entries are listed in order. */
export function mergeReports(reports: readonly Report[]): Report {
  if (reports.length === 0) return EMPTY_REPORT;
  if (reports.length === 1) return reports[0]!;
  const sums = Object.fromEntries(COUNTS.map((k) => [k, reports.reduce((n, r) => n + r[k], 0)])) as Record<keyof Omit<Report, 'fields'>, number>;
  return { ...sums, fields: reports.flatMap((r) => r.fields) };
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

/** The report of a walk's tallies and unresolved tokens. */
export function buildReport(t: Tally, unresolved: ReadonlyMap<Position, number>): Report {
  const counts: Counts = { kept: 0, dropped: 0, masked: 0, rejected: 0, scanned: 0, untagged: 0, hashed: 0, encrypted: 0, decrypted: 0, tokenized: 0, detokenized: 0, generalized: 0, shifted: 0, unresolved: 0 };
  const fields: ReportField[] = [];
  for (const [pos, node, n] of t) {
    const failed = unresolved.get(pos) ?? 0;
    counts[COUNTER[node.action]] += n - failed;
    counts.unresolved += failed;
    if (node.untagged) counts.untagged += n;
    const field: { -readonly [K in keyof ReportField]: ReportField[K] } = { path: pos.label, action: node.action, count: n };
    if (node.tag !== undefined) {
      field.sensitivity = node.tag.sensitivity;
      if (node.tag.kind !== undefined) field.kind = node.tag.kind;
    } else if (node.untagged) {
      field.untagged = true;
    }
    if (failed > 0) field.unresolved = failed;
    fields.push(field);
  }
  return { ...counts, fields };
}

