// A NestJS service on its default platform (Express): orders forwarded to a vendor through scrubPII, read back through maskFields — Nest's plain-JS API, no decorator syntax.
import 'reflect-metadata';
import { Controller, Get, Module, Param, RequestMethod, type INestApplication, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createProxyMiddleware, fixRequestBody } from 'http-proxy-middleware';
import { errorHandler, maskFields, scrubPII } from 'fieldguard/express';
import { orderSchema, sampleOrder } from '../express-gateway/schema.js';

/** Reads orders; the answer is masked by the middleware the module applies to its routes. */
class OrdersController {
  find(id: string): unknown {
    return { ...sampleOrder, id };
  }
}
// Decorators applied as the functions they are, so the example runs without experimentalDecorators.
Controller('orders')(OrdersController);
Param('id')(OrdersController.prototype, 'find', 0);
Get(':id')(OrdersController.prototype, 'find', Object.getOwnPropertyDescriptor(OrdersController.prototype, 'find')!);

/** The module: fieldguard's Express middlewares through Nest's MiddlewareConsumer, after Nest's own body parser. */
function appModule(vendorUrl: string) {
  class AppModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer
        .apply(scrubPII({ schema: orderSchema }), createProxyMiddleware({ target: vendorUrl, changeOrigin: true, pathRewrite: () => '/orders', on: { proxyReq: fixRequestBody } }))
        .forRoutes({ path: 'vendor/orders', method: RequestMethod.POST });
      consumer.apply(maskFields({ schema: orderSchema })).forRoutes(OrdersController);
    }
  }
  Module({ controllers: [OrdersController] })(AppModule);
  return AppModule;
}

/** Creates the Nest application (Express platform) in front of the vendor; call `listen` on it. */
export async function createNestGateway(vendorUrl: string): Promise<INestApplication> {
  const app = await NestFactory.create(appModule(vendorUrl), { logger: false });
  // Nest's own body-parser errors quote the body; fieldguard's handler answers them without it.
  app.use(errorHandler());
  return app;
}
