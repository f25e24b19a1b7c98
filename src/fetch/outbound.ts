// One request as guardFetch sends it: the URL checked (https, no credentials, a declared destination, nothing sensitive in the path), the query and body through the policy.
import type { Destination, Destinations } from '../destinations/define.js';
import { FieldguardError } from '../errors.js';
import { parseQuery, serializeBody, serializeQuery } from '../middleware/body.js';
import { pathKinds } from '../middleware/request.js';
import { reportedHost } from '../monitor/names.js';
import { mergeReports } from '../plan/report.js';
import type { Report } from '../plan/walk.js';
import type { FieldSchema } from '../schema/define.js';
import type { ParsedBody } from './input.js';
import type { FetchPolicy } from './policy.js';

/** Whether the URL is the caller's own or one a vendor's redirect chose; only error messages differ. */
export type Origin = 'request' | 'redirect';

/**
 * Checks a URL before anything is sent to it, the same for a first request and for every
 * redirect: https only, no `user:pass@`, a declared destination, and no personal data or
 * credential in the path (`ERR_SENSITIVE_URL`). Messages name the origin and kinds, never the path.
 *
 * @example
 * ```ts
 * checkUrl(destinations, new URL('https://api.acme.example/v1/events'), 'request'); // the destination
 * checkUrl(destinations, new URL('https://api.acme.example/v1/users/jane%40example.com'), 'redirect'); // throws ERR_SENSITIVE_URL
 * ```
 */
export function checkUrl(destinations: Destinations, url: URL, origin: Origin): Destination {
  const what = origin === 'request' ? 'guardFetch' : 'guardFetch refused a redirect:';
  if (url.protocol !== 'https:') {
    throw new FieldguardError('ERR_INSECURE_TRANSPORT', `${what} ${url.protocol} URLs are refused; vendors are called over https only, and nothing was sent`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new FieldguardError('ERR_SENSITIVE_URL', `${what} the URL carries credentials (urlCredentials) before its host; send them in a header. Nothing was sent`);
  }
  const destination = destinations.match(url);
  if (destination === undefined) {
    throw new FieldguardError('ERR_UNKNOWN_DESTINATION', `${what} no declared destination has a baseUrl that covers this URL of ${url.protocol}//${reportedHost(url.host)}; nothing was sent`);
  }
  // The same remembered answer the middlewares' URL check gives: a pure function of the path's text, kept only for clean paths.
  const kinds = pathKinds(url.pathname);
  if (kinds.length > 0) {
    throw new FieldguardError('ERR_SENSITIVE_URL', `${what} the URL's path carries ${kinds.join(', ')}; send it in the body, where the policy applies. Nothing was sent`);
  }
  return destination;
}

/** A request ready to send: its URL with only the query the policy left, its body serialized, and what the walks reported. */
export interface Prepared {
  readonly url: URL;
  readonly body: string | undefined;
  /** The body and query walks merged, or `undefined` when the request carried neither. */
  readonly report: Report | undefined;
}

/**
 * Applies the destination's policy to the URL's query and to the body, as to one payload: the
 * query is read as Express's extended parser reads it (qs, nested bracket keys), walked like a
 * body (untagged keys dropped by default) and written back with only what remains.
 *
 * @example
 * ```ts
 * const { url, body, report } = await prepare(policy, destination, schema, new URL('https://api.acme.example/v1/search?email=j%40x.io&id=7'), undefined);
 * url.search; // '?id=7' when `id` is tagged public and `email` is untagged
 * ```
 */
export async function prepare(policy: FetchPolicy, destination: Destination, schema: FieldSchema, url: URL, body: ParsedBody | undefined): Promise<Prepared> {
  const out = new URL(url.href);
  // The fragment never leaves with fetch; dropping it here keeps the URL a vendor sees and the one reported identical.
  out.hash = '';
  const reports: Report[] = [];
  if (out.search === '') {
    // A bare `?` is kept by the URL parser; nothing of it should reach the vendor.
    out.search = '';
  } else {
    // Read as the middlewares read a query (qs, at most 1,000 parameters, depth 5): whatever is not kept is not sent.
    const query = parseQuery(out.search.slice(1));
    const result = await policy.apply(destination, schema, query);
    out.search = serializeQuery(result.value ?? {});
    reports.push(result.report);
  }
  let text: string | undefined;
  if (body !== undefined) {
    if (body.value === undefined) text = '';
    else {
      const result = await policy.apply(destination, schema, body.value);
      text = serializeBody(body.format, result.value === undefined ? {} : result.value);
      reports.push(result.report);
    }
  }
  return { url: out, body: text, report: reports.length === 0 ? undefined : mergeReports(reports) };
}
