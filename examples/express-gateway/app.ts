// An Express gateway: orders go to an analytics vendor through scrubPII, and clients read orders through maskFields.
import { createServer, type Server } from 'node:http';
import express from 'express';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import type { Report } from 'fieldguard';
import { errorHandler, maskFields, scrubPII } from 'fieldguard/express';
import { orderSchema } from './schema.js';

/** A stand-in for the analytics vendor: it records every body it receives. */
export function createVendor(received: unknown[]): Server {
  return createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push(body === '' ? undefined : JSON.parse(body));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ accepted: true }));
    });
  });
}

/** The gateway. Orders are kept in memory as the service has them: full of personal data. */
export function createGateway(vendorUrl: string, onReport?: (report: Report) => void) {
  const orders = new Map<string, unknown>();
  const app = express();

  app.post(
    '/orders',
    express.json(),
    (req, res, next) => {
      const order = req.body as { id: string };
      orders.set(order.id, structuredClone(order));
      next();
    },
    // The vendor receives public and internal fields only; untagged keys are dropped (fail closed).
    scrubPII({ schema: orderSchema, ...(onReport ? { onReport } : {}) }),
    createProxyMiddleware({
      target: vendorUrl,
      changeOrigin: true,
      pathRewrite: { '^/orders': '/events/order' },
      on: { proxyReq: fixRequestBody },
    }),
  );

  // Clients get personal data masked: the guard against excessive data exposure.
  app.get('/orders/:id', maskFields({ schema: orderSchema }), (req, res) => {
    const order = orders.get(String(req.params.id));
    if (order === undefined) res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such order' } });
    else res.json(order);
  });

  app.use(errorHandler());
  return app;
}
