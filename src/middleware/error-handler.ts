// errorHandler's behaviour, written once: body-parser, co-body and fieldguard errors answered without quoting the body.
import { FieldguardError, parserError } from '../errors.js';
import { parseOptions } from '../options.js';
import { z } from '../zod.js';
import { errorAnswer, markAnswer, neutralizeParserError } from './answer.js';
import type { Exchange } from './exchange.js';

/** Options of `errorHandler` (Express and Koa). */
export interface ErrorHandlerOptions {
  /** `'fieldguard'` (default): `{ error: { code, message, paths? } }`; `'problem'`: RFC 9457 `application/problem+json`. */
  readonly format?: 'fieldguard' | 'problem';
}

const options = z.strictObject({ format: z.enum(['fieldguard', 'problem']).optional() });

/**
 * Compiles an error handler: it answers the errors it knows (a body parser's, whose message and
 * `err.body` quote the body, and fieldguard's own) and returns false for any other, which the
 * framework's next handler gets — made safe first if it is a parser error.
 */
export function errorBehaviour(factory: string, opts: ErrorHandlerOptions = {}, argc = 1): (ex: Exchange, err: unknown) => boolean {
  const o = parseOptions(factory, options, opts, argc);
  const format = o.format ?? 'fieldguard';
  return function answerKnownError(ex, err) {
    const known = parserError(err) ?? (err instanceof FieldguardError ? err : undefined);
    if (known === undefined) return false;
    neutralizeParserError(err);
    if (ex.res?.headersSent === true) {
      ex.res.destroy();
      return true;
    }
    const { status, headers, body } = errorAnswer(known, format);
    if (ex.res !== undefined) markAnswer(ex.res);
    ex.answer(status, headers, body);
    return true;
  };
}
