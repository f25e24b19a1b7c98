// Option validation shared by every factory: zod schemas, and start-up errors that say how to fix the mistake.
import type { ZodType } from 'zod/v4';
import { z } from './zod.js';
import bytes from 'bytes';
import { FieldguardError, type Issue } from './errors.js';
import { UNTAGGED_MODES } from './plan/compile.js';
import { isFieldSchema, type FieldSchema } from './schema/define.js';
import { KINDS, SENSITIVITIES } from './schema/tags.js';
import type { AuditSink } from './vault/audit.js';
import { isKeyRing, type KeyRing } from './vault/keys.js';
import type { Vault } from './vault/vault.js';

const sensitivity = z.enum(SENSITIVITIES);
const kind = z.enum(KINDS);
const fn = <T extends (...args: never[]) => unknown>() =>
  z.custom<T>((v) => typeof v === 'function', { message: 'must be a function' });

/** A compiled FieldSchema; a raw zod or JSON Schema gets a message that says to call defineSchema. */
export const fieldSchemaOption = z.custom<FieldSchema>(isFieldSchema, {
  message: 'must be a compiled FieldSchema: call defineSchema(yourSchema) once at start-up and pass its result',
});

/** A selection: `{ sensitivity?, atLeast?, kinds?, paths? }`. */
export const selectionOption = z.strictObject({
  sensitivity: z.union([sensitivity, z.array(sensitivity)]).optional(),
  atLeast: sensitivity.optional(),
  kinds: z.array(kind).optional(),
  paths: z.array(z.string().min(1)).optional(),
});

/** Mask format overrides: `{ kinds?, paths? }`. */
export const formatsOption = z.strictObject({
  kinds: z.partialRecord(kind, fn<(v: unknown) => unknown>()).optional(),
  paths: z.record(z.string(), fn<(v: unknown) => unknown>()).optional(),
});

/** Deepest nesting a walk accepts unless told otherwise. */
export const DEFAULT_MAX_DEPTH = 64;
/** Most values a walk visits unless told otherwise. */
export const DEFAULT_MAX_NODES = 1_000_000;
/** The one default body limit: the most bytes fieldguard reads or buffers of a body it inspects itself (1 MiB). */
export const DEFAULT_LIMIT = 1_048_576;

/** The walk limits every plan accepts. */
export const limitOptions = {
  maxDepth: z.number().int().min(1).max(10_000).optional(),
  maxNodes: z.number().int().min(1).optional(),
};

/** A report callback. */
export const onReportOption = fn<(report: never) => void>().optional();

/** A key ring from `keyRing()`. */
export const keysOption = z.custom<KeyRing>(isKeyRing, { message: 'must be a key ring from keyRing({ keys, active }) or keyRing.fromEnv()' });

/** A vault from `createVault()`. */
export const vaultOption = z.custom<Vault>(
  (v) => v !== null && typeof v === 'object' && typeof (v as Vault).tokenizeMany === 'function' && typeof (v as Vault).detokenize === 'function',
  { message: 'must be a vault from createVault({ store, keys })' },
);

/** An audit sink: a function or a logger with `info`. */
export const auditOption = z.custom<AuditSink>(
  (v) => typeof v === 'function' || (v !== null && typeof v === 'object' && typeof (v as { info?: unknown }).info === 'function'),
  { message: 'must be a function or a logger with info()' },
);

/** Untagged modes. */
export const untaggedOption = z.enum(UNTAGGED_MODES);

/** A byte limit: a number of bytes, or a string such as `'1mb'` or `'500kb'` (as body-parser takes). */
export const limitOption = z.union([
  z.number().int().positive(),
  z.string().refine((s) => {
    const n = bytes.parse(s);
    return typeof n === 'number' && Number.isFinite(n) && n > 0;
  }, "must be a positive number of bytes or a size such as '1mb'"),
]);

/** The byte count of a validated limit option, or the default. */
export function limitBytes(limit: number | string | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  return typeof limit === 'number' ? limit : (bytes.parse(limit) as number);
}

/** How refusals are answered: fieldguard's JSON (default) or the framework's own error handling (`next(err)` / `throw`). */
export const errorsOption = z.enum(['respond', 'next', 'throw']);

/** The body of fieldguard's own refusals: `{ error: { code, message, paths? } }` or RFC 9457 problem details. */
export const errorFormatOption = z.enum(['fieldguard', 'problem']);

/** Whether a factory was handed a framework's request or context instead of options. */
function looksLikeRequest(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (typeof o['method'] === 'string' && typeof o['headers'] === 'object' && 'socket' in o) || ('req' in o && 'res' in o && 'app' in o);
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

interface ShapeDef {
  readonly def?: { readonly shape?: Record<string, ShapeDef>; readonly innerType?: ShapeDef; readonly valueType?: ShapeDef };
}

/** The option names zod knows at a path of an options schema (optional wrappers unwrapped, records stepped through). */
function known(schema: ZodType, path: readonly PropertyKey[]): string[] {
  const unwrap = (s: ShapeDef | undefined): ShapeDef | undefined => (s?.def?.innerType !== undefined ? unwrap(s.def.innerType) : s);
  let cur: ShapeDef | undefined = unwrap(schema as unknown as ShapeDef);
  for (const seg of path) {
    const def = cur?.def;
    cur = unwrap(def?.shape !== undefined ? def.shape[String(seg)] : def?.valueType);
  }
  const shape = cur?.def?.shape;
  return shape === undefined ? [] : Object.keys(shape);
}

/**
 * Validates a factory's options. Throws `ERR_INVALID_OPTIONS` at start-up naming the factory,
 * the option and the fix ("Did you mean `untagged`?").
 */
export function parseOptions<T extends object>(factory: string, schema: ZodType, input: T, argc = 1): T {
  if (argc > 1 || looksLikeRequest(input) || typeof input === 'function') {
    // helmet's check: `app.use(scrubPII)` hands the factory a request instead of options; a Web guard
    // mounted uncalled (`middleware(scrubPII)`) hands it the handler it was meant to wrap.
    throw new FieldguardError('ERR_INVALID_OPTIONS', `${factory} was mounted without being called: use ${factory}({ … }), not ${factory}.`);
  }
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input) || isFieldSchema(input)) {
    const hint = isFieldSchema(input) ? ` Pass options: ${factory}({ schema })` : '';
    throw new FieldguardError('ERR_INVALID_OPTIONS', `${factory}() takes an options object.${hint}`);
  }
  const result = schema.safeParse(input);
  // The options are returned as given (no zod transform runs), so functions and schemas keep their identity.
  if (result.success) return input;
  const issues: Issue[] = [];
  const lines: string[] = [];
  for (const issue of result.error.issues) {
    const where = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const candidates = known(schema, issue.path);
      for (const key of issue.keys) {
        const path = where === '' ? key : `${where}.${key}`;
        const best = candidates
          .map((c) => ({ c, d: distance(key.toLowerCase(), c.toLowerCase()) }))
          .sort((a, b) => a.d - b.d)[0];
        const hint = best !== undefined && best.d <= 3 ? ` Did you mean \`${best.c}\`?` : '';
        lines.push(`unknown option \`${path}\`.${hint}`);
        issues.push({ path: [...issue.path.map(String), key], message: `unknown option.${hint}` });
      }
    } else {
      lines.push(`\`${where || 'options'}\` ${issue.message}`);
      issues.push({ path: issue.path.map(String), message: issue.message });
    }
  }
  throw new FieldguardError('ERR_INVALID_OPTIONS', `${factory}(): ${lines.join('; ')}`, { issues });
}
