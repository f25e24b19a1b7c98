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

/**
 * Wraps a logger so every argument of every level method is redacted before the logger sees it
 * (messages, format arguments, merging objects, errors), and so are the bindings of its children.
 * The wrapper delegates with the real logger as `this`, so pino and winston behave as usual.
 */
export function redactingLogger<L extends LoggerLike>(logger: L, redact: Redactor): L {
  const wrapper = Object.create(logger) as Record<string, unknown>;
  for (const name of METHODS) {
    const original = (logger as unknown as Record<string, unknown>)[name];
    if (typeof original !== 'function') continue;
    wrapper[name] = function redactedLogMethod(...args: unknown[]): unknown {
      return (original as (...a: unknown[]) => unknown).apply(logger, args.map((a) => redactArg(redact, a)));
    };
  }
  if (typeof logger.child === 'function') {
    const child = logger.child.bind(logger);
    wrapper['child'] = (bindings: Record<string, unknown>, ...rest: unknown[]) =>
      redactingLogger(child(redact.copy(bindings) as Record<string, unknown>, ...rest), redact);
  }
  return wrapper as unknown as L;
}
