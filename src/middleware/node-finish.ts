// When a Node response is done, and how many bytes it sent: the `finished` capability of every adapter on Node's http server.
import type { ServerResponse } from 'node:http';
import onFinished from 'on-finished';
import type { Outcome } from './exchange.js';
import { tapWrites, type ChunkObserver } from './node-tap.js';

/** The bytes a response has written, counted as they are written. */
class ByteCount implements ChunkObserver {
  bytes = 0;
  seen(chunk: unknown, encoding: unknown): void {
    if (typeof chunk === 'string') this.bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) this.bytes += chunk.byteLength;
  }
}

/** Calls `listener` once when the response finished or the client went away, with its status and the bytes written. */
export function nodeFinished(res: ServerResponse, listener: (outcome: Outcome) => void): void {
  const count = new ByteCount();
  tapWrites(res, count);
  onFinished(res, () => listener({ status: res.statusCode, bytes: count.bytes, aborted: !res.writableFinished }));
}
