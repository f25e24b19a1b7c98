// The monitor's place in guardFetch: the kill switch and the honeytoken search before a byte is sent, the counts and the answer's shape after.
import type { Destinations } from '../destinations/define.js';
import type { Report } from '../plan/report.js';
import { suspendedError } from './guard.js';
import { watchOf } from './watch.js';

import { answerValue, readBounded, readableEncoding } from './decode.js';

/** Before sending: throws when the destination is suspended or the request carries a honeytoken, else counts it. */
export function beforeSend(
  destinations: Destinations,
  destination: string,
  sent: { readonly url: URL; readonly body: string | undefined; readonly report: Report | undefined },
  headers: Headers,
): void {
  const watch = watchOf(destinations);
  if (destinations.suspension(destination) !== undefined) {
    watch?.refused(destination, 'ERR_DESTINATION_SUSPENDED');
    throw suspendedError(destination);
  }
  if (watch === undefined) return;
  if (watch.honeytokens > 0) {
    let text = '';
    headers.forEach((v) => void (text += `${v}\n`));
    // The URL as it is sent, and its path decoded (a query is searched as sent: what the vendor reads of it is what it is).
    let path: string | undefined;
    try {
      path = sent.url.pathname.includes('%') ? decodeURIComponent(sent.url.pathname) : undefined;
    } catch {
      path = undefined;
    }
    const found =
      watch.check(destination, 'headers', text) ??
      watch.check(destination, 'url', sent.url.pathname) ??
      (path === undefined ? undefined : watch.check(destination, 'url', path)) ??
      watch.check(destination, 'query', sent.url.search) ??
      watch.check(destination, 'body', sent.body ?? '');
    if (found !== undefined) throw found;
  }
  watch.outbound(destination, { report: sent.report, bytes: sent.body === undefined ? 0 : Buffer.byteLength(sent.body) });
}

/** After the answer: its status counted, and the shape of a JSON answer learned (from a clone; the caller's response is untouched). */
export function afterResponse(destinations: Destinations, destination: string, response: Response): void {
  const watch = watchOf(destinations);
  if (watch === undefined) return;
  const length = Number(response.headers.get('content-length') ?? NaN);
  watch.status(destination, response.status, Number.isFinite(length) ? length : undefined);
  const encoding = response.headers.get('content-encoding') ?? undefined;
  if (!(response.headers.get('content-type') ?? '').includes('json') || response.status >= 300 || !readableEncoding(encoding)) return;
  // A clone read up to the cap, whatever Content-Length says (a compressed answer is usually chunked).
  void readBounded(response.clone().body).then(async (bytes) => {
    if (bytes === undefined) return;
    // fetch decodes gzip, deflate and br itself and keeps the header; a fetch that does not left the coded bytes.
    const value = (await answerValue(bytes, undefined)) ?? (encoding === undefined ? undefined : await answerValue(bytes, encoding));
    if (value !== undefined) watch.response(destination, value);
  });
}

/** A host no destination declares was called (and refused). */
export function unknownHost(destinations: Destinations, url: URL): void {
  watchOf(destinations)?.unknownHost(url.host);
}
