// fieldguard/pino: pino options that redact by schema, by key name and by detection — messages, objects, bindings, errors.
import type { FieldSchema } from '../schema/define.js';
import { redactor, type RedactorOptions } from './redactor.js';
import { peer } from '../peer.js';
import { redactArg } from './wrap.js';
import { formatPath, parsePath } from '../schema/path.js';

/** Options of {@link pinoOptions}: the redactor's, plus whether to hand the schema paths to pino's own `redact`. */
export interface PinoOptionsOptions extends Omit<RedactorOptions, 'serialize'> {
  /**
   * Also return `redact: { paths, censor: '[REDACTED]' }` so pino's own engine censors the schema's
   * root paths too. pino applies it after the formatter, so those paths then read `[REDACTED]`
   * instead of their mask format. Default `false`: the formatter covers every path at any depth.
   */
  readonly pinoRedact?: boolean;
}

/** The pino options fieldguard sets; spread them into `pino({ ... })`. */
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

/**
 * Options for pino 9 and 10 that keep personal data out of every line: `formatters.log` redacts
 * the logged object (schema paths at any depth, secret key names, detection on other strings,
 * errors with their message, stack and cause), `formatters.bindings` redacts child bindings, and
 * `hooks.logMethod` redacts the message and its interpolation arguments (`%s %o %j`) before pino
 * formats them; `onChild` redacts the bindings of child loggers. With `pinoRedact: true`, `redact`
 * also hands the schema's root paths to pino's own engine.
 *
 * @example
 * ```ts
 * const logger = pino(pinoOptions(schema));
 * logger.info({ order }, 'charged %s', card); // no card, email or token reaches the stream
 * ```
 */
export function pinoOptions(schema: FieldSchema | undefined, options: PinoOptionsOptions = {}): FieldguardPinoOptions {
  const { pinoRedact, ...rest } = options;
  const redact = redactor(schema, { ...rest, serialize: false });
  const asObject = (v: unknown): Record<string, unknown> => {
    const r = redact.copy(v);
    return r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : { value: r };
  };
  // pino formats only the root's bindings; a child's are serialized into a string when it is made.
  // onChild rewrites that string from the redacted bindings.
  const pino = peer<{ symbols: { chindingsSym: symbol } }>('pino', '9 || 10', 'pinoOptions()');
  const chindings = pino.symbols.chindingsSym;
  const out: FieldguardPinoOptions = {
    // formatters.log has already turned errors into { type, message, stack, cause, … }, redacted;
    // pino's own err serializer would rename the type and fold causes into the message.
    serializers: { err: (value) => value },
    onChild(child) {
      const holder = child as Record<symbol, unknown>;
      const raw = holder[chindings];
      if (typeof raw !== 'string' || raw.length === 0) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(`{${raw.slice(1)}}`);
      } catch {
        holder[chindings] = ',"bindings":"[fieldguard] withheld: redaction failed"';
        return;
      }
      const json = JSON.stringify(asObject(parsed));
      holder[chindings] = json.length > 2 ? `,${json.slice(1, -1)}` : '';
    },
    formatters: {
      log: asObject,
      bindings: asObject,
    },
    hooks: {
      logMethod(args, method) {
        // A leading merging object is left to formatters.log (redacting it twice would mask masks);
        // the message and its interpolation arguments are redacted here, before pino formats them.
        const first = args[0];
        const objectFirst = first !== null && typeof first === 'object';
        return method.apply(this, args.map((a, i) => (i === 0 && objectFirst ? a : redactArg(redact, a))));
      },
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
