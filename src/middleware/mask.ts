// maskFields' behaviour, framework-free: the plan compiled once; per request, the body or the answer masked.
import { z } from '../zod.js';
import type { FieldSchema } from '../schema/define.js';
import { buildPlan, type MaskFormats, type UntaggedMode } from '../plan/compile.js';
import { maskRules } from '../plan/api.js';
import type { Selection } from '../plan/select.js';
import { applyPlan, type PlanResult, type Report } from '../plan/walk.js';
import { fieldSchemaOption, formatsOption, limitOptions, onReportOption, parseOptions, selectionOption, untaggedOption } from '../options.js';
import { emitReport, requestBehaviour, type RequestBehaviour } from './scrub.js';
import type { CommonOptions } from './request.js';

/** Options of `maskFields` (Express and Koa). */
export interface MaskOptions extends CommonOptions {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** What to mask. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Mask format overrides per kind and per path: `fn(value, { path, kind })`. */
  readonly formats?: MaskFormats;
  /**
   * `'response'` (default) masks what the handler sends (`res.json`/`res.send` of an object in
   * Express, `ctx.body` in Koa); `'request'` masks the incoming body.
   */
  readonly on?: 'request' | 'response';
  /** Fields no tag covers: `'keep'` (default), `'drop'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
}

const maskOptions = z.strictObject({
  schema: fieldSchemaOption,
  select: selectionOption.optional(),
  formats: formatsOption.optional(),
  on: z.enum(['request', 'response']).optional(),
  untagged: untaggedOption.optional(),
  onReport: onReportOption,
  limit: z.number().int().positive().optional(),
  ...limitOptions,
});

/** The compiled behaviour of one maskFields middleware. */
export interface MaskBehaviour {
  readonly on: 'request' | 'response';
  /** For `on: 'request'`. */
  readonly request: RequestBehaviour;
  /** For `on: 'response'`: masks one answer body; throws FieldguardError when it cannot. */
  response(body: unknown): PlanResult;
}

/** Validates maskFields options and compiles its plan. Throws `ERR_INVALID_OPTIONS` at start-up. */
export function maskBehaviour(factory: string, options: MaskOptions): MaskBehaviour {
  const o = parseOptions(factory, maskOptions, options);
  const plan = buildPlan({
    schema: o.schema,
    rules: maskRules(o.select),
    untagged: o.untagged ?? 'keep',
    formats: o.formats,
    maxDepth: o.maxDepth,
    maxNodes: o.maxNodes,
  });
  return {
    on: o.on ?? 'response',
    request: requestBehaviour(plan, 'body', o.limit ?? 1_048_576, o.onReport),
    response(body) {
      const result = applyPlan(plan, body);
      emitReport(o.onReport, result.report);
      return result;
    },
  };
}
