// tokenizeFields' and detokenizeFields' behaviour, framework-free: plans compiled once; authorization and audit per request.
import { z } from '../zod.js';
import { FieldguardError } from '../errors.js';
import { vaultPlan } from '../plan/api.js';
import type { UntaggedMode } from '../plan/compile.js';
import type { Selection } from '../plan/select.js';
import { applyPlanAsync, type PlanResult, type Report } from '../plan/walk.js';
import type { FieldSchema } from '../schema/define.js';
import type { Vault } from '../vault/vault.js';
import { fieldSchemaOption, limitOptions, onReportOption, parseOptions, selectionOption, untaggedOption, vaultOption } from '../options.js';
import { emitReport, requestBehaviour, type RequestBehaviour } from './scrub.js';
import type { CommonOptions } from './request.js';

/** Options of `tokenizeFields` (Express and Koa). */
export interface TokenizeFieldsOptions extends CommonOptions {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** The vault, from `createVault`. */
  readonly vault: Vault;
  /** What to tokenize. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Token namespace, e.g. one per vendor. Default `'default'`. */
  readonly namespace?: string;
  /** `'request'` (default) tokenizes the incoming body; `'response'` what the handler sends. */
  readonly on?: 'request' | 'response';
  /** Fields no tag covers: `'keep'` (default), `'drop'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
}

/** What `authorize` is told: which fields would be re-identified, and why. */
export interface DetokenizeRequest {
  readonly paths: readonly string[];
  readonly kinds: readonly string[];
  readonly purpose: string;
}

/** Options of `detokenizeFields`; `Req` is Express's request or Koa's context. */
export interface DetokenizeFieldsOptions<Req> extends CommonOptions {
  readonly schema: FieldSchema;
  readonly vault: Vault;
  /** Must return true (or a promise of true) for the request, else the answer is 403 `ERR_DETOKENIZE_FORBIDDEN`. */
  readonly authorize: (req: Req, request: DetokenizeRequest) => boolean | Promise<boolean>;
  /** Why values are re-identified; recorded in every audit event. */
  readonly purpose: string;
  /** Who is re-identifying, for the audit event. Default `'unknown'`. */
  readonly actor?: (req: Req) => string;
  /** What to resolve. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Token namespace. Default `'default'`. */
  readonly namespace?: string;
  /** `'response'` (default) resolves what the handler sends; `'request'` the incoming body. */
  readonly on?: 'request' | 'response';
  /** Fields no tag covers: `'keep'` (default), `'drop'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
}

const common = {
  schema: fieldSchemaOption,
  vault: vaultOption,
  select: selectionOption.optional(),
  namespace: z.string().min(1).optional(),
  on: z.enum(['request', 'response']).optional(),
  untagged: untaggedOption.optional(),
  onReport: onReportOption,
  limit: z.number().int().positive().optional(),
  ...limitOptions,
};
const tokenizeOptions = z.strictObject(common);
const detokenizeOptions = z.strictObject({
  ...common,
  authorize: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function (req, { paths, kinds, purpose }) => boolean' }),
  purpose: z.string().min(1),
  actor: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function (req) => string' }).optional(),
});

/** The compiled behaviour of a tokenizing or detokenizing middleware. */
export interface VaultBehaviour<Req> {
  readonly on: 'request' | 'response';
  /** Checks authorization (detokenize only); throws `ERR_DETOKENIZE_FORBIDDEN`, after auditing the refusal. */
  authorize(req: Req): Promise<{ actor: string; purpose: string } | undefined>;
  /** For `on: 'request'`. */
  request(context: { actor: string; purpose: string } | undefined): RequestBehaviour;
  /** For `on: 'response'`. */
  response(body: unknown, context: { actor: string; purpose: string } | undefined): Promise<PlanResult>;
}

/** Validates tokenizeFields options and compiles its plan. */
export function tokenizeBehaviour<Req>(factory: string, options: TokenizeFieldsOptions): VaultBehaviour<Req> {
  const o = parseOptions(factory, tokenizeOptions, options);
  const plan = vaultPlan('tokenize', o);
  const request = requestBehaviour(plan, 'body', o.limit ?? 1_048_576, o.onReport);
  return {
    on: o.on ?? 'request',
    authorize: async () => undefined,
    request: () => request,
    async response(body) {
      const result = await applyPlanAsync(plan, body);
      emitReport(o.onReport, result.report);
      return result;
    },
  };
}

/** Validates detokenizeFields options and compiles its plan. */
export function detokenizeBehaviour<Req>(factory: string, options: DetokenizeFieldsOptions<Req>): VaultBehaviour<Req> {
  const o = parseOptions(factory, detokenizeOptions, options);
  const plan = vaultPlan('detokenize', o);
  const targets = plan.nodes.filter((n) => n.action === 'detokenize');
  const asked: DetokenizeRequest = Object.freeze({
    paths: Object.freeze([...new Set(targets.map((n) => n.label))]),
    kinds: Object.freeze([...new Set(targets.map((n) => n.tag?.kind).filter((k): k is NonNullable<typeof k> => k !== undefined))]),
    purpose: o.purpose,
  });
  const limit = o.limit ?? 1_048_576;
  return {
    on: o.on ?? 'response',
    async authorize(req) {
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
    },
    request: (context) => requestBehaviour(plan, 'body', limit, o.onReport, context),
    async response(body, context) {
      const result = await applyPlanAsync(plan, body, context);
      emitReport(o.onReport, result.report);
      return result;
    },
  };
}
