// redactLogs' behaviour, framework-free: one request line of metadata, bodies and queries only through the redactor.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from '../zod.js';
import { redactor, type Redactor, type RedactorOptions } from '../log/redactor.js';
import { redactingLogger, type LoggerLike } from '../log/wrap.js';
import { fieldSchemaOption, parseOptions } from '../options.js';
import type { FieldSchema } from '../schema/define.js';

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
});

/** What the adapters report about one finished request. */
export interface RequestFacts {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly startedAt: bigint;
  readonly reqBytes: number;
  readonly resBytes: number;
  readonly query?: unknown;
  readonly reqBody?: unknown;
  readonly resBody?: unknown;
  readonly headers?: IncomingMessage['headers'];
  readonly error?: unknown;
}

/** The compiled behaviour of one redactLogs middleware. */
export interface LogsBehaviour {
  readonly redact: Redactor;
  readonly bodies: boolean;
  /** The child logger for one request (`req.log`, `ctx.log`). */
  child(): LoggerLike;
  /** Writes the request line, unless sampled out. Never throws. */
  finish(facts: RequestFacts): void;
}

type Flavor = 'pino' | 'winston' | 'plain';

function flavorOf(logger: LoggerLike): Flavor {
  const l = logger as unknown as Record<string, unknown>;
  if (typeof l['bindings'] === 'function' && typeof l['levels'] === 'object') return 'pino';
  if ('transports' in l && typeof l['log'] === 'function') return 'winston';
  return 'plain';
}

/** Validates redactLogs options and compiles its redactor. */
export function logsBehaviour(factory: string, opts: RedactLogsOptions): LogsBehaviour {
  const o = parseOptions(factory, options, opts);
  const redact = redactor(o.schema, { ...(o.redact ?? {}), serialize: false });
  const flavor = flavorOf(o.logger);
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
  return {
    redact,
    bodies: o.bodies === true,
    child() {
      const base = typeof o.logger.child === 'function' ? o.logger.child({}) : o.logger;
      return redactingLogger(base, redact);
    },
    finish(f) {
      const rate = o.sample?.[f.route];
      if (rate !== undefined && f.status < 500 && Math.random() >= rate) return;
      const line: Record<string, unknown> = {
        method: f.method,
        route: f.route,
        status: f.status,
        durationMs: Math.round(Number(process.hrtime.bigint() - f.startedAt) / 1e4) / 100,
        reqBytes: f.reqBytes,
        resBytes: f.resBytes,
      };
      if (o.destination !== undefined) line['destination'] = o.destination;
      if (f.query !== undefined && f.query !== null && Object.keys(f.query).length > 0) line['query'] = redact.copy(f.query);
      if (o.bodies === true) {
        if (f.headers !== undefined) line['headers'] = redact.copy(f.headers);
        if (f.reqBody !== undefined) line['reqBody'] = redact.copy(f.reqBody);
        if (f.resBody !== undefined) line['resBody'] = redact.copy(f.resBody);
      }
      if (f.error !== undefined) line['err'] = redact.copy(f.error);
      line['msg'] = 'request completed';
      write(f.status >= 500 ? 'error' : f.status >= 400 ? 'warn' : 'info', line);
    },
  };
}

/** Counts the bytes of a response as they are written. */
export function countBytes(res: ServerResponse): () => number {
  let bytes = 0;
  const add = (chunk: unknown, encoding?: unknown): void => {
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) bytes += chunk.byteLength;
  };
  const write = res.write;
  const end = res.end;
  res.write = function countedWrite(this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    add(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function countedEnd(this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') add(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return () => bytes;
}

/** Replaces an error's message and stack with their redacted text, so a default handler that prints it prints no data. */
export function sanitizeError(err: unknown, redact: Redactor): void {
  if (!(err instanceof Error)) return;
  try {
    err.message = redact.text(err.message);
    if (typeof err.stack === 'string') err.stack = redact.text(err.stack);
  } catch {
    // A frozen error stays as it is.
  }
}
