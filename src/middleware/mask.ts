// maskFields' behaviour, written once: the plan compiled at start-up; per request, the body or the answer masked.
import { buildPlan, type MaskFormats, type UntaggedMode } from '../plan/compile.js';
import { maskRules, planSpec } from '../plan/api.js';
import type { Selection } from '../plan/select.js';
import { applyPlan } from '../plan/walk.js';
import { fieldSchemaOption, formatsOption, parseOptions, selectionOption, untaggedOption } from '../options.js';
import type { FieldSchema } from '../schema/define.js';
import type { ReportPath } from '../schema/types.js';
import { z } from '../zod.js';
import { commonOptionShape, resolveCommon, type CommonOptions } from './config.js';
import type { Behaviour } from './exchange.js';
import { guardResponse } from './response.js';
import { requestGuard } from './scrub.js';

/** Options of `maskFields`; `S` is the schema's type, so that `onReport` names its paths. */
export interface MaskOptions<S extends FieldSchema = FieldSchema> extends CommonOptions<ReportPath<S>> {
  /** The compiled schema of the payload, from `defineSchema`. */
  readonly schema: S;
  /** What to mask. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** Mask format overrides per kind and per path: `fn(value, { path, kind })`, told the concrete path. */
  readonly formats?: MaskFormats;
  /** `'response'` (default) masks what the handler answers, in every form; `'request'` masks the incoming body. */
  readonly on?: 'request' | 'response';
  /**
   * Fields no tag covers: `'scan'` (default: kept after the detectors masked what they find in
   * their strings and in keys the sender chose), `'keep'`, `'drop'` (the answer becomes an allow-list) or `'reject'`.
   */
  readonly untagged?: UntaggedMode;
}

const maskOptions = z.strictObject({
  schema: fieldSchemaOption,
  select: selectionOption.optional(),
  formats: formatsOption.optional(),
  on: z.enum(['request', 'response']).optional(),
  untagged: untaggedOption.optional(),
  ...commonOptionShape,
});

/** Validates maskFields options and compiles its plan. Throws `ERR_INVALID_OPTIONS` at start-up. */
export function maskBehaviour<S extends FieldSchema>(factory: string, options: MaskOptions<S>, argc: number): Behaviour {
  const o = parseOptions(factory, maskOptions, options as unknown as MaskOptions, argc);
  const common = resolveCommon(o);
  const plan = buildPlan(planSpec({ ...common, schema: o.schema, rules: maskRules(o.select), formats: o.formats, untagged: o.untagged ?? 'scan' }));
  if (o.on === 'request') return requestGuard(plan, { ...common, target: 'body', checkUrl: false });
  return async function maskResponse(ex) {
    guardResponse(ex, (body) => applyPlan(plan, body), common);
    await ex.next();
  };
}
