// Streamed bodies over Web streams: a ReadableStream of bytes cut into records and rewritten as it is read — no Node module, for the Web-standard adapter.
import { FieldguardError, toFieldguardError } from '../errors.js';
import { RecordStream, errorEvent, type RecordStreamOptions, type StreamFormat } from './stream.js';

/**
 * Where a Web-standard adapter's request head offers its streamed body: a function that opens the
 * body (decompressed) for the records to read, and forgets the framing headers of the old bytes.
 */
export const OPEN_STREAM: unique symbol = Symbol.for('fieldguard.openStream');

/** A request head that can open its body as a Web stream. */
export interface WebStreamHead {
  readonly [OPEN_STREAM]?: () => ReadableStream<Uint8Array>;
}

/** How a record stream over Web streams ends when a record cannot be rewritten. */
export interface WebRecordOptions extends RecordStreamOptions {
  /** An SSE answer ends with an `event: error` before it errors; an upload only errors. Default false. */
  readonly errorEvent?: boolean;
}

/**
 * Errors the stream a turn of the event loop later: a host writes what it read before it reacts to
 * the error by closing the connection, and some (Node's http corks writes until the next tick)
 * would otherwise drop the records, or the error event, that went before.
 */
async function settle(controller: ReadableStreamDefaultController<Uint8Array>, error: FieldguardError): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  controller.error(error);
}

/**
 * The records of `source`, rewritten, as a pull stream: one chunk of the source is read only when
 * the reader wants more, so at most one chunk and one incomplete record are held. A record that
 * cannot be rewritten (or bytes that do not decompress) ends the stream with an error — after an
 * `event: error` when `errorEvent` is set; nothing of that record, nor anything after it, is passed.
 */
export function webRecords(source: ReadableStream<Uint8Array>, format: StreamFormat, options: WebRecordOptions): ReadableStream<Uint8Array> {
  const records = new RecordStream(format, options);
  const reader = source.getReader();
  const encoder = new TextEncoder();
  let failed: FieldguardError | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // The error event was read: the stream ends errored, so no reader takes it for a whole body.
      if (failed !== undefined) return settle(controller, failed);
      try {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch {
            throw new FieldguardError('ERR_STREAM_MALFORMED', 'the stream could not be read (cut, or not validly compressed); the stream was cut');
          }
          const text = chunk.done ? await records.end() : await records.write(chunk.value);
          if (text !== '') controller.enqueue(encoder.encode(text));
          if (chunk.done) return controller.close();
          // Only a pull that produced something returns: the reader then decides when to ask again.
          if (text !== '') return;
        }
      } catch (e) {
        failed = toFieldguardError(e);
        void reader.cancel(failed).catch(() => undefined);
        if (options.errorEvent === true) controller.enqueue(encoder.encode(errorEvent(failed)));
        else await settle(controller, failed);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
