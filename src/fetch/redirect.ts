// Redirects as guardFetch follows them itself: which answers are redirects, the next hop's method, and the headers that may go to another origin.
import { FieldguardError } from '../errors.js';

/** The statuses fetch treats as redirects. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** How many redirects `redirect: 'follow'` follows before it refuses (fetch allows 20; a vendor API needs one or two). */
export const MAX_HOPS = 5;

/**
 * The only headers that go to another origin. An allow-list, not a list of credential names: a
 * vendor's API key can be called anything (`X-Api-Key`, `Private-Token`, `Ocp-Apim-Subscription-Key`),
 * and a custom header may carry personal data meant for the first vendor only.
 */
const CROSS_ORIGIN_HEADERS: ReadonlySet<string> = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'user-agent', 'cache-control', 'pragma']);

// Dropped with the body when a redirect turns the request into a GET (fetch's request-body-header names, and the length).
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];

/** The request a redirect asks for, before guardFetch checks it like a first request. */
export interface NextHop {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  /** False when the redirect turned the request into a GET, which carries no body. */
  readonly keepsBody: boolean;
}

/**
 * The hop a redirect answer asks for, as fetch computes it: the Location resolved against the
 * current URL; 303 (other than to GET or HEAD) and 301/302 after POST become a GET without a body;
 * a hop to another origin keeps only the allow-listed headers, so no credential follows it.
 *
 * @example
 * ```ts
 * const hop = nextHop({ url, method: 'POST', headers }, 303, '/v1/tickets/7');
 * hop.method;    // 'GET'
 * hop.keepsBody; // false
 * ```
 */
export function nextHop(current: { readonly url: URL; readonly method: string; readonly headers: Headers }, status: number, location: string): NextHop {
  let url: URL;
  try {
    url = new URL(location, current.url);
  } catch {
    throw new FieldguardError('ERR_REDIRECT_REFUSED', 'the vendor answered with a redirect whose Location is not a URL; nothing was sent');
  }
  const toGet = ((status === 301 || status === 302) && current.method === 'POST') || (status === 303 && current.method !== 'GET' && current.method !== 'HEAD');
  const headers = new Headers();
  const sameOrigin = url.origin === current.url.origin;
  current.headers.forEach((value, name) => {
    if (!sameOrigin && !CROSS_ORIGIN_HEADERS.has(name)) return;
    if (toGet && BODY_HEADERS.includes(name)) return;
    headers.append(name, value);
  });
  return { url, method: toGet ? 'GET' : current.method, headers, keepsBody: !toGet };
}
