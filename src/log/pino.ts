// fieldguard/pino: pino options that redact by schema, by key name and by detection — messages, objects, bindings, errors.
import type { FieldSchema } from '../schema/define.js';
import { redactor, WITHHELD, type Redactor, type RedactorOptions } from './redactor.js';
import { peer } from '../peer.js';
import { isMarkedRedacting, markRedacting, NO_SCHEMA } from './wrap.js';
import { formatPath, parsePath } from '../schema/path.js';

/**
 * Options of {@link pinoOptions}: the redactor's, plus whether to hand the schema paths to pino's own `redact`.
 *
 * @example
 * ```ts
 * const options: PinoOptionsOptions = { censor: 'redact', paths: ['**.apiToken'] };
 * ```
 */
export interface PinoOptionsOptions extends Omit<RedactorOptions, 'serialize'> {
  /**
   * Also return `redact: { paths, censor: '[REDACTED]' }` so pino's own engine censors the schema's
   * root paths too. pino applies it after the formatter, so those paths then read `[REDACTED]`
   * instead of their mask format. Default `false`: the formatter covers every path at any depth.
   */
  readonly pinoRedact?: boolean;
}

/**
 * The pino options fieldguard sets; spread them into `pino({ ... })`. Replacing `formatters`,
 * `hooks` or `onChild` afterwards turns their redaction off (and `isRedactingLogger` then says so).
 *
 * @example
 * ```ts
 * const logger = pino({ ...pinoOptions(schema), level: 'debug' });
 * ```
 */
export interface FieldguardPinoOptions {
  redact?: { paths: string[]; censor: string };
  formatters: {
    log(object: Record<string, unknown>): Record<string, unknown>;
    bindings(bindings: Record<string, unknown>): Record<string, unknown>;
  };
  hooks: { logMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => unknown): unknown };
  onChild(child: object): void;
  serializers: { err(value: unknown): unknown };
}

// Where fieldguard keeps a logger's message prefix once it took it from pino (see prefixOf).
const OWN_PREFIX = Symbol.for('fieldguard.pino.msgPrefix');

/**
 * One of pino's private symbols on a logger, found by its description. Each copy of pino (pino 9
 * next to pino 10, or a copy nested under pino-http) has its own symbols, so they are read from the
 * logger being served, never from the copy fieldguard can `require`.
 */
function findSymbol(logger: object, description: string): symbol | undefined {
  for (let o: object | null = logger; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    for (const s of Object.getOwnPropertySymbols(o)) if (s.description === description) return s;
  }
  return undefined;
}

/** The message pino writes for an `Error` or an `{ err }` without a message of its own, redacted (pino copies `err.message` after the hook). */
function errorMessage(redact: Redactor, first: object, errorKey: string, messageKey: string): unknown {
  let m: unknown;
  if (first instanceof Error) m = first.message;
  else {
    const o = first as Record<string, unknown>;
    const e = o[errorKey];
    if (o[messageKey] !== undefined || !e) return undefined;
    m = (e as { message?: unknown }).message;
  }
  if (m === undefined) return undefined;
  return typeof m === 'string' ? redact.text(m) : redact.copy(m);
}

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** The arguments after the first `from`, without a copy when there are none. */
function argsAfter(args: readonly unknown[], from: number): readonly unknown[] {
  return args.length > from ? args.slice(from) : NO_ARGS;
}

/**
 * Interpolates a pino message the way pino does (quick-format: `%s %d %i %f %j %o %O %%`; any other
 * `%x` uses up an argument; extra arguments are dropped), with every piece redacted alone and the
 * text as a whole once more, so a value split between the template and its arguments (`'%s@%s'`) is
 * found too. Objects are written as the JSON of their redacted copy. A `%d` whose argument holds
 * something the detectors mask prints the mask, never the digits and never `NaN`.
 */
function interpolate(redact: Redactor, f: string, params: readonly unknown[]): string {
  if (params.length === 0) return redact.text(f);
  let text = '';
  let last = 0;
  let a = 0;
  const literal = (to: number): void => {
    if (to > last) text += redact.text(f.slice(last, to));
  };
  for (let i = 0; i < f.length - 1; i++) {
    if (f.charCodeAt(i) !== 37) continue;
    const c = f[i + 1];
    const v = params[a];
    let piece: string | undefined;
    let json: string | undefined;
    switch (c) {
      case 'd':
      case 'f':
      case 'i':
        if (a < params.length && v != null) {
          const s = typeof v === 'string' || typeof v === 'bigint' || v instanceof String ? String(v) : undefined;
          const masked = s === undefined ? s : redact.text(s);
          piece = masked !== undefined && masked !== s ? masked : redact.text(String(c === 'i' ? Math.floor(Number(v)) : Number(v)));
        }
        break;
      case 'O':
      case 'o':
      case 'j':
        if (a < params.length && v !== undefined) {
          if (typeof v === 'string') piece = redact.text(`'${v}'`);
          else if (typeof v === 'function') piece = v.name || '<anonymous>';
          else json = JSON.stringify(redact.copy(v)) ?? 'null';
        }
        break;
      case 's':
        if (a < params.length) piece = redact.text(String(v));
        break;
      case '%':
        literal(i);
        text += '%';
        last = i + 2;
        i++;
        continue;
    }
    if (piece !== undefined || json !== undefined) {
      literal(i);
      // An object argument's JSON is made from its redacted copy, and then scanned with the text around it: a value split
      // between the template and the argument (`card 41111%j11111`) is one in the message.
      text += piece ?? json;
      last = i + 2;
      i++;
    }
    a++;
  }
  literal(f.length);
  return redact.text(text);
}

/**
 * Options for pino 9 and 10 that keep personal data out of every line:
 *
 * - `formatters.log` redacts the logged object (schema paths at any depth, secret key names,
 *   detection on other strings, errors with their message, stack, cause and `errors`);
 * - `hooks.logMethod` writes the message itself: the child's `msgPrefix`, the message and its
 *   `%s %d %i %f %j %o %O` arguments are interpolated as pino would and redacted before pino sees
 *   them (pino then gets one finished string), and for `logger.error(err)` and
 *   `logger.error({ err })` it supplies the redacted `err.message` pino would copy into `msg`;
 * - `onChild` redacts what a child adds to the bindings (pino serializes them into a string when
 *   the child is made, without `formatters.bindings`), takes the child's `msgPrefix` into the hook,
 *   and makes the child's `setBindings()` redact; `formatters.bindings` covers the root's;
 * - `serializers.err` is the identity: the formatter already turned errors into redacted objects.
 *
 * A logger built with these options is recognized by `isRedactingLogger` (its formatter, hook and
 * onChild are marked), so `redactLogs`' `req.log` does not redact its lines a second time. If the
 * hook cannot prepare a message it writes `{ code: 'ERR_REDACTION_FAILED' }` with the withheld
 * message instead. With `pinoRedact: true`, `redact` also hands the schema's root paths to pino's
 * own engine.
 *
 * @example
 * ```ts
 * const logger = pino(pinoOptions(schema));
 * logger.info({ order }, 'charged %s', card); // no card, email or token reaches the stream
 * logger.error(err);                          // msg is err.message, redacted
 * ```
 */
export function pinoOptions(schema: FieldSchema | undefined, options: PinoOptionsOptions = {}): FieldguardPinoOptions {
  const { pinoRedact, ...rest } = options;
  const redact = redactor(schema, { ...rest, serialize: false });
  const asObject = (v: unknown): Record<string, unknown> => {
    const r = redact.copy(v);
    return r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : { value: r };
  };
  // Fails at start-up with the install command when pino is missing; its symbols are read from each logger instead.
  peer<object>('pino', '9 || 10', 'pinoOptions()');
  const found = new Map<string, symbol>();
  const symbolOf = (logger: object, description: string): symbol | undefined => {
    const known = found.get(description);
    if (known !== undefined && known in logger) return known;
    const s = findSymbol(logger, description);
    if (s !== undefined) found.set(description, s);
    return s;
  };
  const keyOf = (logger: object, description: string, fallback: string): string => {
    const s = symbolOf(logger, description);
    const k = s === undefined ? undefined : (logger as Record<symbol, unknown>)[s];
    return typeof k === 'string' ? k : fallback;
  };

  // pino prepends `msgPrefix` after the hook ran, to a message the hook has already redacted. The
  // hook takes the prefix over: it keeps the whole prefix under OWN_PREFIX, clears pino's, and
  // redacts prefix and message together. A child's prefix is taken in onChild; the root's at its
  // first line.
  const adopt = (owner: object, s: symbol, full: string): void => {
    const o = owner as Record<symbol, unknown>;
    o[OWN_PREFIX] = full;
    o[s] = undefined;
    Object.defineProperty(owner, 'msgPrefix', {
      configurable: true,
      get(this: Record<symbol, unknown>) {
        const p = this[OWN_PREFIX];
        return typeof p === 'string' && p !== '' ? redact.text(p) : undefined;
      },
    });
  };
  const prefixOf = (logger: object): string => {
    const s = symbolOf(logger, 'pino.msgPrefix');
    if (s === undefined) return '';
    const raw = (logger as Record<symbol, unknown>)[s];
    if (typeof raw === 'string' && raw !== '') {
      let owner: object | null = logger;
      while (owner !== null && !Object.prototype.hasOwnProperty.call(owner, s)) owner = Object.getPrototypeOf(owner) as object | null;
      if (owner !== null) adopt(owner, s, raw);
    }
    const p = (logger as Record<symbol, unknown>)[OWN_PREFIX];
    return typeof p === 'string' ? p : '';
  };

  const message = (prefix: string, msg: unknown, params: readonly unknown[]): unknown => {
    if (msg === null) return null;
    if (typeof msg === 'function') return undefined;
    const f = prefix !== '' ? prefix + String(msg) : msg;
    if (typeof f === 'string') return interpolate(redact, f, params);
    // Parts joined by spaces make one text: scanned whole, as a value split over two parts (a card as four numbers) is one there.
    if (typeof f === 'object') return params.length === 0 ? redact.copy(f) : redact.text([f, ...params].map((p) => JSON.stringify(redact.copy(p)) ?? 'null').join(' '));
    return redact.copy(f);
  };
  // The arguments pino's log function receives: the merging object as it is (formatters.log redacts
  // it) and at most one finished, redacted message, so pino's own interpolation has nothing to do.
  // A line whose message has no arguments and comes back from the detectors as it was (`info(obj,
  // 'order')`, `info('done')`) is handed on in pino's own argument array: nothing is allocated.
  const prepare = (logger: object, args: unknown[]): unknown[] => {
    if (args.length === 0) return [];
    const prefix = prefixOf(logger);
    const first = args[0];
    if (typeof first === 'object') {
      if (first === null && args.length === 1) return [null];
      if (args[1] === undefined) {
        const fromError = first === null ? undefined : errorMessage(redact, first, keyOf(logger, 'pino.errorKey', 'err'), keyOf(logger, 'pino.messageKey', 'msg'));
        return fromError === undefined ? [first] : [first, fromError];
      }
      const m = message(prefix, args[1], argsAfter(args, 2));
      return args.length === 2 && m === args[1] ? args : [first, m];
    }
    if (first === undefined) {
      const m = message(prefix, args[1], argsAfter(args, 2));
      return m === undefined ? [] : [undefined, m];
    }
    const m = message(prefix, first, argsAfter(args, 1));
    return args.length === 1 && m === first ? args : [m];
  };

  const redactChindings = (fresh: string): string => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(`{${fresh.slice(1)}}`);
    } catch {
      return `,"bindings":${JSON.stringify(WITHHELD.msg)}`;
    }
    const json = JSON.stringify(asObject(parsed));
    return json.length > 2 ? `,${json.slice(1, -1)}` : '';
  };

  const out: FieldguardPinoOptions = {
    // formatters.log has already turned errors into { type, message, stack, cause, … }, redacted;
    // pino's own err serializer would rename the type and fold causes into the message.
    serializers: { err: (value) => value },
    onChild: markRedacting(function redactChild(child: object): void {
      const holder = child as Record<symbol | string, unknown>;
      const parent = Object.getPrototypeOf(child) as Record<symbol, unknown> | null;
      // The child's string starts with its parent's, which is redacted already: only what the
      // child adds is redacted, so no mask is masked again.
      const cs = symbolOf(child, 'pino.chindings');
      if (cs !== undefined) {
        const raw = holder[cs];
        const before = parent?.[cs];
        if (typeof raw === 'string') {
          const base = typeof before === 'string' && raw.startsWith(before) ? before : '';
          const fresh = raw.slice(base.length);
          if (fresh.length > 0) holder[cs] = base + redactChindings(fresh);
        }
      }
      const ps = symbolOf(child, 'pino.msgPrefix');
      if (ps !== undefined && Object.prototype.hasOwnProperty.call(child, ps) && typeof holder[ps] === 'string') {
        // pino built this prefix from the parent's pino prefix: it holds the parent's only if the
        // parent's was not taken over yet.
        const inherited = typeof parent?.[ps] === 'string' ? '' : parent?.[OWN_PREFIX];
        adopt(child, ps, (typeof inherited === 'string' ? inherited : '') + (holder[ps] as string));
      }
      // A child's bindings formatter is pino's identity, so setBindings() would append them raw.
      const setBindings = holder['setBindings'];
      if (typeof setBindings === 'function' && !isMarkedRedacting(setBindings)) {
        Object.defineProperty(child, 'setBindings', {
          configurable: true,
          writable: true,
          value: markRedacting(function redactedSetBindings(this: unknown, bindings: unknown): unknown {
            return (setBindings as (b: unknown) => unknown).call(this, asObject(bindings));
          }),
        });
      }
    }),
    formatters: {
      log: markRedacting((object: Record<string, unknown>) => asObject(object), schema ?? NO_SCHEMA),
      bindings: asObject,
    },
    hooks: {
      logMethod: markRedacting(function redactedLogMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => unknown): unknown {
        let prepared: unknown[];
        try {
          prepared = prepare(this as object, args);
        } catch {
          // Fail closed: a line that could not be prepared is written without its message and arguments.
          prepared = [{ code: WITHHELD.code }, WITHHELD.msg];
        }
        return method.apply(this, prepared);
      }),
    },
  };
  if (pinoRedact === true) {
    // Reprinted in the spelling pino's own grammar reads as the same field; a path it cannot express
    // (a key with `[`, `\`, `,` …) is left to the formatter, which already covers every path.
    const paths = [...new Set(redact.paths.flatMap((p) => formatPath(parsePath(p), { style: 'pino' }) ?? []))];
    if (paths.length > 0) out.redact = { paths, censor: '[REDACTED]' };
  }
  return out;
}
