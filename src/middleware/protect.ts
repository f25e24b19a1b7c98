// protect's behaviour, framework-free: a destination's whole policy compiled into one plan; one walk, one vault batch.
import { z } from '../zod.js';
import { isDestinations, type Destinations } from '../destinations/define.js';
import { recordFlow } from '../destinations/flows.js';
import { buildPlan, type CompiledPlan } from '../plan/compile.js';
import type { Report } from '../plan/walk.js';
import type { FieldSchema } from '../schema/define.js';
import { fieldSchemaOption, limitOptions, onReportOption, parseOptions } from '../options.js';
import { requestBehaviour, type RequestBehaviour } from './scrub.js';
import type { CommonOptions, RequestTarget } from './request.js';
import { FieldguardError } from '../errors.js';

/** Options of `protect` (Express and Koa). */
export interface ProtectOptions extends CommonOptions {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** The registry from `defineDestinations`. */
  readonly destinations: Destinations;
  /** The name of the destination this route sends to. */
  readonly destination: string;
  /** What to protect: `'body'` (default), `'query'` or `'both'`. */
  readonly target?: RequestTarget;
}

const options = z.strictObject({
  schema: fieldSchemaOption,
  destinations: z.custom<Destinations>(isDestinations, { message: 'must be the registry from defineDestinations(…)' }),
  destination: z.string().min(1),
  target: z.enum(['body', 'query', 'both']).optional(),
  onReport: onReportOption,
  limit: z.number().int().positive().optional(),
  ...limitOptions,
});

/** Compiles a destination's policy over a schema into one plan. */
export function destinationPlan(destinations: Destinations, name: string, schema: FieldSchema, limits: { maxDepth?: number | undefined; maxNodes?: number | undefined } = {}): CompiledPlan {
  const d = destinations.get(name);
  return buildPlan({
    schema,
    rules: d.planRules,
    untagged: d.untagged,
    formats: undefined,
    maxDepth: limits.maxDepth,
    maxNodes: limits.maxNodes,
    keys: destinations.keys,
    vault: d.planRules.some((r) => r.action === 'tokenize') ? destinations.vault : undefined,
    namespace: d.namespace,
  });
}

/** Validates protect's options and compiles the destination's plan. Throws at start-up. */
export function protectBehaviour(factory: string, opts: ProtectOptions): RequestBehaviour {
  const o = parseOptions(factory, options, opts);
  if (!o.destinations.names.includes(o.destination)) {
    throw new FieldguardError('ERR_UNKNOWN_DESTINATION', `${factory}(): no destination named ${JSON.stringify(o.destination)}; declared: ${o.destinations.names.join(', ')}`);
  }
  const plan = destinationPlan(o.destinations, o.destination, o.schema, o);
  const onReport = (report: Report): void => {
    recordFlow(o.destination, report);
    o.onReport?.(report);
  };
  return requestBehaviour(plan, o.target ?? 'body', o.limit ?? 1_048_576, onReport);
}
