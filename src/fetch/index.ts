// fieldguard/fetch: guardFetch, a fetch that applies the destination's policy to what code sends vendors directly.
import type { Agent as UndiciAgent } from 'undici';
import { z } from '../zod.js';
import { isDestinations, type Destination, type Destinations } from '../destinations/define.js';
import { recordFlow } from '../destinations/flows.js';
import { FieldguardError } from '../errors.js';
import { parseOptions } from '../options.js';
import { defineSchema, type FieldSchema } from '../schema/define.js';
import { peer } from '../peer.js';
import { normalizeCall, type ParsedBody, type RedirectMode } from './input.js';
import { checkUrl, prepare } from './outbound.js';
import { afterResponse, beforeSend, unknownHost } from '../monitor/fetch.js';
import { fetchPolicy } from './policy.js';
import { MAX_HOPS, nextHop, REDIRECT_STATUSES } from './redirect.js';

export type { RedirectMode } from './input.js';

type FetchLike = (input: string | URL, init?: Record<string, unknown>) => Promise<Response>;

/** Options of {@link guardFetch}. */
export interface GuardFetchOptions {
  /** The registry from `defineDestinations`; each destination that code calls needs a `baseUrl`. */
  readonly destinations: Destinations;
  /**
   * The schema of what a request sends — its body and its URL's query alike — or `undefined` (then
   * only `untagged` applies: by default every field is dropped). Asked again for each redirect
   * hop, with the hop's URL. For a `Request` input, `init` holds the Request's method and headers
   * merged with the call's init.
   */
  readonly schemaFor: (url: URL, init: RequestInit | undefined) => FieldSchema | undefined;
  /**
   * The fetch to call. Default: undici's, with a dispatcher that refuses TLS below 1.2. A custom
   * fetch receives that dispatcher in `init.dispatcher`, and always `redirect: 'manual'`: guardFetch
   * follows redirects itself, and a fetch that ignores that option would send hops unchecked.
   */
  readonly fetch?: FetchLike;
  /**
   * What a redirect answer does when the call's init does not say. Default `'manual'`: the 3xx is
   * returned as it is and nothing is re-sent. `'follow'`: up to 5 hops, each checked exactly like
   * a first request (https, TLS ≥ 1.2, a declared destination, nothing sensitive in the path),
   * its query and body put through the policy of the destination it reaches; 303, and 301/302
   * after POST, become a GET without a body; a hop to another origin carries only `accept`,
   * `accept-language`, `content-language`, `content-type`, `user-agent`, `cache-control` and
   * `pragma`, so no credential header follows it. `'error'`: a redirect rejects with
   * `ERR_REDIRECT_REFUSED`.
   */
  readonly redirect?: RedirectMode;
  /** Extra trusted certificate authorities (PEM), e.g. a vendor's private CA. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /**
   * Detokenize JSON answers for an authorized caller: `authorize()` must return true, and the
   * audit event records `actor` and `purpose`.
   */
  readonly detokenize?: {
    readonly authorize: (url: URL) => boolean | Promise<boolean>;
    readonly actor: string | (() => string);
    readonly purpose: string;
  };
}

const options = z.strictObject({
  destinations: z.custom<Destinations>(isDestinations, { message: 'must be the registry from defineDestinations(…)' }),
  schemaFor: z.custom<GuardFetchOptions['schemaFor']>((v) => typeof v === 'function', { message: 'must be a function (url, init) => FieldSchema | undefined' }),
  fetch: z.custom<FetchLike>((v) => typeof v === 'function').optional(),
  redirect: z.enum(['manual', 'follow', 'error']).optional(),
  ca: z.unknown().optional(),
  detokenize: z
    .strictObject({
      authorize: z.custom<(url: URL) => boolean>((v) => typeof v === 'function'),
      actor: z.union([z.string(), z.custom<() => string>((v) => typeof v === 'function')]),
      purpose: z.string().min(1),
    })
    .optional(),
});

const EMPTY = defineSchema({});

/** The fetch {@link guardFetch} returns: fetch's own signature, a `Request` input included. */
export type GuardedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * Returns a `fetch` for code that calls vendors directly rather than through a proxy route. Each
 * call — a URL, or a `Request` merged with init as fetch merges them — is matched to a declared
 * destination by URL (`baseUrl`); its query and its JSON or form body go through the
 * destination's policy (one vault batch each) before a byte is sent, and only what remains is
 * sent. It refuses plain `http:` and TLS below 1.2 (`ERR_INSECURE_TRANSPORT`), a URL that matches
 * no destination (`ERR_UNKNOWN_DESTINATION`), a URL whose path carries personal data or a
 * credential, or `user:pass@` (`ERR_SENSITIVE_URL`), and a body it cannot inspect
 * (`ERR_UNSUPPORTED_CONTENT_TYPE`). Redirects are returned, not followed, unless `redirect` says
 * otherwise. Every request sent feeds the runtime inventory (`flows()`) under the destination
 * that received it.
 *
 * @example
 * ```ts
 * const vendorFetch = guardFetch({ destinations, schemaFor: (url) => url.pathname.startsWith('/v1/events') ? eventSchema : undefined });
 * await vendorFetch('https://api.acme.example/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
 * ```
 */
export function guardFetch(opts: GuardFetchOptions): GuardedFetch {
  const o = parseOptions('guardFetch', options, opts);
  const undici = peer<typeof import('undici')>('undici', '7', 'guardFetch()');
  const ca = o.ca === undefined ? undefined : ([] as Array<string | Buffer>).concat(o.ca as string | Buffer | Array<string | Buffer>);
  const dispatcher: UndiciAgent = new undici.Agent({ connect: { minVersion: 'TLSv1.2', ...(ca === undefined ? {} : { ca }) } });
  const send: FetchLike = o.fetch ?? (undici.fetch as unknown as FetchLike);
  const policy = fetchPolicy(o.destinations);
  const defaultMode: RedirectMode = o.redirect ?? 'manual';

  return async function guardedFetch(input, init) {
    const call = normalizeCall(input, init);
    const mode = call.redirect ?? defaultMode;
    let hop = { url: call.url, method: call.method, headers: call.headers, init: call.init };
    // The body is read only once the first URL has passed, and kept as the caller wrote it, so
    // each hop applies its own destination's policy to the original, never to another's output.
    let destination = watchedCheck(hop.url, 'request');
    let body: ParsedBody | undefined = await call.body();
    for (let hops = 0; ; hops++) {
      const schema = o.schemaFor(hop.url, hop.init) ?? EMPTY;
      const prepared = await prepare(policy, destination, schema, hop.url, body);
      const headers = new Headers(hop.headers);
      // fetch frames the body it sends; a length copied from the caller would describe another body.
      headers.delete('content-length');
      if (prepared.body !== undefined && body?.format === 'form') headers.set('content-type', 'application/x-www-form-urlencoded');
      beforeSend(o.destinations, destination.name, prepared, headers);
      if (prepared.report !== undefined) recordFlow(destination.name, prepared.report);
      const response = await send(prepared.url, {
        ...call.rest,
        method: hop.method,
        headers,
        ...(prepared.body === undefined ? {} : { body: prepared.body }),
        // guardFetch follows redirects itself, so that every hop is checked before it is sent.
        redirect: 'manual',
        dispatcher,
      });
      afterResponse(o.destinations, destination.name, response);
      if (!REDIRECT_STATUSES.has(response.status)) return restore(response, destination, schema, hop.url);
      const location = response.headers.get('location');
      // As fetch: 'manual' hands the redirect back, 'follow' has nowhere to go without a Location.
      if (mode === 'manual' || (mode === 'follow' && location === null)) return response;
      await response.body?.cancel().catch(() => undefined);
      if (mode === 'error' || location === null) {
        throw new FieldguardError('ERR_REDIRECT_REFUSED', `guardFetch was called with redirect: 'error' and the vendor answered ${response.status}; the redirect was not followed`);
      }
      if (hops === MAX_HOPS) {
        throw new FieldguardError('ERR_REDIRECT_REFUSED', `guardFetch follows at most ${MAX_HOPS} redirects and the vendor asked for more; the last was not followed`);
      }
      const next = nextHop(hop, response.status, location);
      destination = watchedCheck(next.url, 'redirect');
      if (!next.keepsBody) body = undefined;
      const { body: _sent, ...others } = hop.init ?? {};
      hop = { url: next.url, method: next.method, headers: next.headers, init: { ...others, method: next.method, headers: next.headers } };
    }
  };

  /** checkUrl, telling the monitor of a host no destination declares. */
  function watchedCheck(url: URL, origin: 'request' | 'redirect'): Destination {
    try {
      return checkUrl(o.destinations, url, origin);
    } catch (e) {
      if (e instanceof FieldguardError && e.code === 'ERR_UNKNOWN_DESTINATION') unknownHost(o.destinations, url);
      throw e;
    }
  }

  /** Detokenizes a JSON answer for an authorized caller; any other answer is returned as it is. */
  async function restore(response: Response, destination: Destination, schema: FieldSchema, url: URL): Promise<Response> {
    if (o.detokenize === undefined || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    if ((await o.detokenize.authorize(url)) !== true) return response;
    const actor = typeof o.detokenize.actor === 'function' ? o.detokenize.actor() : o.detokenize.actor;
    const answer: unknown = await response.json();
    const restored = await policy.detokenize(destination, schema, answer, { actor, purpose: o.detokenize.purpose });
    const out = new Headers(response.headers);
    out.delete('content-length');
    out.delete('content-encoding');
    return new Response(JSON.stringify(restored.value), { status: response.status, statusText: response.statusText, headers: out });
  }
}
