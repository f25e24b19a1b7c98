// tokenizeFields' and detokenizeFields' behaviour, written once: plans compiled at start-up; authorization and audit per request.
import { FieldguardError } from '../errors.js';
import { decisionAt, planSpec, VAULT_UNTAGGED, vaultRules } from '../plan/api.js';
import { buildPlan, type UntaggedMode } from '../plan/compile.js';
import type { Selection } from '../plan/select.js';
import { applyPlanAsync, type PlanContext } from '../plan/walk.js';
import type { FieldSchema } from '../schema/define.js';
import type { ReportPath } from '../schema/types.js';
import type { Vault } from '../vault/vault.js';
import { fieldSchemaOption, parseOptions, selectionOption, untaggedOption, vaultOption } from '../options.js';
import { z } from '../zod.js';
import { refuse } from './answer.js';
import { commonOptionShape, resolveCommon, type CommonOptions } from './config.js';
import type { Behaviour } from './exchange.js';
import { guardResponse } from './response.js';
import { requestGuard } from './scrub.js';
import type { RequestTarget } from './request.js';

/** Options of `tokenizeFields`; `S` is the schema's type, so that `onReport` names its paths. */
export interface TokenizeFieldsOptions<S extends FieldSchema = FieldSchema> extends CommonOptions<ReportPath<S>> {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: S;
  /** The vault, from `createVault`. */
  readonly vault: Vault;
  /** What to tokenize. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Token namespace, e.g. one per vendor. Default `'default'`. */
  readonly namespace?: string;
  /** `'request'` (default) tokenizes the incoming request; `'response'` what the handler answers. */
  readonly on?: 'request' | 'response';
  /** On the request: `'both'` (default: the body and the URL's query, as scrubPII), `'body'` or `'query'`. */
  readonly target?: RequestTarget;
  /** Fields no tag covers: `'drop'` (default, fail closed), `'keep'`, `'scan'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
}

/** What `authorize` is told: which fields would be re-identified, and why. */
export interface DetokenizeRequest {
  readonly paths: readonly string[];
  readonly kinds: readonly string[];
  readonly purpose: string;
}

/** Options of `detokenizeFields`; `Req` is the framework's request (Express's, Koa's context, …), `S` the schema's type, so that `onReport` names its paths. */
export interface DetokenizeFieldsOptions<Req, S extends FieldSchema = FieldSchema> extends CommonOptions<ReportPath<S>> {
  readonly schema: S;
  readonly vault: Vault;
  /** Must return true (or a promise of true) for the request, else the answer is 403 `ERR_DETOKENIZE_FORBIDDEN`. */
  readonly authorize: (req: Req, request: DetokenizeRequest) => boolean | Promise<boolean>;
  /** Why values are re-identified; recorded in every audit event. */
  readonly purpose: string;
  /** Who is re-identifying, for the audit event. Default `'unknown'`. */
  readonly actor?: (req: Req) => string;
  /** What to resolve. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Token namespace: only tokens made in it resolve. Default `'default'`. */
  readonly namespace?: string;
  /** `'response'` (default) resolves what the handler answers; `'request'` the incoming body. */
  readonly on?: 'request' | 'response';
  /** Fields no tag covers: `'scan'` (default), `'keep'`, `'drop'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
}

const common = {
  schema: fieldSchemaOption,
  vault: vaultOption,
  select: selectionOption.optional(),
  namespace: z.string().min(1).optional(),
  on: z.enum(['request', 'response']).optional(),
  untagged: untaggedOption.optional(),
  ...commonOptionShape,
};
const tokenizeOptions = z.strictObject({ ...common, target: z.enum(['body', 'query', 'both']).optional() });
const detokenizeOptions = z.strictObject({
  ...common,
  authorize: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function (req, { paths, kinds, purpose }) => boolean' }),
  purpose: z.string().min(1),
  actor: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function (req) => string' }).optional(),
});

/** Validates tokenizeFields options and compiles its plan. */
export function tokenizeBehaviour<S extends FieldSchema>(factory: string, options: TokenizeFieldsOptions<S>, argc: number): Behaviour {
  const o = parseOptions(factory, tokenizeOptions, options as unknown as TokenizeFieldsOptions, argc);
  const config = resolveCommon(o);
  const plan = buildPlan(planSpec({ ...config, schema: o.schema, rules: vaultRules('tokenize', o.select), untagged: o.untagged ?? VAULT_UNTAGGED.tokenize, vault: o.vault, namespace: o.namespace, exactNumbers: o.on !== 'response' }));
  if (o.on === 'response') {
    return async function tokenizeResponse(ex) {
      guardResponse(ex, (body) => applyPlanAsync(plan, body), config);
      await ex.next();
    };
  }
  return requestGuard(plan, { ...config, target: o.target ?? 'both', checkUrl: true });
}

/** Validates detokenizeFields options and compiles its plan. */
export function detokenizeBehaviour<Req, S extends FieldSchema = FieldSchema>(factory: string, options: DetokenizeFieldsOptions<Req, S>, argc: number): Behaviour<Req> {
  const o = parseOptions(factory, detokenizeOptions, options as unknown as DetokenizeFieldsOptions<Req>, argc);
  const config = resolveCommon(o);
  const plan = buildPlan(planSpec({ ...config, schema: o.schema, rules: vaultRules('detokenize', o.select), untagged: o.untagged ?? VAULT_UNTAGGED.detokenize, vault: o.vault, namespace: o.namespace }));
  // What would be re-identified, asked of the plan itself.
  const targets = o.schema.fields().filter((f) => decisionAt(plan, f.path).action === 'detokenize');
  const asked: DetokenizeRequest = Object.freeze({
    paths: Object.freeze(targets.map((f) => f.path)),
    kinds: Object.freeze([...new Set(targets.map((f) => f.tag.kind).filter((k): k is NonNullable<typeof k> => k !== undefined))]),
    purpose: o.purpose,
  });
  const authorize = async (req: Req): Promise<PlanContext> => {
    let actor = 'unknown';
    let allowed = false;
    try {
      if (o.actor !== undefined) actor = String(o.actor(req));
      allowed = (await o.authorize(req, asked)) === true;
    } catch {
      allowed = false; // an authorizer that throws refuses
    }
    if (!allowed) {
      o.vault.audit({ at: new Date().toISOString(), actor, purpose: o.purpose, paths: asked.paths, kinds: asked.kinds, count: 0, outcome: 'denied', action: 'detokenize' });
      throw new FieldguardError('ERR_DETOKENIZE_FORBIDDEN', 'this caller may not re-identify these fields');
    }
    return { actor, purpose: o.purpose };
  };
  if (o.on === 'request') {
    const contexts = new WeakMap<object, PlanContext>();
    const guard = requestGuard(plan, { ...config, target: 'body', checkUrl: false }, (ex) => contexts.get(ex));
    return async function detokenizeRequest(ex) {
      try {
        contexts.set(ex, await authorize(ex.native));
      } catch (e) {
        return refuse(ex, e, config);
      }
      return guard(ex);
    };
  }
  return async function detokenizeResponse(ex) {
    let context: PlanContext;
    try {
      context = await authorize(ex.native);
    } catch (e) {
      return refuse(ex, e, config);
    }
    guardResponse(ex, (body) => applyPlanAsync(plan, body, context), config);
    await ex.next();
  };
}
