// Options every middleware shares, validated with zod and resolved once into a fully defaulted configuration.
import type { Report } from '../plan/walk.js';
import type { Exchange } from './exchange.js';
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_NODES,
  errorFormatOption,
  errorsOption,
  limitBytes,
  limitOption,
  limitOptions,
  onReportOption,
} from '../options.js';

/** Options every middleware takes; `P` is the paths its reports name (`ReportPath<typeof Schema>` for a typed schema, else `string`). */
export interface CommonOptions<P extends string = string> {
  /** Called with each request's report (counts by path and kind, never values), for metrics. A throwing callback is ignored. */
  onReport?(report: Report<P>): void;
  /** Largest body fieldguard reads or buffers itself, in bytes or as `'1mb'`. Default 1 MiB (`'1mb'`). */
  readonly limit?: number | string;
  /** Deepest nesting accepted; deeper payloads answer 400 `ERR_PAYLOAD_TOO_DEEP`. Default 64. */
  readonly maxDepth?: number;
  /** Most values walked; more answer 413 `ERR_PAYLOAD_TOO_LARGE`. Default 1,000,000. */
  readonly maxNodes?: number;
  /**
   * How refusals are answered: `'respond'` (default) with fieldguard's own answer; `'next'`
   * (Express) or `'throw'` (Koa) hands the FieldguardError — `status`, `statusCode` and
   * `expose` set — to the app's error handling. Either way nothing is forwarded.
   */
  readonly errors?: 'respond' | 'next' | 'throw';
  /** The body of fieldguard's own answers: `'fieldguard'` (default, `{ error: { code, message, paths? } }`) or `'problem'` (RFC 9457). */
  readonly errorFormat?: 'fieldguard' | 'problem';
}

/** The zod shape of {@link CommonOptions}, spread into each middleware's options schema. */
export const commonOptionShape = {
  onReport: onReportOption,
  limit: limitOption.optional(),
  errors: errorsOption.optional(),
  errorFormat: errorFormatOption.optional(),
  ...limitOptions,
};

/** {@link CommonOptions} with every default applied. */
export interface CommonConfig {
  readonly onReport: ((report: Report) => void) | undefined;
  readonly limit: number;
  readonly maxDepth: number;
  readonly maxNodes: number;
  /** `'respond'`, or `'handler'`: the framework's own error handling. */
  readonly errors: 'respond' | 'handler';
  readonly errorFormat: 'fieldguard' | 'problem';
}

/** Resolves the shared options once, at start-up. */
export function resolveCommon(o: CommonOptions): CommonConfig {
  return Object.freeze({
    onReport: o.onReport,
    limit: limitBytes(o.limit),
    maxDepth: o.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxNodes: o.maxNodes ?? DEFAULT_MAX_NODES,
    errors: o.errors === undefined || o.errors === 'respond' ? 'respond' : 'handler',
    errorFormat: o.errorFormat ?? 'fieldguard',
  });
}

/** Calls a report callback; a failing metrics hook never fails a request. */
export function emitReport(onReport: ((report: Report) => void) | undefined, report: Report): void {
  if (onReport === undefined) return;
  try {
    onReport(report);
  } catch {
    // Metrics are best effort; the request's protection does not depend on them.
  }
}

/**
 * Hands a request's report to `onReport` and leaves it where the app reads it: built now when a
 * callback needs it, else left to be built on first read where the adapter can defer it.
 */
export function leaveReport(ex: Exchange, onReport: ((report: Report) => void) | undefined, read: () => Report): void {
  if (onReport === undefined && ex.reportLater !== undefined) {
    let report: Report | undefined;
    ex.reportLater(() => (report ??= read()));
    return;
  }
  const report = read();
  emitReport(onReport, report);
  ex.report(report);
}
