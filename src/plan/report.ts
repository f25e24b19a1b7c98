// Merging walk reports, for middlewares that walk a body and a query in one request.
import type { Report } from './walk.js';

type Counts = Omit<Report, 'fields'>;
const COUNTS: ReadonlyArray<keyof Counts> = [
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
  'unresolved',
];

/** An empty report. */
export const EMPTY_REPORT: Report = Object.freeze({
  ...(Object.fromEntries(COUNTS.map((k) => [k, 0])) as Record<keyof Counts, number>),
  fields: Object.freeze([]),
});

/** Sums reports into one; field entries are listed in order. */
export function mergeReports(reports: readonly Report[]): Report {
  if (reports.length === 0) return EMPTY_REPORT;
  if (reports.length === 1) return reports[0]!;
  const sums = Object.fromEntries(COUNTS.map((k) => [k, reports.reduce((n, r) => n + r[k], 0)])) as Record<keyof Counts, number>;
  return { ...sums, fields: reports.flatMap((r) => r.fields) };
}
