// Small real servers for the hunt's pinned leak cases: one app, one vendor, one log sink, closed after the case.
import { createServer, type RequestListener } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import { listen, startVendor, type Vendor } from '../../helpers/vendor.js';
import { sink, type Sink } from './apps.js';

/** A vendor, a proxy to it (http-proxy-middleware with fixRequestBody, as README says) and a log sink. */
export interface Rig {
  readonly vendor: Vendor;
  readonly logs: Sink;
  /** The proxy to the vendor, for Express. */
  readonly proxy: RequestHandler;
}

/** Runs `use` with a rig, serving the app `build` makes; everything is closed afterwards. */
export async function withServer(build: (rig: Rig) => RequestListener, use: (url: string, rig: Rig) => Promise<void>): Promise<void> {
  const vendor = await startVendor({ echo: true });
  const rig: Rig = { vendor, logs: sink(), proxy: createProxyMiddleware<Request, Response>({ target: vendor.url, changeOrigin: true, on: { proxyReq: fixRequestBody } }) };
  const server = await listen(createServer(build(rig)));
  try {
    await use(server.url, rig);
  } finally {
    await server.close();
    await vendor.close();
  }
}

/** Lets asynchronous loggers (winston) and on-finished hooks write what they hold. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));
