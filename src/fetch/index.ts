// fieldguard/fetch: guardFetch, a fetch that applies the destination's policy to what code sends vendors directly.
import type { Agent as UndiciAgent } from 'undici';
import { z } from '../zod.js';
import { isDestinations, type Destination, type Destinations } from '../destinations/define.js';
import { recordFlow } from '../destinations/flows.js';
import { FieldguardError } from '../errors.js';
import { bodyFormat, parseBody, serializeBody } from '../middleware/body.js';
import { destinationPlan } from '../middleware/protect.js';
import { parseOptions } from '../options.js';
import type { CompiledPlan } from '../plan/compile.js';
import { detokenizeRules } from '../plan/api.js';
import { buildPlan } from '../plan/compile.js';
import { applyPlan, applyPlanAsync, type PlanResult } from '../plan/walk.js';
import { defineSchema, type FieldSchema } from '../schema/define.js';
import { peer } from '../peer.js';

type FetchLike = (input: string | URL, init?: Record<string, unknown>) => Promise<Response>;

/** Options of {@link guardFetch}. */
export interface GuardFetchOptions {
  /** The registry from `defineDestinations`; each destination that code calls needs a `baseUrl`. */
  readonly destinations: Destinations;
  /** The schema of a request's body, or `undefined` (then only `untagged` applies: by default every field is dropped). */
  readonly schemaFor: (url: URL, init: RequestInit | undefined) => FieldSchema | undefined;
  /**
   * The fetch to call. Default: undici's, with a dispatcher that refuses TLS below 1.2. A custom
   * fetch receives that dispatcher in `init.dispatcher`.
   */
  readonly fetch?: FetchLike;
  /** Extra trusted certificate authorities (PEM), e.g. a vendor's private CA. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /**
   * Detokenize JSON answers for an authorized caller: `authorize()` must return true, and the
   * audit event records `actor` and `purpose`.
   */
  readonly detokenize?: {
    readonly authorize: (url: URL) => boolean | Promise<boolean>;
    readonly actor: string | (() => string);
    readonly purpose: string;
  };
}

const options = z.strictObject({
  destinations: z.custom<Destinations>(isDestinations, { message: 'must be the registry from defineDestinations(…)' }),
  schemaFor: z.custom<GuardFetchOptions['schemaFor']>((v) => typeof v === 'function', { message: 'must be a function (url, init) => FieldSchema | undefined' }),
  fetch: z.custom<FetchLike>((v) => typeof v === 'function').optional(),
  ca: z.unknown().optional(),
  detokenize: z
    .strictObject({
      authorize: z.custom<(url: URL) => boolean>((v) => typeof v === 'function'),
      actor: z.union([z.string(), z.custom<() => string>((v) => typeof v === 'function')]),
      purpose: z.string().min(1),
    })
    .optional(),
});

const EMPTY = defineSchema({});

/**
 * Returns a `fetch` for code that calls vendors directly rather than through a proxy route. Each
 * call is matched to a declared destination by URL (`baseUrl`); its JSON or form body goes through
 * the destination's policy in one walk (one vault batch) before a byte is sent. It refuses plain
 * `http:` and TLS below 1.2 (`ERR_INSECURE_TRANSPORT`), a URL that matches no destination
 * (`ERR_UNKNOWN_DESTINATION`) and a body it cannot inspect (`ERR_UNSUPPORTED_CONTENT_TYPE`).
 * Every call feeds the runtime inventory (`flows()`).
 *
 * @example
 * ```ts
 * const vendorFetch = guardFetch({ destinations, schemaFor: (url) => url.pathname.startsWith('/v1/events') ? eventSchema : undefined });
 * await vendorFetch('https://api.acme.example/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
 * ```
 */
export function guardFetch(opts: GuardFetchOptions): (input: string | URL, init?: RequestInit) => Promise<Response> {
  const o = parseOptions('guardFetch', options, opts);
  const undici = peer<typeof import('undici')>('undici', '7', 'guardFetch()');
  const ca = o.ca === undefined ? undefined : ([] as Array<string | Buffer>).concat(o.ca as string | Buffer | Array<string | Buffer>);
  const dispatcher: UndiciAgent = new undici.Agent({ connect: { minVersion: 'TLSv1.2', ...(ca === undefined ? {} : { ca }) } });
  const send: FetchLike = o.fetch ?? (undici.fetch as unknown as FetchLike);
  const plans = new Map<string, WeakMap<FieldSchema, CompiledPlan>>();
  const planFor = (d: Destination, schema: FieldSchema): CompiledPlan => {
    let bySchema = plans.get(d.name);
    if (bySchema === undefined) plans.set(d.name, (bySchema = new WeakMap()));
    let plan = bySchema.get(schema);
    // Compiled once per destination and schema, on first use.
    if (plan === undefined) bySchema.set(schema, (plan = destinationPlan(o.destinations, d.name, schema)));
    return plan;
  };
  const detokenizers = new WeakMap<FieldSchema, CompiledPlan>();

  return async function guardedFetch(input, init) {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : (input as Request).url);
    if (url.protocol !== 'https:') {
      throw new FieldguardError('ERR_INSECURE_TRANSPORT', `guardFetch refuses ${url.protocol} URLs: vendors are called over https only`);
    }
    const destination = o.destinations.match(url);
    if (destination === undefined) {
      throw new FieldguardError('ERR_UNKNOWN_DESTINATION', `no declared destination has a baseUrl that covers ${url.origin}${url.pathname}`);
    }
    const schema = o.schemaFor(url, init) ?? EMPTY;
    let body = init?.body ?? undefined;
    const headers = new Headers(init?.headers);
    if (body !== undefined && body !== null) {
      const format = typeof body === 'string' ? bodyFormat(headers.get('content-type') ?? undefined) : body instanceof URLSearchParams ? 'form' : undefined;
      if (format === undefined) {
        throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'guardFetch sends JSON or form bodies only (a string with a JSON or form content type, or URLSearchParams)');
      }
      const parsed = parseBody(format, String(body));
      const plan = planFor(destination, schema);
      const result: PlanResult = plan.async ? await applyPlanAsync(plan, parsed) : applyPlan(plan, parsed);
      recordFlow(destination.name, result.report);
      body = serializeBody(format, result.value === undefined ? {} : result.value);
      if (format === 'form') headers.set('content-type', 'application/x-www-form-urlencoded');
      headers.delete('content-length');
    }
    const response = await send(url, { ...(init as Record<string, unknown>), headers, ...(body === undefined ? {} : { body }), dispatcher });
    if (o.detokenize === undefined || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    if ((await o.detokenize.authorize(url)) !== true) return response;
    let plan = detokenizers.get(schema);
    if (plan === undefined) {
      detokenizers.set(
        schema,
        (plan = buildPlan({ schema, rules: detokenizeRules(undefined), untagged: 'keep', formats: undefined, maxDepth: undefined, maxNodes: undefined, vault: o.destinations.vault, namespace: destination.namespace })),
      );
    }
    const actor = typeof o.detokenize.actor === 'function' ? o.detokenize.actor() : o.detokenize.actor;
    const answer: unknown = await response.json();
    const restored = await applyPlanAsync(plan, answer, { actor, purpose: o.detokenize.purpose });
    const out = new Headers(response.headers);
    out.delete('content-length');
    out.delete('content-encoding');
    return new Response(JSON.stringify(restored.value), { status: response.status, statusText: response.statusText, headers: out });
  };
}
