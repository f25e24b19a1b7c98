// The request side of streamed bodies: a server-sent event or NDJSON body is rewritten record by record while the forwarder reads it.
import { FieldguardError } from '../errors.js';
import { emitReport, type CommonConfig } from './config.js';
import type { IncomingMessage } from 'node:http';
import type { Exchange, RequestHead } from './exchange.js';
import type { PlanResult } from '../plan/walk.js';
import { streamFormat, type RecordApply } from './stream.js';
import { streamRequest } from './stream-node.js';
import { OPEN_STREAM, webRecords, type WebStreamHead } from './stream-web.js';

/**
 * Rewrites a request body of a streamed type as it passes, each record through `apply`, and
 * returns true; returns false for any other type (the caller then reads the body whole). Each
 * record's report is emitted and left on the request as it is made.
 * @throws FieldguardError `ERR_UNSUPPORTED_CONTENT_TYPE` when the stream was already read from.
 */
export function streamedBody(ex: Exchange, config: Pick<CommonConfig, 'limit' | 'onReport'>, apply: RecordApply): boolean {
  const format = streamFormat(ex.req.headers['content-type']);
  if (format === undefined) return false;
  const options = {
    apply,
    limit: config.limit,
    check: ex.checkRecord,
    onRecord: (result: PlanResult) => {
      emitReport(config.onReport, result.report);
      ex.report(result.report);
    },
  };
  // A Web-standard adapter opens its Request's body as a Web stream; the rewritten records become the body it forwards.
  const open = (ex.req as RequestHead & WebStreamHead)[OPEN_STREAM];
  if (typeof open === 'function') {
    ex.setBody(webRecords(open(), format, options), '');
    return true;
  }
  // Otherwise only a Node request is a stream this can rewrite as it passes.
  const node = ex.req as RequestHead & Partial<IncomingMessage>;
  if (typeof node.on !== 'function' || typeof node.pipe !== 'function') return false;
  const rewritten = streamRequest(node as IncomingMessage, format, options);
  if (!rewritten) {
    throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the streamed body was read before fieldguard could rewrite it from its start; mount fieldguard before anything that reads it');
  }
  return true;
}
