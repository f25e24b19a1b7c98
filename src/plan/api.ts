// The core's plan factories: compilePlan and its shorthands, each a compiled plan that applies itself and answers actionAt(path).
import { defaultScan } from '../detect/scan.js';
import { secretKeyMatcher } from '../log/secret-keys.js';

/** The credential-name family, with its look-up cache, shared by every plan that scans untagged data. */
const isCredentialName = secretKeyMatcher();
import { FieldguardError } from '../errors.js';
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
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_NODES,
} from '../options.js';
import type { FieldSchema } from '../schema/define.js';
import { parsePath } from '../schema/path.js';
import type { FieldTag, Kind } from '../schema/tags.js';
import type { DefaultAllow, DefaultSelect, Masked, ReportPath, Scrubbed, Tokenized } from '../schema/types.js';
import type { Vault } from '../vault/vault.js';
import type { FpeOptions } from '../techniques/fpe.js';
import { z } from '../zod.js';
import { ACTIONS, buildPlan, nodeAt, type CompiledPlan, type LeafAction, type MaskFormats, type PlanOptions, type PlanSpec, type Rule, type UntaggedMode } from './compile.js';
import type { Selection } from './select.js';
import { applyPlan, applyPlanAsync, type PlanContext, type PlanResult } from './walk.js';
import { COMPILED } from './text.js';

/** What a plan decides for the value at one path, as the walk would apply it. */
export interface FieldDecision {
  /** What happens to a value found there. */
  readonly action: LeafAction;
  /** The tag that covers the path, if any. */
  readonly tag?: FieldTag;
  /** The kind its mask, token or key binding uses. */
  readonly kind?: Kind;
  /** Whether no tag and no rule covers the path (it follows `untagged`). */
  readonly untagged: boolean;
}

/**
 * A compiled plan, applied to one payload at a time: returns a new value and a report. `Out` is the
 * static type of the new value where the schema's zod type is known (`Scrubbed<…>`, `Masked<…>`);
 * `P` the paths its report may name (`ReportPath<…>`, else `string`).
 */
export interface Plan<Out = unknown, P extends string = string> {
  <T = unknown>(value: T, context?: PlanContext): PlanResult<Out, P>;
  /**
   * The decision at a path (`customer.email`, `items[3].note`, `items[*].note`, `attributes.*`),
   * from the same compiled plan the walk applies — what `fieldguard check` and the inventory ask.
   * @throws FieldguardError `ERR_INVALID_PATH` for a malformed path or one with `**`.
   */
  actionAt(path: string): FieldDecision;
}

/** A compiled plan with vault actions: one vault batch per call. `Out` and `P` as in {@link Plan}. */
export interface AsyncPlan<Out = unknown, P extends string = string> {
  <T = unknown>(value: T, context?: PlanContext): Promise<PlanResult<Out, P>>;
  /** The decision at a path; see {@link Plan.actionAt}. */
  actionAt(path: string): FieldDecision;
}

/** The decision of a compiled plan at a path. */
export function decisionAt(plan: CompiledPlan, path: string): FieldDecision {
  const segments = parsePath(path);
  const plain: Array<{ key: string } | { any: true }> = [];
  for (const s of segments) {
    if ('deep' in s) throw new FieldguardError('ERR_INVALID_PATH', `actionAt(${JSON.stringify(path)}): ask about one position, without **`);
    plain.push(s);
  }
  const node = nodeAt(plan, plain);
  const out: { -readonly [K in keyof FieldDecision]: FieldDecision[K] } = { action: node.action, untagged: node.untagged };
  if (node.tag !== undefined) out.tag = node.tag;
  if (node.kind !== undefined) out.kind = node.kind;
  return out;
}

/** Wraps a compiled plan as the public callable, named for stack traces. */
export function planFunction(compiled: CompiledPlan, name: string): Plan & AsyncPlan {
  const fn = compiled.async
    ? (value: unknown, context?: PlanContext) => applyPlanAsync(compiled, value, context)
    : (value: unknown, context?: PlanContext) => applyPlan(compiled, value, context);
  Object.defineProperty(fn, 'name', { value: name });
  Object.defineProperty(fn, COMPILED, { value: compiled });
  return Object.assign(fn, { actionAt: (path: string) => decisionAt(compiled, path) }) as unknown as Plan & AsyncPlan;
}

/** The public callable with the static type of its result: the walk is the same, only the type says what it returns. */
function typed<P>(plan: Plan & AsyncPlan): P {
  return plan as unknown as P;
}

const planOptions = z.strictObject({
  schema: fieldSchemaOption,
  rules: z.array(z.strictObject({ select: selectionOption, action: z.enum(ACTIONS), options: z.record(z.string(), z.unknown()).optional() })),
  untagged: untaggedOption.optional(),
  formats: formatsOption.optional(),
  keys: keysOption.optional(),
  vault: vaultOption.optional(),
  namespace: z.string().min(1).optional(),
  audit: auditOption.optional(),
  // Checked in depth by compileFpe, which knows the formats and the key ring.
  fpe: z.custom<FpeOptions>((v) => v !== null && typeof v === 'object', { message: 'must be { kinds?, paths?, key? }' }).optional(),
  ...limitOptions,
});

/** The engine's spec for plan options already validated, with every default applied. */
export function planSpec(o: {
  schema: FieldSchema;
  rules: readonly Rule[];
  untagged: UntaggedMode;
  formats?: MaskFormats | undefined;
  maxDepth?: number | undefined;
  maxNodes?: number | undefined;
  keys?: PlanSpec['keys'];
  vault?: Vault | undefined;
  namespace?: string | undefined;
  audit?: PlanSpec['audit'];
  exactNumbers?: boolean;
  fpe?: FpeOptions | undefined;
}): PlanSpec {
  return {
    schema: o.schema,
    rules: o.rules,
    untagged: o.untagged,
    formats: o.formats,
    maxDepth: o.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxNodes: o.maxNodes ?? DEFAULT_MAX_NODES,
    keys: o.keys,
    vault: o.vault,
    namespace: o.namespace,
    audit: o.audit,
    fpe: o.fpe,
    scanText: defaultScan,
    // Where untagged data is scanned, a value under a credential's name (`api_key`, `sessionToken`) is one.
    ...(o.untagged === 'scan' ? { secretKey: isCredentialName } : {}),
    exactNumbers: o.exactNumbers === true,
  };
}

/**
 * Compiles rules over a schema into a plan, once. The first rule that selects a field decides its
 * action; fields no rule selects follow `untagged` (default `'drop'`). The plan also answers
 * `actionAt(path)`, the one decision procedure every other part of fieldguard asks.
 *
 * @throws FieldguardError `ERR_INVALID_OPTIONS` or `ERR_INVALID_PATH` at start-up.
 * @example
 * ```ts
 * const plan = compilePlan({ schema, rules: [
 *   { select: { kinds: ['cardNumber'] }, action: 'mask' },
 *   { select: { atLeast: 'public' }, action: 'keep' },
 * ] });
 * const { value, report } = plan(order);
 * plan.actionAt('payment.card'); // { action: 'mask', tag: { sensitivity: 'secret', kind: 'cardNumber' }, kind: 'cardNumber', untagged: false }
 * ```
 */
export function compilePlan(options: PlanOptions & { readonly vault: Vault }): AsyncPlan;
export function compilePlan(options: PlanOptions): Plan;
export function compilePlan(options: PlanOptions): Plan | AsyncPlan {
  const o = parseOptions('compilePlan', planOptions, options, arguments.length);
  return planFunction(buildPlan(planSpec({ ...o, untagged: o.untagged ?? 'drop' })), 'applyCompiledPlan');
}

/** Options of {@link compileScrub}. */
export interface ScrubPlanOptions {
  /** The compiled schema, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** What may pass. Default `{ sensitivity: ['public', 'internal'] }`: nothing personal or above. */
  readonly allow?: Selection;
  /** Fields no tag covers: `'drop'` (default), `'keep'`, `'reject'` or `'scan'`. */
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
 * then applies `untagged` (default `'drop'`) to fields no tag covers.
 *
 * @example
 * ```ts
 * const scrub = compileScrub({ schema });              // public + internal only
 * const { value, report } = scrub({ id: 'o-1', customer: { email: 'a@b.c' } });
 * // value: { id: 'o-1', customer: {} }, typed Scrubbed<typeof Order> when the schema was defined from zod
 * ```
 */
export function compileScrub<S extends FieldSchema = FieldSchema, A extends Selection = DefaultAllow, U extends UntaggedMode = 'drop'>(
  options: ScrubPlanOptions & { readonly schema: S; readonly allow?: A; readonly untagged?: U },
): Plan<Scrubbed<S, A, U>, ReportPath<S>> {
  const o = parseOptions('compileScrub', scrubOptions, options, arguments.length);
  return typed(planFunction(buildPlan(planSpec({ ...o, rules: scrubRules(o.allow), untagged: o.untagged ?? 'drop' })), 'scrub'));
}

/** Options of {@link compileMask}. */
export interface MaskPlanOptions {
  /** The compiled schema, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** What to mask. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Format overrides per kind and per path. */
  readonly formats?: MaskFormats;
  /** Fields no tag covers: `'scan'` (default: kept after the detectors masked what they find), `'keep'`, `'drop'` or `'reject'`. */
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
 * their kind's mask format; other tagged fields pass; untagged strings pass after the detectors
 * masked what they find in them.
 *
 * @example
 * ```ts
 * const mask = compileMask({ schema });
 * mask({ card: '4111 1111 1111 1111' }).value; // { card: '**** **** **** 1111' }
 * ```
 */
export function compileMask<S extends FieldSchema = FieldSchema, Sel extends Selection = DefaultSelect, U extends UntaggedMode = 'scan'>(
  options: MaskPlanOptions & { readonly schema: S; readonly select?: Sel; readonly untagged?: U },
): Plan<Masked<S, Sel, U>, ReportPath<S>> {
  const o = parseOptions('compileMask', maskOptions, options, arguments.length);
  return typed(planFunction(buildPlan(planSpec({ ...o, rules: maskRules(o.select), untagged: o.untagged ?? 'scan' })), 'mask'));
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
  /** Fields no tag covers: `'drop'` (default, fail closed), `'keep'`, `'reject'` or `'scan'`. */
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

/** The rules of tokenizing or detokenizing: selected fields get the action, other tagged fields are kept. */
export function vaultRules(action: 'tokenize' | 'detokenize', select: Selection | undefined): Rule[] {
  return [
    { select: select ?? { atLeast: 'personal' }, action },
    { select: { atLeast: 'public' }, action: 'keep' },
  ];
}

/** The untagged default of each direction: tokenizing sends data out (drop), detokenizing answers a caller (scan). */
export const VAULT_UNTAGGED: Readonly<Record<'tokenize' | 'detokenize', UntaggedMode>> = { tokenize: 'drop', detokenize: 'scan' };

/**
 * Compiles tokenization: the selected fields (default: personal and above) are replaced by vault
 * tokens, collected in the walk and resolved in one batch — one store round trip per payload.
 * A field's `retention` sets its token's expiry. Untagged fields are dropped unless `untagged` says otherwise.
 *
 * @example
 * ```ts
 * const tokenize = compileTokenize({ schema, vault, namespace: 'crm' });
 * const { value } = await tokenize(order); // customer.email: 'tok_…'
 * ```
 */
export function compileTokenize<S extends FieldSchema = FieldSchema, Sel extends Selection = DefaultSelect, U extends UntaggedMode = 'drop'>(
  options: TokenizePlanOptions & { readonly schema: S; readonly select?: Sel; readonly untagged?: U },
): AsyncPlan<Tokenized<S, Sel, U>, ReportPath<S>> {
  const o = parseOptions('compileTokenize', tokenizeOptions, options, arguments.length);
  return typed(planFunction(buildPlan(planSpec({ ...o, rules: vaultRules('tokenize', o.select), untagged: o.untagged ?? VAULT_UNTAGGED.tokenize })), 'tokenize'));
}

/** Options of {@link compileDetokenize}; untagged fields default to `'scan'`. */
export type DetokenizePlanOptions = TokenizePlanOptions;

/**
 * Compiles detokenization: tokens at the selected fields are turned back into values in one vault
 * batch, audited with the `actor` and `purpose` of the call. A token resolves only in this plan's
 * namespace and at a position of the kind it was made for; unknown, expired, erased or foreign
 * tokens stay as they are and are counted as `unresolved`.
 *
 * @example
 * ```ts
 * const detokenize = compileDetokenize({ schema, vault });
 * const { value } = await detokenize(vendorAnswer, { actor: 'support-42', purpose: 'ticket 981' });
 * ```
 */
export function compileDetokenize<S extends FieldSchema = FieldSchema>(options: DetokenizePlanOptions & { readonly schema: S }): AsyncPlan<unknown, ReportPath<S>> {
  const o = parseOptions('compileDetokenize', tokenizeOptions, options, arguments.length);
  return typed(planFunction(buildPlan(planSpec({ ...o, rules: vaultRules('detokenize', o.select), untagged: o.untagged ?? VAULT_UNTAGGED.detokenize })), 'detokenize'));
}
