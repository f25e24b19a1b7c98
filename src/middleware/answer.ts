// Refusals: every middleware answers them the same way — fieldguard's JSON, problem details, or the app's own error handling.
import type { ServerResponse } from 'node:http';
import { parserError, toFieldguardError, type FieldguardError } from '../errors.js';
import type { CommonConfig } from './config.js';
import type { Exchange } from './exchange.js';

const ANSWER = Symbol.for('fieldguard.answer');

/** Marks a response as fieldguard's own answer, so response guards pass it through untouched. */
export function markAnswer(res: ServerResponse): void {
  (res as unknown as Record<symbol, boolean>)[ANSWER] = true;
}

/** Whether a response is fieldguard's own answer. */
export function isAnswer(res: ServerResponse): boolean {
  return (res as unknown as Record<symbol, boolean>)[ANSWER] === true;
}

/** The status, headers and body of an error answer, never quoting a value. */
export function errorAnswer(error: FieldguardError, format: 'fieldguard' | 'problem'): { status: number; headers: Record<string, string>; body: string } {
  const problem = format === 'problem';
  return {
    status: error.status,
    headers: {
      'content-type': problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    },
    body: JSON.stringify(problem ? error.toProblem() : error.toJSON()),
  };
}

/**
 * Refuses a request: nothing is forwarded, and the error is answered as the middleware was
 * configured — fieldguard's own answer, or handed to the app's error handling. If the answer
 * already started, the connection is cut instead.
 */
export async function refuse(ex: Exchange, cause: unknown, config: Pick<CommonConfig, 'errors' | 'errorFormat'>): Promise<void> {
  const error = toFieldguardError(cause);
  if (config.errors === 'handler') return ex.fail(error);
  if (ex.res?.headersSent === true) {
    ex.res.destroy();
    return;
  }
  const { status, headers, body } = errorAnswer(error, config.errorFormat);
  if (ex.res !== undefined) markAnswer(ex.res);
  ex.answer(status, headers, body);
}

/** Answers on the Node response directly, for failures found after the framework handed the answer over. */
export function answerNode(res: ServerResponse, cause: unknown, format: 'fieldguard' | 'problem' = 'fieldguard'): void {
  const error = toFieldguardError(cause);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, headers, body } = errorAnswer(error, format);
  markAnswer(res);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * Makes a parser error safe to pass on: its message becomes fieldguard's, and the raw body it
 * carries (co-body's `err.body`) is removed, so a default handler or a logger further out prints no data.
 */
export function neutralizeParserError(err: unknown): void {
  const known = parserError(err);
  if (known === undefined || err === null || typeof err !== 'object') return;
  try {
    const e = err as { message?: unknown; stack?: unknown; body?: unknown };
    e.message = known.message;
    if (typeof e.stack === 'string') e.stack = `${(err as Error).name ?? 'Error'}: ${known.message}`;
    delete e.body;
  } catch {
    // A frozen error stays as it is; loggers still see it through the redactor.
  }
}
