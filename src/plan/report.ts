// Merging walk reports, for middlewares that walk a body and a query in one request.
import type { Report } from './walk.js';

/** An empty report. */
export const EMPTY_REPORT: Report = Object.freeze({ kept: 0, dropped: 0, masked: 0, rejected: 0, untagged: 0, fields: Object.freeze([]) });

/** Sums reports into one; field entries are listed in order. */
export function mergeReports(reports: readonly Report[]): Report {
  if (reports.length === 0) return EMPTY_REPORT;
  if (reports.length === 1) return reports[0]!;
  return {
    kept: reports.reduce((n, r) => n + r.kept, 0),
    dropped: reports.reduce((n, r) => n + r.dropped, 0),
    masked: reports.reduce((n, r) => n + r.masked, 0),
    rejected: reports.reduce((n, r) => n + r.rejected, 0),
    untagged: reports.reduce((n, r) => n + r.untagged, 0),
    fields: reports.flatMap((r) => r.fields),
  };
}
