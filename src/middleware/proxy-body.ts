// proxyBody: hands a connect-style proxy the body text fieldguard already serialized, instead of serializing it again.
import type { ClientRequest, IncomingMessage } from 'node:http';

/** The text a rewritten body was serialized to, and its UTF-8 byte length (what `content-length` says). */
interface BodyText {
  readonly text: string;
  readonly length: number;
}

const BODY_TEXTS = Symbol.for('fieldguard.bodyTexts');
/**
 * The text of each rewritten request, by request. Beside the request, not on it: Express gives every
 * request a prototype of its own app (setPrototypeOf), and a property added to such an object copies
 * its whole shape each time (about 2 µs on a request), where a WeakMap entry costs a fraction of it.
 * On globalThis, as zod keeps its registry: a request rewritten through the ESM build and proxied
 * with the CJS build's proxyBody (or the other way) finds its text.
 */
const bodyTexts: WeakMap<object, BodyText> = ((globalThis as { [BODY_TEXTS]?: WeakMap<object, BodyText> })[BODY_TEXTS] ??= new WeakMap<object, BodyText>());

/** Keeps the text a rewritten body was serialized to (and its byte length, counted once) for the request, for {@link proxyBody}. */
export function keepBodyText(req: object, text: string, length: number): void {
  bodyTexts.set(req, { text, length });
}

/**
 * A `proxyReq` hook for http-proxy-middleware (and node-http-proxy) that writes the body exactly
 * as fieldguard serialized it after rewriting it — the same bytes and the `content-length` it
 * already set — instead of `fixRequestBody`'s second `JSON.stringify`. On a request fieldguard did
 * not rewrite it writes nothing, as `fixRequestBody` on a request without a parsed body: mount it
 * only on routes behind `scrubPII`, `protect` or `tokenizeFields`, or call `fixRequestBody` after it
 * for the others.
 *
 * @example
 * ```ts
 * app.post('/crm/*', express.json(), scrubPII({ schema }), createProxyMiddleware({ target, on: { proxyReq: proxyBody } }));
 * ```
 */
export function proxyBody(proxyReq: ClientRequest, req: IncomingMessage): void {
  const kept = bodyTexts.get(req);
  if (kept === undefined || !req.readableEnded) return;
  // The proxy copied the request's headers, which the rewrite reframed: the length is set again only if something changed it since.
  const declared = proxyReq.getHeader('content-length');
  if (declared === undefined || Number(declared) !== kept.length) proxyReq.setHeader('content-length', kept.length);
  proxyReq.write(kept.text);
}

