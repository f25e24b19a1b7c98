// When a Node response is done, and how many bytes it sent: the `finished` capability of every adapter on Node's http server.
import type { ServerResponse } from 'node:http';
import onFinished from 'on-finished';
import type { Outcome } from './exchange.js';

/**
 * The bytes a response has written. Its `write` and `end` are functions made once and bound to it,
 * not closures made per response: a closure kept on the Node response makes V8 on Node 20 keep each
 * response's objects through young-generation collections (see ByteGuard in response.ts).
 */
class ByteCount {
  bytes = 0;
  readonly write: (...a: unknown[]) => boolean;
  readonly end: (...a: unknown[]) => ServerResponse;
  constructor(readonly res: ServerResponse) {
    this.write = res.write as (...a: unknown[]) => boolean;
    this.end = res.end as (...a: unknown[]) => ServerResponse;
  }
  add(chunk: unknown, encoding?: unknown): void {
    if (typeof chunk === 'string') this.bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) this.bytes += chunk.byteLength;
  }
}

function countedWrite(this: ByteCount, chunk: unknown, ...rest: unknown[]): boolean {
  this.add(chunk, rest[0]);
  return this.write.call(this.res, chunk, ...rest);
}

function countedEnd(this: ByteCount, chunk?: unknown, ...rest: unknown[]): ServerResponse {
  if (typeof chunk !== 'function') this.add(chunk, rest[0]);
  return this.end.call(this.res, chunk, ...rest);
}

/** Counts the bytes of a response as they are written. */
function countBytes(res: ServerResponse): ByteCount {
  const count = new ByteCount(res);
  res.write = countedWrite.bind(count) as ServerResponse['write'];
  res.end = countedEnd.bind(count) as ServerResponse['end'];
  return count;
}

/** Calls `listener` once when the response finished or the client went away, with its status and the bytes written. */
export function nodeFinished(res: ServerResponse, listener: (outcome: Outcome) => void): void {
  const count = countBytes(res);
  onFinished(res, () => listener({ status: res.statusCode, bytes: count.bytes, aborted: !res.writableFinished }));
}
