// A service with three vendors: orders go to each through `protect`, with the policies of fieldguard.config.ts.
import express from 'express';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import { defineDestinations, defineSchema, flows } from 'fieldguard';
import { protect, redactLogs } from 'fieldguard/express';
import { createVault, keyRing, memoryStore } from 'fieldguard/vault';
import { destinations as declared, Order } from './fieldguard.config.js';

/** Builds the service; `vendorUrls` points each destination at where it really is (in tests, local servers). */
export function createService(vendorUrls: Record<'analytics' | 'shipping' | 'support', string>, logger: { info: (...a: unknown[]) => unknown; warn: (...a: unknown[]) => unknown; error: (...a: unknown[]) => unknown }) {
  const keys = keyRing({ keys: { 'k-2026': Buffer.alloc(32, 11).toString('base64') } });
  const vault = createVault({ store: memoryStore(), keys, audit: () => undefined });
  const destinations = defineDestinations(declared, { vault });
  const schema = defineSchema(Order);
  const app = express();
  app.use(redactLogs({ schema, logger }));
  for (const name of ['analytics', 'shipping', 'support'] as const) {
    app.post(
      `/${name}/orders`,
      express.json(),
      protect({ schema, destinations, destination: name }),
      createProxyMiddleware({ target: vendorUrls[name], changeOrigin: true, pathRewrite: { [`^/${name}`]: '' }, on: { proxyReq: fixRequestBody } }),
    );
  }
  // The runtime inventory, for `fieldguard inventory --flows`.
  app.get('/admin/flows', (_req, res) => void res.json(flows()));
  return app;
}
