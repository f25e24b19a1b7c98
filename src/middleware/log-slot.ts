// Where a request's redacting logger is found: the same accessors for every adapter and every request.
import type { RedactingLogger } from '../log/wrap.js';

/** Where a holder keeps its LogSlot. */
const SLOT = Symbol('fieldguard.logSlot');

/** A request's redacting logger, made on first use, and the logger the app put over it (pino-http's `req.log`, koa-pino-logger's `ctx.log`). */
class LogSlot {
  own: RedactingLogger | undefined = undefined;
  assigned: unknown = undefined;
  constructor(readonly make: () => RedactingLogger) {}
  redacting(): RedactingLogger {
    return (this.own ??= this.make());
  }
}

type Holder = { [SLOT]?: LogSlot };

// The accessors are these functions for every request, finding the request's slot through `this`. An
// accessor made per request (a closure, or even a function bound per request) gives each request object
// a hidden class of its own, holding that accessor: V8 on Node 20 keeps such hidden classes until an
// old-space collection, and with them everything the request held, through every young-generation
// collection. Koa with redactLogs spent about 24 µs of collector time per request that way, against
// 7 µs with these (`--trace-gc`, the HTTP benchmark's route).
function redacting(this: Holder): RedactingLogger | undefined {
  return this[SLOT]?.redacting();
}

function current(this: Holder): unknown {
  const slot = this[SLOT];
  return slot === undefined ? undefined : (slot.assigned ?? slot.redacting());
}

function assign(this: Holder, value: unknown): void {
  const slot = this[SLOT];
  if (slot !== undefined) slot.assigned = value;
}

const SHOWN: PropertyDescriptor = { configurable: true, enumerable: false, get: current, set: assign };
const LISTED: PropertyDescriptor = { configurable: true, enumerable: true, get: current, set: assign };
const REDACTING: PropertyDescriptor = { configurable: true, enumerable: false, get: redacting };

/**
 * Puts a request's logger on `holders` under `log` (the app may assign its own there, which that
 * property then answers) and its redacting logger on the first holder under `key`, which always
 * answers the redacting one. The logger is made by `make` on first use.
 */
export function defineLogger(holders: readonly object[], key: symbol, make: () => RedactingLogger, enumerable: boolean): void {
  const slot = new LogSlot(make);
  for (const holder of holders) {
    Object.defineProperty(holder, SLOT, { configurable: true, enumerable: false, writable: true, value: slot });
    Object.defineProperty(holder, 'log', enumerable ? LISTED : SHOWN);
  }
  Object.defineProperty(holders[0], key, REDACTING);
}
