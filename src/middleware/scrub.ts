// scrubPII's behaviour, framework-free: options checked and the plan compiled once; per request, the body and query rewritten.
import { z } from '../zod.js';
import type { FieldSchema } from '../schema/define.js';
import { buildPlan, type CompiledPlan, type UntaggedMode } from '../plan/compile.js';
import { scrubRules } from '../plan/api.js';
import { mergeReports } from '../plan/report.js';
import type { Selection } from '../plan/select.js';
import { applyPlan, applyPlanAsync, type PlanContext, type Report } from '../plan/walk.js';
import { fieldSchemaOption, limitOptions, onReportOption, parseOptions, selectionOption, untaggedOption } from '../options.js';
import { rewriteRequest, type CommonOptions, type RequestRewrite, type RequestShape, type RequestTarget } from './request.js';

/** Options of `scrubPII` (Express and Koa). */
export interface ScrubOptions extends CommonOptions {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** What may pass. Default `{ sensitivity: ['public', 'internal'] }`: nothing personal or above. */
  readonly allow?: Selection;
  /**
   * Fields no tag covers: `'drop'` (default, fail closed), `'keep'`, or `'reject'` (the request is
   * refused with 422 `ERR_UNTAGGED_FIELD` and the fields' paths).
   */
  readonly untagged?: UntaggedMode;
  /** What to scrub: `'body'` (default), `'query'` (also rewrites the URL's query string) or `'both'`. */
  readonly target?: RequestTarget;
}

const scrubOptions = z.strictObject({
  schema: fieldSchemaOption,
  allow: selectionOption.optional(),
  untagged: untaggedOption.optional(),
  target: z.enum(['body', 'query', 'both']).optional(),
  onReport: onReportOption,
  limit: z.number().int().positive().optional(),
  ...limitOptions,
});

/** The compiled behaviour of one scrubPII middleware. */
export interface RequestBehaviour {
  /** Rewrites one request; throws FieldguardError when the request must be refused. */
  handle(req: RequestShape): Promise<RequestRewrite & { readonly report: Report }>;
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

/** Validates scrubPII options and compiles its plan. Throws `ERR_INVALID_OPTIONS` at start-up. */
export function scrubBehaviour(factory: string, options: ScrubOptions): RequestBehaviour {
  const o = parseOptions(factory, scrubOptions, options);
  const plan = buildPlan({
    schema: o.schema,
    rules: scrubRules(o.allow),
    untagged: o.untagged ?? 'drop',
    formats: undefined,
    maxDepth: o.maxDepth,
    maxNodes: o.maxNodes,
  });
  return requestBehaviour(plan, o.target ?? 'body', o.limit ?? 1_048_576, o.onReport);
}

/** The per-request part shared by every request-side middleware: rewrite, merge the reports, emit. */
export function requestBehaviour(
  plan: CompiledPlan,
  target: RequestTarget,
  limit: number,
  onReport: ((report: Report) => void) | undefined,
  context?: PlanContext,
): RequestBehaviour {
  return {
    async handle(req) {
      const rewrite = await rewriteRequest(req, target, limit, (v) => (plan.async ? applyPlanAsync(plan, v, context) : applyPlan(plan, v, context)));
      const report = mergeReports(rewrite.reports);
      emitReport(onReport, report);
      return { ...rewrite, report };
    },
  };
}
