// fieldguard/winston: a winston format that redacts by schema, by key name and by detection, splat arguments included.
import type { FieldSchema } from '../schema/define.js';
import { peer } from '../peer.js';
import { format } from 'node:util';
import { redactor, WITHHELD, type Redactor, type RedactorOptions } from './redactor.js';
import { markRedacting, NO_SCHEMA, numbersAsText, probeOf, redactArg } from './wrap.js';

const SPLAT = Symbol.for('splat');
const MESSAGE = Symbol.for('message');

/**
 * A winston log entry as formats see it: logform's `TransformableInfo`, declared here so that
 * fieldguard's types need no `logform` package.
 *
 * @example
 * ```ts
 * const info: WinstonInfo = { level: 'info', message: 'order received', orderId: 'ord_1' };
 * ```
 */
export interface WinstonInfo {
  level: string;
  message: unknown;
  [key: string | symbol]: unknown;
}

/**
 * A winston format instance, structurally: logform's `Format`, which `format.combine` and
 * `createLogger({ format })` take. Declared here so that fieldguard's types need no `logform` package.
 *
 * @example
 * ```ts
 * const format: WinstonFormat = redactFormat(schema);
 * winston.createLogger({ format: winston.format.combine(format, winston.format.json()) });
 * ```
 */
export interface WinstonFormat {
  options?: object;
  transform: (info: WinstonInfo, opts?: unknown) => WinstonInfo | boolean;
}

type WinstonFormatFactory = (fn: (info: WinstonInfo) => WinstonInfo | boolean) => () => WinstonFormat;

const TOKENS = /%[scdjifoO%]/g;

/**
 * What `format.splat()` will write, scanned whole: each piece was redacted alone, but a value split
 * between the template and its arguments (`'user %s@%s'`, a card over four `%s`) is one only in
 * the joined message. When the joined text holds such a value, the entry gets the message already
 * interpolated and redacted, and what splat would do with the arguments past the placeholders
 * (merge them into the entry) is done here, so splat has nothing left to join.
 */
function joinSplat(redact: Redactor, out: WinstonInfo, splat: unknown[]): void {
  const message = out.message as string;
  const tokens = message.match(TOKENS);
  if (tokens === null || splat.length === 0) return;
  const expected = tokens.length - tokens.filter((t) => t === '%%').length;
  const args = splat.slice(0, Math.max(expected, 0));
  const joined = format(message, ...args);
  const whole = redact.text(joined);
  if (whole === joined) return;
  const metas = splat.slice(args.length);
  for (const meta of metas) Object.assign(out, meta);
  out.message = whole;
  out[SPLAT] = [];
}

/**
 * A winston format that redacts each log entry: its metadata (schema paths at any depth, secret
 * key names, detection on other strings), its message, and the arguments `format.splat()` will
 * interpolate (a `%d` whose argument was masked becomes `%s`, so the mask prints, not `NaN`).
 * Winston's symbol keys (level, message, splat) are kept. Put it first in `format.combine`.
 *
 * - A format before it that already wrote the final line (`format.json()` sets winston's
 *   `Symbol.for('message')`) would bypass it: a JSON line found there is parsed and redacted, any
 *   other is replaced by the withheld message (`ERR_REDACTION_FAILED`).
 * - A logger whose format runs it is recognized by `isRedactingLogger`, so `redactLogs`' `req.log`
 *   does not redact its lines a second time.
 *
 * @example
 * ```ts
 * const logger = winston.createLogger({ format: format.combine(redactFormat(schema), format.splat(), format.json()), transports });
 * ```
 */
export function redactFormat(schema: FieldSchema | undefined, options: Omit<RedactorOptions, 'serialize'> = {}): WinstonFormat {
  const winston = peer<{ format: WinstonFormatFactory }>('winston', '3', 'redactFormat()');
  const redact = redactor(schema, { ...options, serialize: false });
  const finished = (line: unknown): unknown => {
    if (typeof line !== 'string') return line;
    try {
      return JSON.stringify(redact.copy(JSON.parse(line)));
    } catch {
      return JSON.stringify({ level: 'error', message: WITHHELD.msg, code: WITHHELD.code });
    }
  };
  const transform = markRedacting(function redactEntry(info: WinstonInfo): WinstonInfo | boolean {
    // isRedactingLogger's probe: answered and dropped here, so no later format or transport sees it.
    const probe = probeOf(info);
    if (probe !== undefined) {
      probe.seen = true;
      probe.schema = schema ?? NO_SCHEMA;
      return false;
    }
    const copy = redact.copy(info);
    const out = (copy !== null && typeof copy === 'object' ? copy : { message: WITHHELD.msg, code: WITHHELD.code }) as WinstonInfo;
    out.level = info.level;
    const raw = info[SPLAT];
    const splat = Array.isArray(raw) ? raw.map((a) => redactArg(redact, a)) : undefined;
    for (const sym of Object.getOwnPropertySymbols(info)) {
      const v = info[sym];
      out[sym] = sym === SPLAT && splat !== undefined ? splat : sym === MESSAGE ? finished(v) : v;
    }
    if (splat !== undefined && Array.isArray(raw) && typeof out.message === 'string') {
      out.message = numbersAsText(out.message, raw, splat, 'util');
      joinSplat(redact, out, splat);
    }
    return out;
  });
  return markRedacting(winston.format(transform)());
}
