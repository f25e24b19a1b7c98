// The monitor's place in guardFetch: the kill switch and the honeytoken search before a byte is sent, the counts and the answer's shape after.
import type { Destinations } from '../destinations/define.js';
import type { Report } from '../plan/report.js';
import { suspendedError } from './guard.js';
import { hasSubjects } from './subjects.js';
import { watchOf } from './watch.js';

/** Largest answer whose shape is learned; larger ones are counted only. */
const MAX_SHAPE_BYTES = 262_144;

/** Before sending: throws when the destination is suspended or the request carries a honeytoken, else counts it. */
export function beforeSend(
  destinations: Destinations,
  destination: string,
  sent: { readonly url: URL; readonly body: string | undefined; readonly report: Report | undefined; readonly values?: readonly unknown[] },
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
    const found = watch.check(destination, 'headers', text) ?? watch.check(destination, 'query', sent.url.search) ?? watch.check(destination, 'body', sent.body ?? '');
    if (found !== undefined) throw found;
  }
  watch.outbound(destination, { report: sent.report, bytes: sent.body === undefined ? 0 : Buffer.byteLength(sent.body), values: sent.report !== undefined && hasSubjects(sent.report) ? (sent.values ?? []) : [] });
}

/** After the answer: its status counted, and the shape of a JSON answer learned (from a clone; the caller's response is untouched). */
export function afterResponse(destinations: Destinations, destination: string, response: Response): void {
  const watch = watchOf(destinations);
  if (watch === undefined) return;
  const length = Number(response.headers.get('content-length') ?? NaN);
  watch.status(destination, response.status, Number.isFinite(length) ? length : undefined);
  if (!(response.headers.get('content-type') ?? '').includes('json') || !(length <= MAX_SHAPE_BYTES) || response.status >= 300) return;
  response
    .clone()
    .json()
    .then(
      (value: unknown) => watch.response(destination, value),
      () => undefined,
    );
}

/** A host no destination declares was called (and refused). */
export function unknownHost(destinations: Destinations, url: URL): void {
  watchOf(destinations)?.unknownHost(url.host);
}
