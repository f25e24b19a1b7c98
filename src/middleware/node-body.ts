// Reading a Node request's unparsed body (raw-body, zlib): the body-reading capability of every adapter on Node's http server.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import getRawBody from 'raw-body';
import { FieldguardError, parserError } from '../errors.js';
import { charsetOf } from './body.js';

function decoded(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  switch (encoding) {
    case 'identity':
    case '':
      return req;
    case 'gzip':
    case 'x-gzip':
      return req.pipe(createGunzip());
    case 'deflate':
      return req.pipe(createInflate());
    case 'br':
      return req.pipe(createBrotliDecompress());
    default:
      throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'the request body has a content encoding fieldguard cannot read; send it uncompressed, or gzip, deflate or br');
  }
}

/**
 * Lets the rest of a request body that nobody will read flow off the wire, so the connection can
 * carry the client's next request. A parser that stopped at its limit (co-body, raw-body) leaves the
 * request paused; Node's http server drains only bodies nobody started to read, so a keep-alive
 * client's next request on that connection would wait forever.
 */
export function discardUnread(req: IncomingMessage): void {
  if (!req.complete && req.readableFlowing !== true && !req.destroyed) req.resume();
}

/**
 * Reads an unconsumed request body, decompressed and decoded from its charset, up to `limit`
 * bytes after decompression (so a small compressed body cannot expand past it).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const stream = decoded(req);
  const identity = stream === req;
  try {
    return await getRawBody(stream, {
      limit,
      encoding: charsetOf(req.headers['content-type']) ?? 'utf-8',
      ...(identity && req.headers['content-length'] !== undefined ? { length: req.headers['content-length'] } : {}),
    });
  } catch (e) {
    if (!identity) req.unpipe();
    req.resume();
    if (e instanceof FieldguardError) throw e;
    const known = parserError(e);
    if (known !== undefined && known.code === 'ERR_PAYLOAD_TOO_LARGE') throw new FieldguardError('ERR_PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`);
    throw known ?? new FieldguardError('ERR_INVALID_JSON', 'the request body could not be read');
  }
}

