// The log redactor: a plan like every other — schema paths at any depth, secret key names, detection on everything else; never throws.
import { FINDING_KINDS, schemaKind, type FindingKind } from '../detect/detect.js';
import { scanner } from '../detect/scan.js';
import { FieldguardError } from '../errors.js';
import { REDACTED, type MaskFn } from '../mask/formats.js';
import { DEFAULT_MAX_NODES, fieldSchemaOption, parseOptions, selectionOption } from '../options.js';
import { buildPlan, type RuleSpec } from '../plan/compile.js';
import { compileTagTest, type Selection } from '../plan/select.js';
import { applyPlan } from '../plan/walk.js';
import { applyCompiledText } from '../plan/text.js';
import type { FieldSchema } from '../schema/define.js';
import type { Kind } from '../schema/tags.js';
import { z } from '../zod.js';
import { decodingScan } from './encoded.js';
import { embeddedJsonScan } from '../plan/embedded.js';
import { secretKeyMatcher } from './secret-keys.js';

/** How a redacted value is written: the kind's mask format, `[REDACTED]`, a fixed string, or a function. */
export type Censor = 'mask' | 'redact' | ((value: unknown, context: { path: string; kind: Kind | undefined }) => unknown);

/** Options of {@link redactor}. */
export interface RedactorOptions {
  /** Schema fields to redact. Default `{ atLeast: 'personal' }`. */
  readonly select?: Selection;
  /** How to write redacted values. Default `'mask'` (`****4242`, `j***@example.com`; credentials `[REDACTED]`). */
  readonly censor?: Censor;
  /** Scan every string the schema does not cover, and every message: `true` (default), `false`, or the kinds to look for. */
  readonly detect?: boolean | readonly FindingKind[];
  /** Remove redacted fields instead of censoring them. Default `false`. */
  readonly remove?: boolean;
  /** More paths in pino syntax, `**` for any depth (`**.password`). */
  readonly paths?: readonly string[];
  /**
   * More key names censored wherever they appear, in any spelling (case, `-`, `_`, camelCase). Added
   * to the family of credential names `isSecretKeyName` documents: authorization, cookie, passwords,
   * secrets, tokens, API keys, session ids, private keys, signatures, …
   */
  readonly keys?: readonly string[];
  /** Return a JSON string (default) or the redacted copy. */
  readonly serialize?: boolean;
  /** Match schema keys regardless of case. Default `true` in logs. */
  readonly caseInsensitiveKeys?: boolean;
  /** Deeper values become `[Too deep]`. Default 32. */
  readonly maxDepth?: number;
}

/** A compiled redactor: a log object in, a redacted JSON string (or copy) out. It never throws. */
export interface Redactor {
  (value: unknown): string;
  /** The redacted copy, for bridges that serialize themselves. */
  readonly copy: (value: unknown) => unknown;
  /** Free-text redaction with the same detectors and censor, for messages. */
  readonly text: (text: string) => string;
  /** The schema paths in pino/fast-redact syntax, anchored at the root, for pino's own `redact`. */
  readonly paths: readonly string[];
}

/** The line written instead of a log object that could not be redacted. */
export const WITHHELD = Object.freeze({ msg: '[fieldguard] log line withheld: redaction failed', code: 'ERR_REDACTION_FAILED' });

const options = z.strictObject({
  select: selectionOption.optional(),
  censor: z.union([z.enum(['mask', 'redact']), z.custom<Censor>((v) => typeof v === 'function')]).optional(),
  detect: z.union([z.boolean(), z.array(z.enum(FINDING_KINDS))]).optional(),
  remove: z.boolean().optional(),
  paths: z.array(z.string().min(1)).optional(),
  keys: z.array(z.string().min(1)).optional(),
  serialize: z.boolean().optional(),
  caseInsensitiveKeys: z.boolean().optional(),
  maxDepth: z.number().int().min(1).max(1000).optional(),
});

/**
 * Compiles a log redactor from a schema: a plan over the logged object, decided by the same
 * compiler as every other plan. A schema path matches at the root of the logged object and under
 * any key below it (logs nest payloads anywhere: `log.info({ order: body })`). Keys in the
 * secret-name family are censored at any depth. Everything else is untagged and scanned: every
 * string, every number long enough to be a card or a phone, and every key the sender chose
 * (`{ [email]: 3 }`, Map keys). It never mutates its input, generates no code, and never throws:
 * circular values become `[Circular]`, throwing getters `[Unreadable]`, BigInt strings, Buffers a
 * size; if redaction itself fails the line is `{ msg: '[fieldguard] log line withheld: redaction failed', code }`.
 *
 * @example
 * ```ts
 * const redact = redactor(schema);
 * redact({ order: { customer: { email: 'jane@example.com' } }, note: 'card 4111 1111 1111 1111' });
 * // '{"order":{"customer":{"email":"j***@example.com"}},"note":"card **** **** **** 1111"}'
 * ```
 */
export function redactor(schema: FieldSchema | undefined, opts: RedactorOptions = {}): Redactor {
  const o = parseOptions('redactor', options, opts);
  if (schema !== undefined && !fieldSchemaOption.safeParse(schema).success) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'redactor(): the first argument must be a FieldSchema from defineSchema (or undefined)');
  }
  const action = o.remove === true ? 'drop' : 'mask';
  const select = o.select ?? { atLeast: 'personal' };
  // The schema's selected fields, wherever the log nests the payload; then the app's own paths.
  const rules: RuleSpec[] = [{ select, action }];
  const rootPaths: string[] = [];
  if (schema !== undefined) {
    const test = compileTagTest(select)!;
    for (const field of schema.fields()) if (test(field.tag)) rootPaths.push(field.path);
  }
  for (const p of o.paths ?? []) {
    rules.push({ select: { paths: [p] }, action });
    if (!p.includes('**')) rootPaths.push(p);
  }
  const censorMode = o.censor ?? 'mask';
  const censor: MaskFn | undefined =
    censorMode === 'mask' ? undefined : censorMode === 'redact' ? () => REDACTED : (value, context) => censorMode(value, context);
  const detectKinds = Array.isArray(o.detect) ? (o.detect as readonly FindingKind[]) : undefined;
  const textCensor =
    censorMode === 'mask' ? 'mask' : censorMode === 'redact' ? 'redact' : (t: string, k: FindingKind) => String(censorMode(t, { path: '', kind: schemaKind(k) }));
  // Logs hold URLs, queries and form bodies as they arrived: percent-encoded text is read decoded too.
  const detectText = o.detect === false ? (t: string) => t : decodingScan(scanner({ ...(detectKinds ? { kinds: detectKinds } : {}), censor: textCensor }));
  // A payload logged as its JSON text is redacted as the logged object would be.
  const embedded = embeddedJsonScan(detectText, (v) => applyPlan(plan, v).value);
  // Text without a bracket holds no JSON: it goes straight to the detectors, whose one-pass gate
  // (surelyClean) returns every key of every line and most short values as they are.
  const scanText = (t: string): string => (!t.includes('{') && !t.includes('[') ? detectText(t) : embedded(t));
  const plan = buildPlan({
    schema,
    rules,
    untagged: 'scan',
    formats: undefined,
    maskAll: censor,
    anchorAnywhere: true,
    maxDepth: o.maxDepth ?? 32,
    maxNodes: DEFAULT_MAX_NODES,
    fold: o.caseInsensitiveKeys ?? true,
    secretKey: secretKeyMatcher(o.keys ?? []),
    secretAction: action,
    secretMask: censor,
    scanText,
    lenient: true,
  });

  const copy = (value: unknown): unknown => {
    try {
      const r = applyPlan(plan, value).value;
      return r === undefined ? null : r;
    } catch {
      return { ...WITHHELD };
    }
  };
  const serialize = o.serialize !== false;
  const fn = ((value: unknown) => {
    if (!serialize) return copy(value);
    try {
      // Walked and written in one pass: the line JSON.stringify would write of the copy.
      return applyCompiledText(plan, value).text ?? 'null';
    } catch {
      return JSON.stringify(WITHHELD);
    }
  }) as Redactor;
  const text = (t: string): string => {
    try {
      return scanText(t);
    } catch {
      return WITHHELD.msg;
    }
  };
  return Object.assign(fn, { copy, text: (t: string) => (typeof t === 'string' ? text(t) : t), paths: Object.freeze(rootPaths) });
}
