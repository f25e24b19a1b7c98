// The core's plan factories: compilePlan and its shorthands compileScrub and compileMask.
import { z } from '../zod.js';
import {
  auditOption,
  fieldSchemaOption,
  formatsOption,
  keysOption,
  limitOptions,
  parseOptions,
  selectionOption,
  untaggedOption,
  vaultOption,
} from '../options.js';
import type { FieldSchema } from '../schema/define.js';
import { buildPlan, type CompiledPlan, type MaskFormats, type PlanOptions, type Rule, type UntaggedMode } from './compile.js';
import type { Selection } from './select.js';
import { applyPlan, applyPlanAsync, type PlanContext, type PlanResult } from './walk.js';
import type { Vault } from '../vault/vault.js';

/** A compiled plan, applied to one payload at a time: returns a new value and a report. */
export type Plan = <T = unknown>(value: T, context?: PlanContext) => PlanResult;

/** A compiled plan with vault actions: one vault batch per call. */
export type AsyncPlan = <T = unknown>(value: T, context?: PlanContext) => Promise<PlanResult>;

const planOptions = z.strictObject({
  schema: fieldSchemaOption,
  rules: z.array(
    z.strictObject({
      select: selectionOption,
      action: z.enum(['keep', 'drop', 'mask', 'hash', 'encrypt', 'decrypt', 'tokenize', 'detokenize']),
    }),
  ),
  untagged: untaggedOption.optional(),
  formats: formatsOption.optional(),
  keys: keysOption.optional(),
  vault: vaultOption.optional(),
  namespace: z.string().min(1).optional(),
  audit: auditOption.optional(),
  ...limitOptions,
});


/**
 * Compiles rules over a schema into a plan, once. The first rule that selects a field decides its
 * action (`keep`, `drop`, `mask`); fields no rule selects follow `untagged` (default `'drop'`).
 *
 * @throws FieldguardError `ERR_INVALID_OPTIONS` or `ERR_INVALID_PATH` at start-up.
 * @example
 * ```ts
 * const plan = compilePlan({ schema, rules: [
 *   { select: { kinds: ['cardNumber'] }, action: 'mask' },
 *   { select: { atLeast: 'public' }, action: 'keep' },
 * ] });
 * const { value, report } = plan(order);
 * ```
 */
export function compilePlan(options: PlanOptions & { readonly vault: Vault }): AsyncPlan;
export function compilePlan(options: PlanOptions): Plan;
export function compilePlan(options: PlanOptions): Plan | AsyncPlan {
  const o = parseOptions('compilePlan', planOptions, options);
  const compiled = buildPlan({
    schema: o.schema,
    rules: o.rules,
    untagged: o.untagged ?? 'drop',
    formats: o.formats,
    maxDepth: o.maxDepth,
    maxNodes: o.maxNodes,
    keys: o.keys,
    vault: o.vault,
    namespace: o.namespace,
    audit: o.audit,
  });
  if (o.vault !== undefined) {
    return function applyCompiledPlanAsync(value, context) {
      return applyPlanAsync(compiled, value, context);
    };
  }
  return function applyCompiledPlan(value, context) {
    return applyPlan(compiled, value, context);
  };
}

/** Options of {@link compileScrub}. */
export interface ScrubPlanOptions {
  /** The compiled schema, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** What may pass. Default `{ sensitivity: ['public', 'internal'] }`: nothing personal or above. */
  readonly allow?: Selection;
  /** Fields no tag covers: `'drop'` (default), `'keep'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
  /** Deepest nesting accepted. Default 64. */
  readonly maxDepth?: number;
  /** Most values walked. Default 1,000,000. */
  readonly maxNodes?: number;
}

/** The default allow-list of scrubbing: nothing personal or above. */
export const DEFAULT_ALLOW: Selection = Object.freeze({ sensitivity: Object.freeze(['public', 'internal'] as const) });

const scrubOptions = z.strictObject({
  schema: fieldSchemaOption,
  allow: selectionOption.optional(),
  untagged: untaggedOption.optional(),
  ...limitOptions,
});

/** Turns scrub options into the rules of the general plan: allowed fields kept, other tagged fields dropped. */
export function scrubRules(allow: Selection | undefined): Rule[] {
  return [
    { select: allow ?? DEFAULT_ALLOW, action: 'keep' },
    { select: { atLeast: 'public' }, action: 'drop' },
  ];
}

/**
 * Compiles data minimization: keeps only the fields `allow` selects, drops every other tagged field,
 * then applies `untagged` to fields no tag covers.
 *
 * @example
 * ```ts
 * const scrub = compileScrub({ schema });              // public + internal only
 * const { value, report } = scrub({ id: 'o-1', customer: { email: 'a@b.c' } });
 * // value: { id: 'o-1', customer: {} }
 * ```
 */
export function compileScrub(options: ScrubPlanOptions): Plan {
  const o = parseOptions('compileScrub', scrubOptions, options);
  const compiled = buildPlan({
    schema: o.schema,
    rules: scrubRules(o.allow),
    untagged: o.untagged ?? 'drop',
    formats: undefined,
    maxDepth: o.maxDepth,
    maxNodes: o.maxNodes,
  });
  return function scrub(value) {
    return applyPlan(compiled, value);
  };
}

/** Options of {@link compileMask}. */
export interface MaskPlanOptions {
  /** The compiled schema, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** What to mask. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Format overrides per kind and per path. */
  readonly formats?: MaskFormats;
  /** Fields no tag covers: `'keep'` (default; masking is not minimization), `'drop'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
  /** Deepest nesting accepted. Default 64. */
  readonly maxDepth?: number;
  /** Most values walked. Default 1,000,000. */
  readonly maxNodes?: number;
}

const maskOptions = z.strictObject({
  schema: fieldSchemaOption,
  select: selectionOption.optional(),
  formats: formatsOption.optional(),
  untagged: untaggedOption.optional(),
  ...limitOptions,
});

/** Turns mask options into the rules of the general plan: selected fields masked, other tagged fields kept. */
export function maskRules(select: Selection | undefined): Rule[] {
  return [
    { select: select ?? { atLeast: 'personal' }, action: 'mask' },
    { select: { atLeast: 'public' }, action: 'keep' },
  ];
}

/**
 * Compiles partial masking: the fields `select` picks (default: personal and above) are replaced by
 * their kind's mask format; everything else passes.
 *
 * @example
 * ```ts
 * const mask = compileMask({ schema });
 * mask({ card: '4111 1111 1111 1111' }).value; // { card: '**** **** **** 1111' }
 * ```
 */
export function compileMask(options: MaskPlanOptions): Plan {
  const o = parseOptions('compileMask', maskOptions, options);
  const compiled = buildPlan({
    schema: o.schema,
    rules: maskRules(o.select),
    untagged: o.untagged ?? 'keep',
    formats: o.formats,
    maxDepth: o.maxDepth,
    maxNodes: o.maxNodes,
  });
  return function mask(value) {
    return applyPlan(compiled, value);
  };
}

/** Options of {@link compileTokenize}. */
export interface TokenizePlanOptions {
  /** The compiled schema, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** What to tokenize. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** The vault, from `createVault`. */
  readonly vault: Vault;
  /** Token namespace. Default `'default'`. */
  readonly namespace?: string;
  /** Fields no tag covers: `'keep'` (default), `'drop'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
  /** Deepest nesting accepted. Default 64. */
  readonly maxDepth?: number;
  /** Most values walked. Default 1,000,000. */
  readonly maxNodes?: number;
}

const tokenizeOptions = z.strictObject({
  schema: fieldSchemaOption,
  select: selectionOption.optional(),
  vault: vaultOption,
  namespace: z.string().min(1).optional(),
  untagged: untaggedOption.optional(),
  ...limitOptions,
});

/** The rules of tokenization: selected fields tokenized, other tagged fields kept. */
export function tokenizeRules(select: Selection | undefined): Rule[] {
  return vaultRules('tokenize', select);
}

function vaultRules(action: 'tokenize' | 'detokenize', select: Selection | undefined): Rule[] {
  return [
    { select: select ?? { atLeast: 'personal' }, action },
    { select: { atLeast: 'public' }, action: 'keep' },
  ];
}

/** Everything a tokenizing or detokenizing plan needs, from options already validated. */
export function vaultPlan(
  action: 'tokenize' | 'detokenize',
  o: { schema: FieldSchema; select?: Selection | undefined; vault: Vault; namespace?: string | undefined; untagged?: UntaggedMode | undefined; maxDepth?: number | undefined; maxNodes?: number | undefined },
): CompiledPlan {
  return buildPlan({
    schema: o.schema,
    rules: vaultRules(action, o.select),
    untagged: o.untagged ?? 'keep',
    formats: undefined,
    maxDepth: o.maxDepth,
    maxNodes: o.maxNodes,
    vault: o.vault,
    namespace: o.namespace,
  });
}

/**
 * Compiles tokenization: the selected fields (default: personal and above) are replaced by vault
 * tokens, collected in the walk and resolved in one batch — one store round trip per payload.
 * A field's `retention` sets its token's expiry.
 *
 * @example
 * ```ts
 * const tokenize = compileTokenize({ schema, vault, namespace: 'crm' });
 * const { value } = await tokenize(order); // customer.email: 'tok_…'
 * ```
 */
export function compileTokenize(options: TokenizePlanOptions): AsyncPlan {
  const compiled = vaultPlan('tokenize', parseOptions('compileTokenize', tokenizeOptions, options));
  return function tokenize(value, context) {
    return applyPlanAsync(compiled, value, context);
  };
}

/** Options of {@link compileDetokenize}. */
export type DetokenizePlanOptions = TokenizePlanOptions;

/** The rules of detokenization: selected fields resolved, other tagged fields kept. */
export function detokenizeRules(select: Selection | undefined): Rule[] {
  return vaultRules('detokenize', select);
}

/**
 * Compiles detokenization: tokens at the selected fields are turned back into values in one vault
 * batch, audited with the `actor` and `purpose` of the call. Unknown, expired or erased tokens stay
 * as they are and are counted as `unresolved`.
 *
 * @example
 * ```ts
 * const detokenize = compileDetokenize({ schema, vault });
 * const { value } = await detokenize(vendorAnswer, { actor: 'support-42', purpose: 'ticket 981' });
 * ```
 */
export function compileDetokenize(options: DetokenizePlanOptions): AsyncPlan {
  const compiled = vaultPlan('detokenize', parseOptions('compileDetokenize', tokenizeOptions, options));
  return function detokenize(value, context) {
    return applyPlanAsync(compiled, value, context);
  };
}
