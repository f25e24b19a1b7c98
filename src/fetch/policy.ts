// The one place guardFetch asks the plan: a destination's policy applied to a body or a query, and tokens restored in an answer.
import type { Destination, Destinations } from '../destinations/define.js';
import { destinationPlan } from '../middleware/protect.js';
import { planSpec, vaultRules } from '../plan/api.js';
import { buildPlan, type CompiledPlan } from '../plan/compile.js';
import { applyPlan, applyPlanAsync, type PlanContext, type PlanResult } from '../plan/walk.js';
import type { FieldSchema } from '../schema/define.js';

/** What guardFetch needs from the plan; everything else in src/fetch is about HTTP. */
export interface FetchPolicy {
  /** The destination's policy applied to a parsed body or query: the value to send and the report for `flows()`. */
  apply(destination: Destination, schema: FieldSchema, value: unknown): Promise<PlanResult>;
  /** Tokens of the destination's namespace in an answer put back, audited with `context`. */
  detokenize(destination: Destination, schema: FieldSchema, value: unknown, context: PlanContext): Promise<PlanResult>;
}

/**
 * Compiles each destination's plan once per schema, on first use, and applies it. It is the only
 * place in src/fetch that asks the plan.
 *
 * @example
 * ```ts
 * const policy = fetchPolicy(destinations);
 * const { value, report } = await policy.apply(destinations.get('support'), orderSchema, JSON.parse(body));
 * ```
 */
export function fetchPolicy(destinations: Destinations): FetchPolicy {
  const plans = new Map<string, WeakMap<FieldSchema, CompiledPlan>>();
  const restorers = new Map<string, WeakMap<FieldSchema, CompiledPlan>>();
  const cached = (cache: Map<string, WeakMap<FieldSchema, CompiledPlan>>, d: Destination, schema: FieldSchema, build: () => CompiledPlan): CompiledPlan => {
    let bySchema = cache.get(d.name);
    if (bySchema === undefined) cache.set(d.name, (bySchema = new WeakMap()));
    let plan = bySchema.get(schema);
    if (plan === undefined) bySchema.set(schema, (plan = build()));
    return plan;
  };
  return {
    async apply(d, schema, value) {
      const plan = cached(plans, d, schema, () => destinationPlan(destinations, d.name, schema));
      return plan.async ? applyPlanAsync(plan, value) : applyPlan(plan, value);
    },
    detokenize(d, schema, value, context) {
      const plan = cached(restorers, d, schema, () =>
        // The answer goes back to the app's own code, not to a client: untagged fields pass as the vendor sent them.
        buildPlan(planSpec({ schema, rules: vaultRules('detokenize', undefined), untagged: 'keep', vault: destinations.vault, namespace: d.namespace })),
      );
      return applyPlanAsync(plan, value, context);
    },
  };
}
