// The log redactor: schema paths at any depth, always-secret key names, detection on every other string; never throws.
import { z } from '../zod.js';
import { FINDING_KINDS, redactText, type FindingKind, type RedactTextOptions } from '../detect/detect.js';
import { FieldguardError } from '../errors.js';
import { defaultMask, REDACTED } from '../mask/formats.js';
import { fieldSchemaOption, parseOptions, selectionOption } from '../options.js';
import { compileTagTest, PathMatcher, type MatchState, type Selection } from '../plan/select.js';
import type { FieldSchema } from '../schema/define.js';
import type { Kind } from '../schema/tags.js';

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
   * Key names censored wherever they appear, whatever their case and with `-`/`_` ignored. Added to the
   * built-in list: authorization, proxy-authorization, cookie, set-cookie, x-api-key, api-key,
   * password, passwd, secret, client-secret, token, access-token, refresh-token, private-key.
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

const ALWAYS_SECRET = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'password',
  'passwd',
  'secret',
  'client-secret',
  'token',
  'access-token',
  'refresh-token',
  'id-token',
  'private-key',
];

const normalizeKey = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');

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

/** What every finding needs at least one of: a digit, "@", ":", or a credential's marker word. */
const MAY_HOLD = /[\d@:]|eyJ|PRIVATE KEY|A[KS]IA|bearer|basic|token|key|secret|pass|pwd/i;

const REMOVE = Symbol('fieldguard.remove');
const SKIP = Symbol('fieldguard.skip');

/**
 * Compiles a log redactor from a schema. A schema path matches at the root of the logged object
 * and under any key below it (logs nest payloads anywhere: `log.info({ order: body })`). Keys in
 * the always-secret list are censored at any depth, whatever their case. Every other string —
 * and every number long enough to be a card or a phone — is scanned by the detectors. It never
 * mutates its input, generates no code, and never throws: circular values become `[Circular]`,
 * throwing getters `[Unreadable]`, BigInt strings, Buffers a size; if redaction itself fails the
 * line is `{ msg: '[fieldguard] log line withheld: redaction failed', code }`.
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
  const fold = o.caseInsensitiveKeys ?? true;
  const matcher = new PathMatcher(fold);
  const kinds: Array<Kind | undefined> = [];
  const rootPaths: string[] = [];
  if (schema !== undefined) {
    const test = compileTagTest(o.select ?? { atLeast: 'personal' })!;
    for (const field of schema.fields()) {
      if (!test(field.tag)) continue;
      rootPaths.push(field.path);
      matcher.add(field.path.startsWith('[') ? `**${field.path}` : `**.${field.path}`, kinds.length);
      kinds.push(field.tag.kind);
    }
  }
  for (const p of o.paths ?? []) {
    matcher.add(p, kinds.length);
    kinds.push(undefined);
    if (!p.includes('**')) rootPaths.push(p);
  }
  const secretKeys = new Set([...ALWAYS_SECRET, ...(o.keys ?? [])].map(normalizeKey));
  const keyCache = new Map<string, boolean>();
  const isSecretKey = (k: string): boolean => {
    let hit = keyCache.get(k);
    if (hit === undefined) {
      hit = secretKeys.has(normalizeKey(k));
      if (keyCache.size < 10_000) keyCache.set(k, hit);
    }
    return hit;
  };
  const detectKinds = o.detect === false ? undefined : o.detect === true || o.detect === undefined ? undefined : o.detect;
  const detecting = o.detect !== false;
  const censorMode = o.censor ?? 'mask';
  const textCensor = censorMode === 'mask' ? 'mask' : censorMode === 'redact' ? 'redact' : (t: string, k: FindingKind) => String(censorMode(t, { path: '', kind: k === 'email' || k === 'phone' || k === 'cardNumber' || k === 'ssn' || k === 'iban' || k === 'ipAddress' ? k : 'credential' }));
  const textOptions: RedactTextOptions = { ...(detectKinds ? { kinds: detectKinds } : {}), censor: textCensor };
  // Most log strings ("paid", "EUR", a route) hold nothing any detector looks for; one test skips them.
  const text = (t: string): string => (detecting && t.length >= 6 && MAY_HOLD.test(t) ? redactText(t, textOptions) : t);
  const masks = new Map<Kind | undefined, ReturnType<typeof defaultMask>>();
  const censor = (value: unknown, kind: Kind | undefined, path: string): unknown => {
    if (o.remove === true) return REMOVE;
    if (censorMode === 'redact') return REDACTED;
    if (censorMode !== 'mask') return censorMode(value, { path, kind });
    let m = masks.get(kind);
    if (m === undefined) masks.set(kind, (m = defaultMask(kind)));
    return m(typeof value === 'string' || value instanceof Date ? value : REDACTED, { path, kind });
  };
  const maxDepth = o.maxDepth ?? 32;
  const start = matcher.start();

  const walk = (value: unknown, state: MatchState, depth: number, seen: Set<object>, path: string): unknown => {
    const ends = state.nodes.length === 0 ? undefined : matcher.ends(state);
    if (ends !== undefined && ends.length > 0) return censor(value, kinds[Math.min(...ends)], path);
    switch (typeof value) {
      case 'string':
        return text(value);
      case 'number':
        return detecting && Number.isInteger(value) && Math.abs(value) >= 1e6 ? numeric(String(value), value) : value;
      case 'bigint':
        return detecting ? text(value.toString()) : value.toString();
      case 'boolean':
        return value;
      case 'undefined':
      case 'function':
      case 'symbol':
        return SKIP;
    }
    if (value === null) return null;
    const obj = value as object;
    if (seen.has(obj)) return '[Circular]';
    if (depth >= maxDepth) return '[Too deep]';
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[Binary: ${(value as ArrayBufferLike).byteLength} bytes]`;
    seen.add(obj);
    try {
      if (Array.isArray(value)) return list(value, state, depth, seen, path);
      if (value instanceof Set) return list([...value], state, depth, seen, path);
      if (value instanceof Map) return record([...value].map(([k, v]) => [String(k), v] as const), state, depth, seen, path);
      if (value instanceof Error) return error(value, state, depth, seen, path);
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return walk(toJSON.call(value), state, depth, seen, path);
      const entries: Array<readonly [string, unknown]> = [];
      for (const k of Object.keys(obj)) {
        let v: unknown;
        try {
          v = (value as Record<string, unknown>)[k];
        } catch {
          v = '[Unreadable]';
        }
        entries.push([k, v]);
      }
      return record(entries, state, depth, seen, path);
    } catch {
      return '[Unreadable]';
    } finally {
      seen.delete(obj);
    }
  };
  const numeric = (s: string, original: number): unknown => {
    const r = text(s);
    return r === s ? original : r;
  };
  const list = (items: readonly unknown[], state: MatchState, depth: number, seen: Set<object>, path: string): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      const s = state.nodes.length === 0 ? state : matcher.stepCached(state, String(i));
      const item = items[i];
      // A flat name/value list such as Node's req.rawHeaders: the value after a secret name is a secret.
      const previous = i > 0 ? items[i - 1] : undefined;
      const v =
        typeof item === 'string' && typeof previous === 'string' && i % 2 === 1 && isSecretKey(previous)
          ? censor(item, 'credential', path)
          : walk(item, s, depth + 1, seen, needsPath ? `${path}[${i}]` : '');
      if (v !== REMOVE) out.push(v === SKIP ? null : v);
    }
    return out;
  };
  // Paths are only needed by a censor function; otherwise none is built.
  const needsPath = typeof censorMode === 'function';
  const record = (entries: ReadonlyArray<readonly [string, unknown]>, state: MatchState, depth: number, seen: Set<object>, path: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const childPath = needsPath ? (path === '' ? k : `${path}.${k}`) : '';
      let r: unknown;
      if (isSecretKey(k)) r = censor(v, 'credential', childPath);
      else r = walk(v, matcher.stepCached(state, k), depth + 1, seen, childPath);
      if (r === REMOVE || r === SKIP) continue;
      if (k === '__proto__') Object.defineProperty(out, k, { value: r, enumerable: true, writable: true, configurable: true });
      else out[k] = r;
    }
    return out;
  };
  const error = (e: Error, state: MatchState, depth: number, seen: Set<object>, path: string): Record<string, unknown> => {
    const entries: Array<readonly [string, unknown]> = [
      ['type', e.name],
      ['message', e.message],
      ['stack', e.stack],
    ];
    for (const k of Object.keys(e)) if (k !== 'message' && k !== 'stack') entries.push([k, (e as unknown as Record<string, unknown>)[k]]);
    if (e.cause !== undefined && !Object.keys(e).includes('cause')) entries.push(['cause', e.cause]);
    if (e instanceof AggregateError && !Object.keys(e).includes('errors')) entries.push(['errors', e.errors]);
    return record(entries, state, depth, seen, path);
  };

  const copy = (value: unknown): unknown => {
    try {
      const r = walk(value, start, 0, new Set(), '');
      return r === SKIP || r === REMOVE ? null : r;
    } catch {
      return { ...WITHHELD };
    }
  };
  const serialize = o.serialize !== false;
  const fn = ((value: unknown) => {
    const r = copy(value);
    if (!serialize) return r;
    try {
      return JSON.stringify(r);
    } catch {
      return JSON.stringify(WITHHELD);
    }
  }) as Redactor;
  return Object.assign(fn, { copy, text: (t: string) => (typeof t === 'string' ? text(t) : t), paths: Object.freeze(rootPaths) });
}

