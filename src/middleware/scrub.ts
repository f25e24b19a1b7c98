// scrubPII's behaviour, written once: options resolved and the plan compiled at start-up; per request, URL, body and query guarded.
import { buildPlan, type CompiledPlan, type UntaggedMode } from '../plan/compile.js';
import { planSpec, scrubRules } from '../plan/api.js';
import type { Selection } from '../plan/select.js';
import { applyPlan, applyPlanAsync, type PlanContext } from '../plan/walk.js';
import { fieldSchemaOption, parseOptions, selectionOption, untaggedOption } from '../options.js';
import type { FieldSchema } from '../schema/define.js';
import type { ReportPath } from '../schema/types.js';
import { z } from '../zod.js';
import { refuse } from './answer.js';
import { commonOptionShape, resolveCommon, type CommonOptions } from './config.js';
import type { Behaviour } from './exchange.js';
import { watched } from '../monitor/guard.js';
import type { Monitor } from '../monitor/monitor.js';
import { rewriteRequest, type RequestConfig, type RequestTarget } from './request.js';

/** Options of `scrubPII`; `S` is the schema's type, so that `onReport` names its paths. */
export interface ScrubOptions<S extends FieldSchema = FieldSchema> extends CommonOptions<ReportPath<S>> {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: S;
  /** What may pass. Default `{ sensitivity: ['public', 'internal'] }`: nothing personal or above. */
  readonly allow?: Selection;
  /**
   * Fields no tag covers: `'drop'` (default, fail closed), `'keep'`, `'scan'` (kept after the
   * detectors masked what they find), or `'reject'` (422 `ERR_UNTAGGED_FIELD` with their paths).
   */
  readonly untagged?: UntaggedMode;
  /** What to scrub: `'both'` (default: the body and the URL's query), `'body'` or `'query'`. */
  readonly target?: RequestTarget;
  /** The destination (vendor) this route sends to, for the monitor's counts and its kill switch. */
  readonly destination?: string;
  /** A monitor from `createMonitor`: with `destination`, what this route forwards is counted there. */
  readonly monitor?: Monitor;
}

const scrubOptions = z.strictObject({
  schema: fieldSchemaOption,
  allow: selectionOption.optional(),
  untagged: untaggedOption.optional(),
  target: z.enum(['body', 'query', 'both']).optional(),
  destination: z.string().min(1).optional(),
  monitor: z.custom<Monitor>((v) => v !== null && typeof v === 'object' && typeof (v as Monitor).flush === 'function', { message: 'must be a monitor from createMonitor(…)' }).optional(),
  ...commonOptionShape,
});

/**
 * The request guard every outbound middleware shares: rewrite the request through the plan, or
 * refuse it; only a rewritten request goes on.
 */
export function requestGuard(plan: CompiledPlan, config: RequestConfig, context?: (ex: Parameters<Behaviour>[0]) => PlanContext | undefined): Behaviour {
  return async function guardRequest(ex) {
    const ctx = context?.(ex);
    try {
      await rewriteRequest(ex, config, (v) => (plan.async ? applyPlanAsync(plan, v, ctx) : applyPlan(plan, v, ctx)));
    } catch (e) {
      return refuse(ex, e, config);
    }
    await ex.next();
  };
}

/** Validates scrubPII options and compiles its plan. Throws `ERR_INVALID_OPTIONS` at start-up. */
export function scrubBehaviour<S extends FieldSchema>(factory: string, options: ScrubOptions<S>, argc: number): Behaviour {
  const o = parseOptions(factory, scrubOptions, options as unknown as ScrubOptions, argc);
  const common = resolveCommon(o);
  const plan = buildPlan(planSpec({ ...common, schema: o.schema, rules: scrubRules(o.allow), untagged: o.untagged ?? 'drop', exactNumbers: true }));
  return watched(o.monitor, o.monitor?.destinations, o.destination, requestGuard(plan, { ...common, target: o.target ?? 'both', checkUrl: true }), common);
}
