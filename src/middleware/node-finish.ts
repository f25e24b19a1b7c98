// When a Node response is done, and how many bytes it sent: the `finished` capability of every adapter on Node's http server.
import type { ServerResponse } from 'node:http';
import onFinished from 'on-finished';
import type { Outcome } from './exchange.js';

/** Counts the bytes of a response as they are written. */
function countBytes(res: ServerResponse): () => number {
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

/** Calls `listener` once when the response finished or the client went away, with its status and the bytes written. */
export function nodeFinished(res: ServerResponse, listener: (outcome: Outcome) => void): void {
  const bytes = countBytes(res);
  onFinished(res, () => listener({ status: res.statusCode, bytes: bytes(), aborted: !res.writableFinished }));
}
