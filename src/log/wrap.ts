// Child loggers that redact everything logged through them, whatever logger they wrap (pino, winston, console-like).
import type { Redactor } from './redactor.js';

/**
 * The least a logger needs: `info`, `warn` and `error`.
 *
 * @example
 * ```ts
 * const logger: LoggerLike = console;
 * ```
 */
export interface LoggerLike {
  info(...args: unknown[]): unknown;
  warn(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
  child?(bindings: Record<string, unknown>, ...rest: unknown[]): LoggerLike;
}

/**
 * What {@link redactingLogger} adds to any logger: a `child`, native or not.
 *
 * @example
 * ```ts
 * const log: LoggerLike & ChildLogger = redactingLogger(console, redact);
 * log.child({ requestId }).info('received');
 * ```
 */
export interface ChildLogger {
  child(bindings: Record<string, unknown>, ...rest: unknown[]): LoggerLike & ChildLogger;
}

const METHODS = ['trace', 'debug', 'verbose', 'http', 'info', 'warn', 'error', 'fatal', 'silly', 'log'] as const;

// Global symbols, so the ESM and CJS builds (and two copies of fieldguard) recognize each other's marks.
const REDACTS = Symbol.for('fieldguard.redacts');
/** The schema a marked formatter redacts with (`null`: none, or not known). */
const REDACTS_WITH = Symbol.for('fieldguard.redactsWith');

/** What a bridge built without a schema records as the schema it redacts with. Internal to the log bridges. */
export const NO_SCHEMA: object = Object.freeze({ schema: 'none' });
const PROBE = Symbol.for('fieldguard.probe');
const LEVEL = Symbol.for('level');

/**
 * Marks a function or object as one that redacts every line it writes (pinoOptions' formatter, hook
 * and onChild, redactFormat's format, redactingLogger's wrappers), so {@link isRedactingLogger} can
 * tell. Internal to the log bridges.
 *
 * @example
 * ```ts
 * const log = markRedacting(function log(o: object) { return redact.copy(o); });
 * ```
 */
export function markRedacting<T extends object>(target: T, schema?: object): T {
  Object.defineProperty(target, REDACTS, { value: true });
  if (schema !== undefined) Object.defineProperty(target, REDACTS_WITH, { value: schema });
  return target;
}

/**
 * The schema a logger that redacts itself was built with (pinoOptions' or redactFormat's), `null`
 * when it redacts without one or with one that cannot be told, `undefined` when it does not
 * redact. `redactLogs` leaves its lines to such a logger only when the schemas are the same one.
 * Internal to the log bridges.
 *
 * @example
 * ```ts
 * redactingSchema(pino(pinoOptions(schema))) === schema; // true
 * ```
 */
export function redactingSchema(logger: unknown): object | null | undefined {
  if (!isRedactingLogger(logger)) return undefined;
  try {
    const l = logger as Record<PropertyKey, unknown>;
    const formatters = l[Symbol.for('pino.formatters')] as { log?: Record<symbol, unknown> } | undefined;
    const fromPino = formatters?.log?.[REDACTS_WITH];
    if (typeof fromPino === 'object' && fromPino !== null) return fromPino;
    const format = l['format'] as { transform?: unknown; options?: unknown } | undefined;
    if (typeof format === 'object' && format !== null && typeof format.transform === 'function') {
      const probe: FormatProbe = { seen: false };
      (format.transform as (i: object, o?: unknown) => unknown)({ level: 'info', message: '', [LEVEL]: 'info', [PROBE]: probe }, format.options);
      if (typeof probe.schema === 'object' && probe.schema !== null) return probe.schema;
    }
  } catch {
    // Nothing to vouch for: the schema is not known.
  }
  return null;
}

/**
 * Whether {@link markRedacting} marked this function or object. Internal to the log bridges.
 *
 * @example
 * ```ts
 * isMarkedRedacting(logger.setBindings); // true once pinoOptions' onChild replaced it
 * ```
 */
export function isMarkedRedacting(v: unknown): boolean {
  return (typeof v === 'function' || (typeof v === 'object' && v !== null)) && (v as Record<symbol, unknown>)[REDACTS] === true;
}
const marked = isMarkedRedacting;

/**
 * The probe {@link isRedactingLogger} sends through a winston format: redactFormat sets `seen` and drops the entry.
 *
 * @example
 * ```ts
 * const probe: FormatProbe = { seen: false };
 * ```
 */
export interface FormatProbe {
  seen: boolean;
  /** The schema the format redacts with, when it has one. */
  schema?: object;
}

/**
 * The probe carried by a winston info object, if it is one. redactFormat answers it and returns
 * `false`, so no format after it runs and no transport sees it. Internal to the log bridges.
 *
 * @example
 * ```ts
 * const probe = probeOf(info);
 * if (probe !== undefined) { probe.seen = true; return false; }
 * ```
 */
export function probeOf(info: object): FormatProbe | undefined {
  const p = (info as Record<symbol, unknown>)[PROBE];
  return typeof p === 'object' && p !== null && typeof (p as FormatProbe).seen === 'boolean' ? (p as FormatProbe) : undefined;
}

const probed = new WeakMap<object, boolean>();

function formatRedacts(format: { transform: (info: object, opts?: unknown) => unknown; options?: unknown }): boolean {
  let known = probed.get(format);
  if (known === undefined) {
    const probe: FormatProbe = { seen: false };
    try {
      format.transform({ level: 'info', message: '', [LEVEL]: 'info', [PROBE]: probe }, format.options);
    } catch {
      // A format that throws on an empty entry tells nothing: treat the logger as not redacting.
    }
    known = probe.seen;
    probed.set(format, known);
  }
  return known;
}

/**
 * Whether a logger already redacts every line it writes, so nothing should redact it again (a
 * second pass masks masks: `**** **** **** 1111` read as a card becomes `[REDACTED]`). True for
 *
 * - pino loggers (and their children) whose log formatter, message hook and `onChild` are
 *   {@link pinoOptions}' — a child made with its own `formatters.log` is not;
 * - winston loggers whose `format` runs {@link redactFormat} anywhere in its chain (found by sending
 *   one empty probe entry through `logger.format`, which redactFormat drops: formats before it in
 *   the chain see that entry, none after it, no transport; the answer is cached per format);
 * - the wrappers {@link redactingLogger} returns.
 *
 * Anything else, and anything that throws while being inspected, is `false`.
 *
 * @example
 * ```ts
 * isRedactingLogger(pino(pinoOptions(schema))); // true
 * isRedactingLogger(pino());                    // false
 * ```
 */
export function isRedactingLogger(logger: unknown): boolean {
  if (logger === null || (typeof logger !== 'object' && typeof logger !== 'function')) return false;
  try {
    const l = logger as Record<PropertyKey, unknown>;
    if (l[REDACTS] === true) return true;
    const formatters = l[Symbol.for('pino.formatters')] as { log?: unknown } | undefined;
    const hooks = l[Symbol.for('pino.hooks')] as { logMethod?: unknown } | undefined;
    if (formatters !== undefined || hooks !== undefined) return marked(formatters?.log) && marked(hooks?.logMethod) && marked(l['onChild']);
    const format = l['format'] as { transform?: unknown } | undefined;
    if (typeof format === 'object' && format !== null && typeof format.transform === 'function' && typeof l['log'] === 'function') {
      return formatRedacts(format as Parameters<typeof formatRedacts>[0]);
    }
  } catch {
    // A logger whose properties throw is not one we can vouch for.
  }
  return false;
}

/**
 * Redacts one argument of a log call: strings by the detectors, anything else by the whole redactor.
 *
 * @example
 * ```ts
 * redactArg(redact, 'card 4111 1111 1111 1111'); // 'card **** **** **** 1111'
 * ```
 */
export function redactArg(redact: Redactor, arg: unknown): unknown {
  return typeof arg === 'string' ? redact.text(arg) : redact.copy(arg);
}

/**
 * How a logger reads `%` in its message: Node's `util.format` (winston, console) or pino's quick-format
 * (which also counts an unknown `%x` as an argument).
 *
 * @example
 * ```ts
 * const grammar: FormatGrammar = 'util';
 * ```
 */
export type FormatGrammar = 'util' | 'pino';

const UTIL_TOKENS = new Set(['s', 'c', 'd', 'j', 'i', 'f', 'o', 'O']);

/**
 * Rewrites `%d`, `%i` and `%f` to `%s` where redaction changed the argument: a masked card read as a
 * number prints `NaN`, and a card's digits must print as their mask. Arguments redaction left alone
 * keep their numeric specifier.
 *
 * @example
 * ```ts
 * numbersAsText('card %d of %d', ['4111 1111 1111 1111', 2], ['**** **** **** 1111', 2], 'util');
 * // 'card %s of %d'
 * ```
 */
export function numbersAsText(format: string, raw: readonly unknown[], redacted: readonly unknown[], grammar: FormatGrammar): string {
  if (!format.includes('%')) return format;
  let out = '';
  let last = 0;
  let arg = 0;
  for (let i = 0; i < format.length - 1; i++) {
    if (format.charCodeAt(i) !== 37) continue;
    const c = format[i + 1]!;
    if (c === '%') {
      i++;
      continue;
    }
    if (grammar === 'util' && !UTIL_TOKENS.has(c)) continue;
    if ((c === 'd' || c === 'i' || c === 'f') && arg < raw.length && masked(raw[arg], redacted[arg])) {
      out += `${format.slice(last, i)}%s`;
      last = i + 2;
    }
    arg++;
    // util.format and pino both step over the specifier; pino also counts an unknown `%x` as an argument.
    if (UTIL_TOKENS.has(c)) i++;
  }
  return last === 0 ? format : out + format.slice(last);
}

function masked(raw: unknown, redacted: unknown): boolean {
  const t = typeof raw;
  return (t === 'string' || t === 'number' || t === 'bigint') && typeof redacted === 'string' && redacted !== String(raw);
}

function redactArgs(redact: Redactor, args: readonly unknown[], method: string, grammar: FormatGrammar): unknown[] {
  const out = args.map((a) => redactArg(redact, a));
  // winston's log(level, message, …) has its message second.
  const from = method === 'log' && typeof args[0] === 'string' && args.length > 1 ? 1 : 0;
  let f = -1;
  for (let i = from; i < args.length; i++) {
    if (typeof args[i] === 'string') {
      f = i;
      break;
    }
  }
  if (f >= 0 && f < args.length - 1) out[f] = numbersAsText(out[f] as string, args.slice(f + 1), out.slice(f + 1), grammar);
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** Adds a child's bindings to one call: into its first plain object (the call's own keys win), or as a first argument. */
function withBindings(args: readonly unknown[], bound: Readonly<Record<string, unknown>>): unknown[] {
  const i = args.findIndex(isPlainObject);
  if (i < 0) return [{ ...bound }, ...args];
  const out = [...args];
  out[i] = { ...bound, ...(args[i] as Record<string, unknown>) };
  return out;
}

const asRecord = (v: unknown): Record<string, unknown> => (isPlainObject(v) ? v : { bindings: v });

/** Every level method a logger has: the usual names, and the custom levels pino (`levels.values`) and winston (`levels`) declare. */
function levelNames(logger: object): Set<string> {
  const names = new Set<string>(METHODS);
  const levels = (logger as { levels?: unknown }).levels;
  if (levels !== null && typeof levels === 'object') {
    const values = (levels as { values?: unknown }).values;
    const table = values !== null && typeof values === 'object' ? values : levels;
    for (const [name, n] of Object.entries(table as Record<string, unknown>)) if (typeof n === 'number' && name !== 'child') names.add(name);
  }
  return names;
}

function wrap<L extends LoggerLike>(logger: L, redact: Redactor, redacts: boolean, bound: Readonly<Record<string, unknown>> | undefined): L & ChildLogger {
  const wrapper = markRedacting(Object.create(logger) as Record<string, unknown>);
  const grammar: FormatGrammar = (logger as unknown as Record<symbol, unknown>)[Symbol.for('pino.serializers')] !== undefined ? 'pino' : 'util';
  for (const name of levelNames(logger)) {
    const original = (logger as unknown as Record<string, unknown>)[name];
    if (typeof original !== 'function') continue;
    wrapper[name] = function redactedLogMethod(...args: unknown[]): unknown {
      let out = redacts ? args : redactArgs(redact, args, name, grammar);
      if (bound !== undefined) out = withBindings(out, bound);
      return (original as (...a: unknown[]) => unknown).apply(logger, out);
    };
  }
  const native = typeof logger.child === 'function' ? logger.child.bind(logger) : undefined;
  wrapper['child'] = function redactedChild(bindings: Record<string, unknown>, ...rest: unknown[]): LoggerLike & ChildLogger {
    const b = redacts ? asRecord(bindings) : asRecord(redact.copy(bindings));
    // pino's child options: a message prefix is written on every line, so it is text to redact too.
    const options = rest[0];
    if (!redacts && isPlainObject(options) && typeof options['msgPrefix'] === 'string') rest = [{ ...options, msgPrefix: redact.text(options['msgPrefix']) }, ...rest.slice(1)];
    if (native !== undefined) return wrap(native(b, ...rest), redact, redacts, undefined);
    // No native child: this wrapper's calls carry the bindings instead.
    return wrap(logger, redact, redacts, { ...(bound ?? {}), ...b });
  };
  return wrapper as unknown as L & ChildLogger;
}

/**
 * Wraps a logger so every argument of every level method is redacted before the logger sees it
 * (messages, format arguments, merging objects, errors), and so are the bindings of its children.
 * The wrapper delegates with the real logger as `this`, so pino and winston behave as usual; a
 * `%d`, `%i` or `%f` whose argument was masked prints the mask (`%s`), never `NaN`.
 *
 * - `trust` (default `true`): pass `false` when the logger's own redaction does not cover `redact`'s
 *   (built from another schema): then the wrapper redacts too.
 * - A logger that already redacts every line ({@link isRedactingLogger}: built with pinoOptions or
 *   redactFormat, or a wrapper already) is returned as it is: one line is redacted in one place.
 * - `child(bindings)` is always there. With a native `child` it wraps the native child; without one
 *   it returns a wrapper that adds the redacted bindings to each call: merged into the call's first
 *   plain object (the call's own keys win), or passed as a first argument when there is none.
 *
 * @example
 * ```ts
 * const log = redactingLogger(console, redactor(schema));
 * log.child({ requestId: 'r1' }).info({ order }, 'received'); // console.info({ requestId: 'r1', order: <redacted> }, 'received')
 * ```
 */
export function redactingLogger<L extends LoggerLike>(logger: L, redact: Redactor, trust = true): L & ChildLogger {
  const redacts = trust && isRedactingLogger(logger);
  if (redacts && typeof logger.child === 'function') return logger as L & ChildLogger;
  return wrap(logger, redact, redacts, undefined);
}

/** The request's logger `redactLogs` makes: it redacts everything logged through it and always has `child()`. */
export type RedactingLogger = LoggerLike & ChildLogger;
