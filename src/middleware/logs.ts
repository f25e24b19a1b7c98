// redactLogs' behaviour, written once: one request line of metadata; queries, bodies, headers and errors only through the redactor.
import { redactor, WITHHELD, type Redactor, type RedactorOptions } from '../log/redactor.js';
import { isRedactingLogger, redactingLogger, redactingSchema, type LoggerLike } from '../log/wrap.js';
import { fieldSchemaOption, parseOptions } from '../options.js';
import type { FieldSchema } from '../schema/define.js';
import { z } from '../zod.js';
import { neutralizeParserError } from './answer.js';
import { parseQuery, searchOf } from './body.js';
import type { Behaviour } from './exchange.js';
import type { Monitor } from '../monitor/monitor.js';
import { watchOf } from '../monitor/watch.js';

/** Options of `redactLogs` (Express and Koa). */
export interface RedactLogsOptions {
  /** A pino logger, a winston logger, or any `{ info, warn, error }` object. */
  readonly logger: LoggerLike;
  /** The compiled schema of the payloads, from `defineSchema`. Without one, key names and detectors still apply. */
  readonly schema?: FieldSchema;
  /** Log request and response bodies (and request headers) — always through the redactor. Default `false`. */
  readonly bodies?: boolean;
  /** Sampling rate (0–1) per route pattern, for high-volume endpoints; responses with status ≥ 500 are always logged. */
  readonly sample?: Readonly<Record<string, number>>;
  /** The destination (vendor) this route sends to, written on the line. */
  readonly destination?: string;
  /** Redactor options (selection, censor, detection, extra paths and keys). */
  readonly redact?: Omit<RedactorOptions, 'serialize'>;
  /** A monitor from `createMonitor`: with `destination`, each answer's status and size is counted there. */
  readonly monitor?: Monitor;
}

const options = z.strictObject({
  logger: z.custom<LoggerLike>(
    (v) => v !== null && typeof v === 'object' && ['info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    { message: 'must be a logger with info, warn and error (pino, winston, console)' },
  ),
  schema: fieldSchemaOption.optional(),
  bodies: z.boolean().optional(),
  sample: z.record(z.string(), z.number().min(0).max(1)).optional(),
  destination: z.string().min(1).optional(),
  redact: z.record(z.string(), z.unknown()).optional(),
  monitor: z.custom<Monitor>((v) => v !== null && typeof v === 'object' && typeof (v as Monitor).flush === 'function', { message: 'must be a monitor from createMonitor(…)' }).optional(),
});

type Flavor = 'pino' | 'winston' | 'plain';

function flavorOf(logger: LoggerLike): Flavor {
  const l = logger as unknown as Record<string, unknown>;
  if (typeof l['bindings'] === 'function' && typeof l['levels'] === 'object') return 'pino';
  if ('transports' in l && typeof l['log'] === 'function') return 'winston';
  return 'plain';
}

/** Replaces an error's message and stack with their redacted text, so a default handler that prints it prints no data. */
function sanitizeError(err: unknown, redact: Redactor): void {
  neutralizeParserError(err);
  if (!(err instanceof Error)) return;
  try {
    err.message = redact.text(err.message);
    if (typeof err.stack === 'string') err.stack = redact.text(err.stack);
  } catch {
    // A frozen error stays as it is.
  }
}

/** An Error standing for a thrown value that is not one, its text redacted, its HTTP status kept. */
function safeError(value: unknown, redact: Redactor): Error {
  let text: string;
  try {
    text = redact.text(`non-error thrown: ${JSON.stringify(redact.copy(value)) ?? String(value)}`);
  } catch {
    text = 'non-error thrown';
  }
  const e = new Error(text) as Error & { status?: number; expose?: boolean };
  const status = value !== null && typeof value === 'object' ? (value as { status?: unknown }).status : undefined;
  if (typeof status === 'number') e.status = status;
  return e;
}

/**
 * Validates redactLogs options and compiles its redactor. Per request: a redacting child logger
 * on `req.log` / `ctx.log`, and when the answer finished (or the client went away) one line with
 * method, route pattern, status, latency, sizes, destination, the query redacted, bodies and
 * headers only with `bodies: true`, and the error thrown downstream (Koa), redacted — whose own
 * message and stack are redacted in place before it is thrown on.
 */
export function logsBehaviour(factory: string, opts: RedactLogsOptions, argc: number): Behaviour {
  const o = parseOptions(factory, options, opts, argc);
  const redact = redactor(o.schema, { ...(o.redact ?? {}), serialize: false });
  // A logger built with pinoOptions or redactFormat of the same schema redacts every line itself: the
  // line is redacted there, once. Built from another schema (or given options of its own here), it
  // would not apply this route's: then both redact.
  const trusted = isRedactingLogger(o.logger) && o.redact === undefined && (o.schema === undefined || redactingSchema(o.logger) === o.schema);
  const copy = trusted ? (v: unknown): unknown => v : redact.copy;
  const flavor = flavorOf(o.logger);
  const bodies = o.bodies === true;
  const write = (level: 'info' | 'warn' | 'error', line: Record<string, unknown>): void => {
    try {
      const logger = o.logger as unknown as Record<string, (...a: unknown[]) => unknown>;
      const { msg, ...rest } = line;
      if (flavor === 'winston') logger[level]!.call(o.logger, msg, rest);
      else logger[level]!.call(o.logger, line);
    } catch {
      // A failing logger never fails the request.
    }
  };
  return async function redactLogsRequest(ex) {
    const startedAt = performance.now();
    ex.logger(() => redactingLogger(typeof o.logger.child === 'function' ? o.logger.child({}) : o.logger, redact, trusted));
    let resBody: unknown;
    if (bodies) {
      ex.onValue(
        (value) => {
          resBody = value;
          return value;
        },
        { observe: true },
      );
    }
    const search = searchOf(ex.url());
    let error: unknown;
    ex.finished((outcome) => {
      const status = outcome.status;
      if (o.destination !== undefined) watchOf(o.monitor)?.status(o.destination, status, outcome.bytes);
      const route = ex.route() ?? '(unmatched)';
      const rate = o.sample?.[route];
      if (rate !== undefined && status < 500 && Math.random() >= rate) return;
      const line: Record<string, unknown> = {
        method: ex.req.method,
        route,
        status,
        durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
        reqBytes: Number(ex.req.headers['content-length'] ?? 0) || 0,
        resBytes: outcome.bytes,
      };
      if (outcome.aborted) line['aborted'] = true;
      if (o.destination !== undefined) line['destination'] = o.destination;
      // Everything the sender or the app wrote goes through one walk: one plan application per line, as
      // a logger that redacts itself does over the whole line.
      try {
        const data: Record<string, unknown> = {};
        if (search !== '') data['query'] = parseQuery(search);
        if (bodies) {
          data['headers'] = ex.req.headers;
          const reqBody = ex.body();
          if (reqBody !== undefined) data['reqBody'] = reqBody;
          if (resBody !== undefined) data['resBody'] = resBody;
        }
        if (error !== undefined) data['err'] = error;
        if (Object.keys(data).length > 0) {
          const safe = copy(data) as Record<string, unknown>;
          if (safe === null || typeof safe !== 'object' || safe['code'] === WITHHELD.code) line['redaction'] = 'withheld';
          else Object.assign(line, safe);
        }
      } catch {
        line['redaction'] = 'withheld';
      }
      line['msg'] = 'request completed';
      write(status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', line);
    });
    try {
      await ex.next();
    } catch (err) {
      // Koa: what downstream threw is logged redacted, made safe to print, and thrown on. A value that is
      // not an Error would be printed by Koa as it is ("non-error thrown: …"): an Error with its redacted text goes on instead.
      sanitizeError(err, redact);
      error = err;
      throw err instanceof Error ? err : safeError(err, redact);
    }
  };
}
