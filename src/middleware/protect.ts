// protect's behaviour, written once: a destination's whole policy compiled into one plan; one walk, one vault batch, the inventory fed.
import { isDestinations, type Destinations } from '../destinations/define.js';
import { recordFlow } from '../destinations/flows.js';
import { FieldguardError } from '../errors.js';
import { planSpec } from '../plan/api.js';
import { buildPlan, type CompiledPlan } from '../plan/compile.js';
import type { Report } from '../plan/walk.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, fieldSchemaOption, parseOptions } from '../options.js';
import type { FieldSchema } from '../schema/define.js';
import type { DestinationName, ReportPath } from '../schema/types.js';
import { z } from '../zod.js';
import { commonOptionShape, resolveCommon, type CommonOptions } from './config.js';
import type { Behaviour } from './exchange.js';
import type { RequestTarget } from './request.js';
import { requestGuard } from './scrub.js';
import { watched } from '../monitor/guard.js';

/**
 * Options of `protect` (Express, Koa, Fastify, Web). `S`, `D` and `N` are the schema, the registry
 * and the destination's name as the type knows them: where the schema was defined from zod and the
 * registry declared in place, the destination must be one the registry declares, and `onReport`
 * receives a report whose paths are the schema's ({@link ReportPath}); what the destination
 * receives is `Outbound<D, N, S>`. Untyped schemas and registries default to `string` paths and names.
 */
export interface ProtectOptions<S extends FieldSchema = FieldSchema, D extends Destinations = Destinations, N extends DestinationName<D> = DestinationName<D>>
  extends CommonOptions<ReportPath<S>> {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: S;
  /** The registry from `defineDestinations`. */
  readonly destinations: D;
  /** The name of the destination this route sends to. */
  readonly destination: N;
  /** What to protect: `'both'` (default: the body and the URL's query), `'body'` or `'query'`. */
  readonly target?: RequestTarget;
}

const options = z.strictObject({
  schema: fieldSchemaOption,
  destinations: z.custom<Destinations>(isDestinations, { message: 'must be the registry from defineDestinations(…)' }),
  destination: z.string().min(1),
  target: z.enum(['body', 'query', 'both']).optional(),
  ...commonOptionShape,
});

/** Compiles a destination's policy over a schema into one plan: what protect, guardFetch and the CLI all ask. */
export function destinationPlan(
  destinations: Destinations,
  name: string,
  schema: FieldSchema,
  limits: { readonly maxDepth?: number | undefined; readonly maxNodes?: number | undefined } = {},
): CompiledPlan {
  const d = destinations.get(name);
  return buildPlan(
    planSpec({
      schema,
      rules: d.planRules,
      untagged: d.untagged,
      maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH,
      maxNodes: limits.maxNodes ?? DEFAULT_MAX_NODES,
      keys: destinations.keys,
      vault: d.planRules.some((r) => r.action === 'tokenize') ? destinations.vault : undefined,
      namespace: d.namespace,
      exactNumbers: true,
    }),
  );
}

/** Validates protect's options and compiles the destination's plan. Throws at start-up. */
export function protectBehaviour<S extends FieldSchema, D extends Destinations, N extends DestinationName<D>>(factory: string, opts: ProtectOptions<S, D, N>, argc: number): Behaviour {
  const o = parseOptions(factory, options, opts as unknown as ProtectOptions, argc);
  if (!o.destinations.names.includes(o.destination)) {
    throw new FieldguardError('ERR_UNKNOWN_DESTINATION', `${factory}(): no destination named ${JSON.stringify(o.destination)}; declared: ${o.destinations.names.join(', ')}`);
  }
  const common = resolveCommon(o);
  const plan = destinationPlan(o.destinations, o.destination, o.schema, common);
  const onReport = (report: Report): void => {
    recordFlow(o.destination, report);
    common.onReport?.(report);
  };
  return watched(o.destinations, o.destinations, o.destination, requestGuard(plan, { ...common, onReport, target: o.target ?? 'both', checkUrl: true }), common);
}
