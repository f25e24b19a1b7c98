// A Writable a logger writes to in a test, and the text it was given.
import { Writable } from 'node:stream';

/** A stream that keeps what it is written, for a logger under test. */
export function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}
