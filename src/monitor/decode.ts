// A vendor's answer as JSON for its shape: decompressed when it came compressed, bounded, and never an error — an answer that cannot be read has no shape.
import { brotliDecompress, gunzip, inflate, inflateRaw, type InputType } from 'node:zlib';

/** Largest answer, before and after decompression, whose shape is learned. */
export const MAX_SHAPE_BYTES = 262_144;

type Inflate = (buf: InputType, options: { maxOutputLength: number }, cb: (e: Error | null, out: Buffer) => void) => void;

const DECODERS: Readonly<Record<string, Inflate>> = { gzip: gunzip, 'x-gzip': gunzip, deflate: inflate, br: brotliDecompress };

/** Whether an answer with this `Content-Encoding` can be read for its shape (none, identity, gzip, deflate, br; one coding only). */
export function readableEncoding(encoding: string | undefined): boolean {
  const e = (encoding ?? '').trim().toLowerCase();
  return e === '' || e === 'identity' || DECODERS[e] !== undefined;
}

function inflateOnce(fn: Inflate, bytes: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    try {
      // The output is capped: a small answer that inflates to gigabytes stops at the cap and is dropped.
      fn(bytes, { maxOutputLength: MAX_SHAPE_BYTES }, (e, out) => resolve(e === null ? out : undefined));
    } catch {
      resolve(undefined);
    }
  });
}

/**
 * The JSON value of an answer's bytes, decoded from `encoding` (a zlib-wrapped or raw deflate is
 * accepted, as servers send both), or `undefined` when it cannot be read within
 * {@link MAX_SHAPE_BYTES} either side of decompression. Never rejects.
 */
export async function answerValue(bytes: Buffer, encoding: string | undefined): Promise<unknown> {
  if (bytes.length === 0 || bytes.length > MAX_SHAPE_BYTES) return undefined;
  const e = (encoding ?? '').trim().toLowerCase();
  let text: Buffer | undefined = bytes;
  if (e !== '' && e !== 'identity') {
    const fn = DECODERS[e];
    if (fn === undefined) return undefined;
    text = await inflateOnce(fn, bytes);
    if (text === undefined && e === 'deflate') text = await inflateOnce(inflateRaw as Inflate, bytes);
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads at most {@link MAX_SHAPE_BYTES} of a Web body; `undefined` (and the rest cancelled) when it is longer. Never rejects. */
export async function readBounded(body: ReadableStream<Uint8Array> | null): Promise<Buffer | undefined> {
  if (body === null) return undefined;
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      size += value.byteLength;
      if (size > MAX_SHAPE_BYTES) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  } catch {
    return undefined;
  }
}
