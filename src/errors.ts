// The one error type fieldguard throws or answers with: a stable code, a help link, paths but never values.

/** Every stable error code fieldguard uses. Each is documented once in docs/errors.md. */
export type ErrorCode =
  | 'ERR_INVALID_SCHEMA'
  | 'ERR_INVALID_OPTIONS'
  | 'ERR_INVALID_PATH'
  | 'ERR_UNTAGGED_FIELD'
  | 'ERR_PAYLOAD_TOO_DEEP'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_UNREADABLE_VALUE'
  | 'ERR_MASK_FAILED'
  | 'ERR_INVALID_JSON'
  | 'ERR_INVALID_URL'
  | 'ERR_UNSUPPORTED_CONTENT_TYPE'
  | 'ERR_INVALID_KEY'
  | 'ERR_VAULT_UNAVAILABLE'
  | 'ERR_DETOKENIZE_FORBIDDEN'
  | 'ERR_MISSING_DEPENDENCY'
  | 'ERR_UNKNOWN_DESTINATION'
  | 'ERR_INSECURE_TRANSPORT'
  | 'ERR_SENSITIVE_URL'
  | 'ERR_REDIRECT_REFUSED'
  | 'ERR_UNSAFE_NUMBER'
  | 'ERR_FPE_DOMAIN_TOO_SMALL'
  | 'ERR_FPE_UNSUPPORTED_VALUE'
  | 'ERR_PRIVACY_BUDGET_EXHAUSTED'
  | 'ERR_STREAM_MALFORMED'
  | 'ERR_DESTINATION_SUSPENDED'
  | 'ERR_HONEYTOKEN_DETECTED'
  | 'ERR_INTERNAL';

/** One problem found in a schema or in options: where it is and what is wrong, never a value. */
export interface Issue {
  /** Where the problem is, as path segments from the root of the input. */
  readonly path: readonly (string | number)[];
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** The HTTP status each code answers with when a middleware refuses a request. */
const STATUS: Readonly<Record<ErrorCode, number>> = {
  ERR_INVALID_SCHEMA: 500,
  ERR_INVALID_OPTIONS: 500,
  ERR_INVALID_PATH: 500,
  ERR_UNTAGGED_FIELD: 422,
  ERR_PAYLOAD_TOO_DEEP: 400,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNREADABLE_VALUE: 500,
  ERR_MASK_FAILED: 500,
  ERR_INVALID_JSON: 400,
  ERR_INVALID_URL: 400,
  ERR_UNSUPPORTED_CONTENT_TYPE: 415,
  ERR_INVALID_KEY: 500,
  ERR_VAULT_UNAVAILABLE: 503,
  ERR_DETOKENIZE_FORBIDDEN: 403,
  ERR_MISSING_DEPENDENCY: 500,
  ERR_UNKNOWN_DESTINATION: 500,
  ERR_INSECURE_TRANSPORT: 500,
  ERR_SENSITIVE_URL: 422,
  ERR_REDIRECT_REFUSED: 502,
  ERR_UNSAFE_NUMBER: 400,
  ERR_FPE_DOMAIN_TOO_SMALL: 422,
  ERR_FPE_UNSUPPORTED_VALUE: 422,
  ERR_PRIVACY_BUDGET_EXHAUSTED: 429,
  ERR_STREAM_MALFORMED: 400,
  ERR_DESTINATION_SUSPENDED: 503,
  ERR_HONEYTOKEN_DETECTED: 403,
  ERR_INTERNAL: 500,
};

const HELP_BASE = 'https://github.com/fieldguard/fieldguard/blob/main/docs/errors.md#';

/**
 * The error fieldguard throws at start-up and reports for refused requests.
 *
 * Its `message` names paths and kinds only; no value from a payload ever appears in it.
 *
 * @example
 * ```ts
 * try { defineSchema({ type: 'object', 'x-sensitivity': 'privat' }); }
 * catch (e) { if (e instanceof FieldguardError) console.log(e.code, e.issues); }
 * ```
 */
export class FieldguardError extends Error {
  /** Stable machine-readable code, e.g. `ERR_UNTAGGED_FIELD`. */
  readonly code: ErrorCode;
  /** HTTP status a middleware answers with for this error. */
  readonly status: number;
  /** Link to the code's section of docs/errors.md. */
  readonly help: string;
  /** Payload paths concerned (for `ERR_UNTAGGED_FIELD`, `ERR_PAYLOAD_TOO_DEEP`, …). */
  readonly paths: readonly string[] | undefined;
  /** Structured problems, for schema and option errors. */
  readonly issues: readonly Issue[] | undefined;
  /** Always true: the message names paths and kinds only, so frameworks may show it (http-errors' convention). */
  readonly expose = true;

  constructor(code: ErrorCode, message: string, extra: { paths?: readonly string[]; issues?: readonly Issue[] } = {}) {
    super(message);
    this.name = 'FieldguardError';
    this.code = code;
    this.status = STATUS[code];
    this.help = HELP_BASE + code.toLowerCase().replace(/_/g, '-');
    this.paths = extra.paths;
    this.issues = extra.issues;
  }

  /** The HTTP status, under the name Express and Node's http-errors use. */
  get statusCode(): number {
    return this.status;
  }

  /** The JSON answer body every middleware sends: `{ error: { code, message, paths? } }`. */
  toJSON(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    return { error: this.paths === undefined ? error : { ...error, paths: [...this.paths] } };
  }

  /** The same answer as RFC 9457 problem details, for `application/problem+json`. */
  toProblem(): ProblemBody {
    const body: { -readonly [K in keyof ProblemBody]: ProblemBody[K] } = {
      type: this.help,
      title: TITLE[this.code],
      status: this.status,
      detail: this.message,
      code: this.code,
    };
    if (this.paths !== undefined) body.paths = [...this.paths];
    return body;
  }
}

/** An RFC 9457 problem details body, with fieldguard's code and paths as extension members. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly paths?: readonly string[];
}

/** A short, fixed summary of each code, for problem details' `title`. */
const TITLE: Readonly<Record<ErrorCode, string>> = {
  ERR_INVALID_SCHEMA: 'Invalid schema',
  ERR_INVALID_OPTIONS: 'Invalid options',
  ERR_INVALID_PATH: 'Invalid path',
  ERR_UNTAGGED_FIELD: 'Untagged field',
  ERR_PAYLOAD_TOO_DEEP: 'Payload too deep',
  ERR_PAYLOAD_TOO_LARGE: 'Payload too large',
  ERR_UNREADABLE_VALUE: 'Unreadable value',
  ERR_MASK_FAILED: 'Masking failed',
  ERR_INVALID_JSON: 'Invalid JSON',
  ERR_INVALID_URL: 'Invalid URL',
  ERR_UNSUPPORTED_CONTENT_TYPE: 'Unsupported content type',
  ERR_INVALID_KEY: 'Invalid key',
  ERR_VAULT_UNAVAILABLE: 'Vault unavailable',
  ERR_DETOKENIZE_FORBIDDEN: 'Re-identification forbidden',
  ERR_MISSING_DEPENDENCY: 'Missing dependency',
  ERR_UNKNOWN_DESTINATION: 'Unknown destination',
  ERR_INSECURE_TRANSPORT: 'Insecure transport',
  ERR_SENSITIVE_URL: 'Sensitive data in the URL',
  ERR_REDIRECT_REFUSED: 'Redirect refused',
  ERR_UNSAFE_NUMBER: 'Number cannot be forwarded exactly',
  ERR_FPE_DOMAIN_TOO_SMALL: 'Domain too small for format-preserving encryption',
  ERR_FPE_UNSUPPORTED_VALUE: 'Value does not fit its format-preserving format',
  ERR_PRIVACY_BUDGET_EXHAUSTED: 'Privacy budget exhausted',
  ERR_STREAM_MALFORMED: 'Malformed stream record',
  ERR_DESTINATION_SUSPENDED: 'Destination suspended',
  ERR_HONEYTOKEN_DETECTED: 'Honeytoken detected',
  ERR_INTERNAL: 'Internal error',
};

/** The body of every error answer a fieldguard middleware sends. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly paths?: readonly string[] };
}

/** Wraps anything thrown into a FieldguardError without ever copying a foreign message (it may quote data). */
export function toFieldguardError(cause: unknown): FieldguardError {
  if (cause instanceof FieldguardError) return cause;
  return new FieldguardError('ERR_INTERNAL', 'fieldguard could not process the payload');
}

/** body-parser's and raw-body's error types, and the fieldguard errors they answer with. */
const PARSER_TYPES: Readonly<Record<string, FieldguardError>> = {
  'entity.parse.failed': new FieldguardError('ERR_INVALID_JSON', 'the request body is not valid JSON'),
  'entity.too.large': new FieldguardError('ERR_PAYLOAD_TOO_LARGE', 'the request body is too large'),
  'encoding.unsupported': new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body encoding is not supported'),
  'charset.unsupported': new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body charset is not supported'),
  'request.size.invalid': new FieldguardError('ERR_INVALID_JSON', 'the request body does not match its Content-Length'),
  'request.aborted': new FieldguardError('ERR_INVALID_JSON', 'the request was aborted before its body was read'),
  'parameters.too.many': new FieldguardError('ERR_PAYLOAD_TOO_LARGE', 'the request body has too many parameters'),
};

/** Fastify's content-type parser errors, and the fieldguard errors they answer with. */
const FASTIFY_PARSER_CODES: Readonly<Record<string, FieldguardError>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: PARSER_TYPES['entity.parse.failed']!,
  FST_ERR_CTP_EMPTY_JSON_BODY: new FieldguardError('ERR_INVALID_JSON', 'the request body is empty or only whitespace, which is not JSON'),
  FST_ERR_CTP_BODY_TOO_LARGE: PARSER_TYPES['entity.too.large']!,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: PARSER_TYPES['request.size.invalid']!,
  // Fastify's bad-URL error (handed to `frameworkErrors`) quotes the path it could not decode.
  FST_ERR_BAD_URL: new FieldguardError('ERR_INVALID_URL', 'the request URL holds a percent-encoding that does not decode'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body has a content type no parser of this route reads'),
};

/**
 * Recognizes the errors body parsers throw (body-parser, raw-body, co-body, Fastify's content-type parsers), and a
 * router's URL decoding errors (a URIError, Fastify's FST_ERR_BAD_URL), and maps them to a
 * fieldguard error. Their own messages, and co-body's `err.body`, quote the request body, so they
 * must never reach an answer or a log.
 */
export function parserError(err: unknown): FieldguardError | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (typeof type === 'string' && PARSER_TYPES[type] !== undefined) return PARSER_TYPES[type];
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'string' && FASTIFY_PARSER_CODES[code] !== undefined) return FASTIFY_PARSER_CODES[code];
  // A router's failure to decode a path parameter (Express's "Failed to decode param '…'") quotes the segment.
  if (err instanceof URIError) return FASTIFY_PARSER_CODES['FST_ERR_BAD_URL'];
  // Fastify's JSON parser answers a SyntaxError (whose message quotes the body) with statusCode 400.
  if (statusCode === 400 && err instanceof SyntaxError) return PARSER_TYPES['entity.parse.failed'];
  if (status === 400 && (err instanceof SyntaxError || 'body' in err)) return PARSER_TYPES['entity.parse.failed'];
  if (status === 413) return PARSER_TYPES['entity.too.large'];
  if (status === 415) return PARSER_TYPES['encoding.unsupported'];
  return undefined;
}

