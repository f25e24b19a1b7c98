// fieldguard/winston: a winston format that redacts by schema, by key name and by detection, splat arguments included.
import type { Format, TransformableInfo } from 'logform';
import type { FieldSchema } from '../schema/define.js';
import { peer } from '../peer.js';
import { redactor, type RedactorOptions } from './redactor.js';
import { redactArg } from './wrap.js';

const SPLAT = Symbol.for('splat');

/**
 * A winston format that redacts each log entry: its metadata (schema paths at any depth, secret
 * key names, detection on other strings), its message, and the arguments `format.splat()` will
 * interpolate. Winston's symbol keys (level, message, splat) are kept. Put it first in
 * `format.combine`.
 *
 * @example
 * ```ts
 * const logger = winston.createLogger({ format: format.combine(redactFormat(schema), format.splat(), format.json()), transports });
 * ```
 */
export function redactFormat(schema: FieldSchema | undefined, options: Omit<RedactorOptions, 'serialize'> = {}): Format {
  const winston = peer<{ format: (fn: (info: TransformableInfo) => TransformableInfo | boolean) => () => Format }>('winston', '3', 'redactFormat()');
  const redact = redactor(schema, { ...options, serialize: false });
  return winston.format((info) => {
    const copy = redact.copy(info) as TransformableInfo;
    const out = (copy !== null && typeof copy === 'object' ? copy : { message: '[fieldguard] log line withheld: redaction failed' }) as TransformableInfo &
      Record<string | symbol, unknown>;
    out.level = info.level;
    for (const sym of Object.getOwnPropertySymbols(info)) {
      const v = (info as unknown as Record<symbol, unknown>)[sym];
      out[sym] = sym === SPLAT && Array.isArray(v) ? v.map((a) => redactArg(redact, a)) : v;
    }
    return out;
  })();
}
