// Sees every chunk a Node response writes, without changing it: the byte count of `finished` and the monitor's copy of an answer.
import type { ServerResponse } from 'node:http';

/** What is told of each chunk a tapped response writes (`end`'s included), before it is written. */
export interface ChunkObserver {
  seen(chunk: unknown, encoding: unknown): void;
}

/**
 * One tapped response: its own `write` and `end`, and who is told. The methods put on the response
 * are functions made once and bound to this, not closures made per response: a closure kept on the
 * Node response makes V8 on Node 20 keep each response's objects through young-generation collections
 * (see ByteGuard in response.ts).
 */
class Tap {
  readonly write: (...a: unknown[]) => boolean;
  readonly end: (...a: unknown[]) => ServerResponse;
  constructor(
    readonly res: ServerResponse,
    readonly observer: ChunkObserver,
  ) {
    this.write = res.write as (...a: unknown[]) => boolean;
    this.end = res.end as (...a: unknown[]) => ServerResponse;
  }
}

function tappedWrite(this: Tap, chunk: unknown, ...rest: unknown[]): boolean {
  this.observer.seen(chunk, rest[0]);
  return this.write.call(this.res, chunk, ...rest);
}

function tappedEnd(this: Tap, chunk?: unknown, ...rest: unknown[]): ServerResponse {
  this.observer.seen(chunk, rest[0]);
  return this.end.call(this.res, chunk, ...rest);
}

/** Tells `observer` of every chunk `res` writes from now on; the chunks go on unchanged. */
export function tapWrites(res: ServerResponse, observer: ChunkObserver): void {
  const tap = new Tap(res, observer);
  res.write = tappedWrite.bind(tap) as ServerResponse['write'];
  res.end = tappedEnd.bind(tap) as ServerResponse['end'];
}
