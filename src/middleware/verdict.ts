// Which answers a response guard reads, by status and type: the one rule of the Node response guard and the Web adapter, with nothing of Node in it.
import { isJsonMediaType, mediaType } from './body.js';
import { streamFormat } from './stream.js';

/**
 * Headers that describe a body's bytes — validators and digests (RFC 9530's Content-Digest and
 * Repr-Digest, the older Digest and Content-MD5): computed from an answer that is then masked, each is
 * a hash of the hidden values to check guesses against, and a wrong integrity check besides. Every
 * transformed answer, on Node's response and as a Web Response, is sent without them.
 */
export const BODY_DESCRIPTORS: readonly string[] = ['etag', 'content-md5', 'digest', 'content-digest', 'repr-digest'];

/**
 * How an answer's body is treated: read whole and rewritten (`json`), read when it starts like JSON
 * (`sniff`), rewritten record by record as it passes (`stream`: server-sent events, NDJSON), or sent
 * as it is (`pass`).
 */
export type Verdict = 'json' | 'sniff' | 'pass' | 'stream';

/**
 * The types frameworks give a body the handler did not type — Koa's for a string, Express's for
 * `res.send(string)`, both for a Buffer, a Web `Response` for a string — so an untyped JSON body
 * arrives labelled with one of them.
 */
const FRAMEWORK_DEFAULTS: ReadonlySet<string> = new Set(['text/plain', 'text/html', 'application/octet-stream']);

/** Whether a status has no body to rewrite: 1xx, 204 and 304. */
export function bodilessStatus(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Whether a media type (without parameters, lower-cased) names one JSON document: any JSON media type
 * ({@link isJsonMediaType}: `*\/json`, `*\/*+json`, `application/x-amz-json-1.1`), record streams
 * (NDJSON, JSON Lines) excepted — those are rewritten record by record.
 */
export function isJsonMedia(type: string | undefined): boolean {
  return type !== undefined && streamFormat(type) === undefined && isJsonMediaType(type);
}

/** The verdict on an answer by its Content-Type header alone. */
export function typeVerdict(contentType: string | undefined): Verdict {
  const type = mediaType(contentType);
  if (type === undefined || FRAMEWORK_DEFAULTS.has(type)) return 'sniff';
  if (isJsonMedia(type)) return 'json';
  // Server-sent events and NDJSON carry JSON records: rewritten record by record as they pass, never held whole.
  return streamFormat(type) === undefined ? 'pass' : 'stream';
}

/** The first byte of a chunk that is not whitespace or a UTF-8 byte-order mark byte, for sniffing an untyped body. */
export function firstByte(chunk: Uint8Array): number | undefined {
  for (const b of chunk) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf) return b;
  return undefined;
}
