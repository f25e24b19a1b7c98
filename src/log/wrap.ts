// Child loggers that redact everything logged through them, whatever logger they wrap (pino, winston, console-like).
import type { Redactor } from './redactor.js';

/** The least a logger needs: `info`, `warn` and `error`. */
export interface LoggerLike {
  info(...args: unknown[]): unknown;
  warn(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
  child?(bindings: Record<string, unknown>, ...rest: unknown[]): LoggerLike;
}

const METHODS = ['trace', 'debug', 'verbose', 'http', 'info', 'warn', 'error', 'fatal', 'silly', 'log'] as const;

/** Redacts one argument of a log call: strings by the detectors, anything else by the whole redactor. */
export function redactArg(redact: Redactor, arg: unknown): unknown {
  return typeof arg === 'string' ? redact.text(arg) : redact.copy(arg);
}

/** A logger that redacts everything logged through it, with children that do too. */
export interface RedactingLogger extends LoggerLike {
  child(bindings: Record<string, unknown>, ...rest: unknown[]): RedactingLogger;
}

/**
 * A child for a logger that has no `child()` (console, a plain `{ info, warn, error }`): its
 * bindings are merged into each call's first object argument, or passed before the arguments.
 */
function bound(logger: LoggerLike, bindings: Record<string, unknown>): LoggerLike {
  const out = Object.create(logger) as Record<string, unknown>;
  for (const name of METHODS) {
    const original = (logger as unknown as Record<string, unknown>)[name];
    if (typeof original !== 'function') continue;
    out[name] = function boundLogMethod(...args: unknown[]): unknown {
      const [first, ...rest] = args;
      const merging = first !== null && typeof first === 'object' && !Array.isArray(first) && !(first instanceof Error);
      return (original as (...a: unknown[]) => unknown).apply(logger, merging ? [{ ...bindings, ...first }, ...rest] : [bindings, ...args]);
    };
  }
  return out as unknown as LoggerLike;
}

/**
 * Wraps a logger so every argument of every level method is redacted before the logger sees it
 * (messages, format arguments, merging objects, errors), and so are the bindings of its children.
 * The wrapper delegates with the real logger as `this`, so pino and winston behave as usual. It
 * always has `child()`, also over a logger that has none.
 */
export function redactingLogger<L extends LoggerLike>(logger: L, redact: Redactor): L & RedactingLogger {
  const wrapper = Object.create(logger) as Record<string, unknown>;
  for (const name of METHODS) {
    const original = (logger as unknown as Record<string, unknown>)[name];
    if (typeof original !== 'function') continue;
    wrapper[name] = function redactedLogMethod(...args: unknown[]): unknown {
      return (original as (...a: unknown[]) => unknown).apply(logger, args.map((a) => redactArg(redact, a)));
    };
  }
  const child = typeof logger.child === 'function' ? logger.child.bind(logger) : (bindings: Record<string, unknown>) => bound(logger, bindings);
  wrapper['child'] = (bindings: Record<string, unknown>, ...rest: unknown[]) =>
    redactingLogger(child(redact.copy(bindings) as Record<string, unknown>, ...rest), redact);
  return wrapper as unknown as L & RedactingLogger;
}
