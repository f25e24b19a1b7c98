// The error answer every middleware sends when it refuses a request: `{ error: { code, message, paths? } }`, never a value.
import type { ServerResponse } from 'node:http';
import { FieldguardError, toFieldguardError } from '../errors.js';

/** Sends a refusal on a Node response. If the answer already started, the connection is cut instead. */
export function sendError(res: ServerResponse, cause: unknown): FieldguardError {
  const error = toFieldguardError(cause);
  if (res.headersSent) {
    res.destroy();
    return error;
  }
  const body = JSON.stringify(error.toJSON());
  res.statusCode = error.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
  return error;
}

/** body-parser's and raw-body's error types, and the fieldguard errors they answer with. */
const PARSER_TYPES: Readonly<Record<string, FieldguardError>> = {
  'entity.parse.failed': new FieldguardError('ERR_INVALID_JSON', 'the request body is not valid JSON'),
  'entity.too.large': new FieldguardError('ERR_PAYLOAD_TOO_LARGE', 'the request body is too large'),
  'encoding.unsupported': new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body encoding is not supported'),
  'charset.unsupported': new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body charset is not supported'),
};

/**
 * Recognizes the errors body parsers throw (body-parser, raw-body, co-body) and maps them to a
 * fieldguard error. Their own messages, and co-body's `err.body`, quote the request body, so they
 * must never reach an answer or a log.
 */
export function parserError(err: unknown): FieldguardError | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && PARSER_TYPES[type] !== undefined) return PARSER_TYPES[type];
  if (status === 400 && (err instanceof SyntaxError || 'body' in err)) return PARSER_TYPES['entity.parse.failed'];
  if (status === 413) return PARSER_TYPES['entity.too.large'];
  if (status === 415) return PARSER_TYPES['encoding.unsupported'];
  return undefined;
}
