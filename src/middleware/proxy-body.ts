// proxyBody: hands a connect-style proxy the body text fieldguard already serialized, instead of serializing it again.
import type { ClientRequest, IncomingMessage } from 'node:http';

const BODY_TEXT = Symbol.for('fieldguard.bodyText');

/** Keeps the text a rewritten body was serialized to on the request, for {@link proxyBody}. */
export function keepBodyText(req: object, text: string): void {
  (req as { [BODY_TEXT]?: string })[BODY_TEXT] = text;
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
  const text = (req as IncomingMessage & { [BODY_TEXT]?: string })[BODY_TEXT];
  if (typeof text !== 'string' || !req.readableEnded) return;
  proxyReq.setHeader('content-length', Buffer.byteLength(text));
  proxyReq.write(text);
}

