// Attack 8: an outside review of the seal on a guarded answer (479a128) and PendingValue's private fields (5415465).
// Real servers on 127.0.0.1, real fetch. Each case asserts what should happen.
import { createServer } from 'node:http';
import { inspect } from 'node:util';
import express from 'express';
import express4 from 'express4';
import type { Request, Response } from 'express';
import Koa from 'koa';
import Koa2 from 'koa2';
import { describe, expect, it } from 'vitest';
import { FieldguardError } from '../../src/errors.js';
import { createVault, keyRing, memoryStore, type AllocateItem, type VaultStore } from '../../src/vault/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { leaks, orderSchema, sampleOrder } from '../fixtures/order.js';
import { listen } from '../helpers/vendor.js';
import { canaries, findLeaks } from './canaries.js';

function headerText(r: globalThis.Response): string {
  const out: string[] = [];
  r.headers.forEach((value, name) => void out.push(`${name}: ${value}`));
  return out.join('\n');
}
const raw = (): string => JSON.stringify(sampleOrder());

// The mark that lets fieldguard's own answers through the seal is a property of the response, kept for its life, and
// read by every guard at every write: once any refusal of fieldguard (here errorHandler answering a FieldguardError)
// marked a response whose answer is not ended by it (Koa with ctx.respond = false), whatever the app writes on it next
// is taken for fieldguard's answer: verdict 'pass', nothing masked.
for (const [name, K] of [
  ['Koa 3', Koa],
  ['Koa 2', Koa2 as unknown as typeof Koa],
] as const) {
  describe(`attack 8: ${name}, a write after errorHandler marked the response`, () => {
    it('the raw body written after the refusal is not sent', async () => {
      const app = new K();
      app.use(fk.errorHandler());
      app.use(fk.maskFields({ schema: orderSchema }));
      app.use((ctx) => {
        ctx.respond = false;
        const res = ctx.res;
        setImmediate(() => {
          if (res.writableEnded) return;
          res.statusCode = 200;
          res.setHeader('content-type', 'application/json');
          res.end(raw());
        });
        throw new FieldguardError('ERR_VAULT_UNAVAILABLE', 'the vault is unavailable');
      });
      const { url, close } = await listen(createServer(app.callback()));
      try {
        const r = await fetch(`${url}/x`, { signal: AbortSignal.timeout(5000) });
        const body = await r.text();
        expect(leaks(body), body).toEqual([]);
        expect(leaks(headerText(r))).toEqual([]);
      } finally {
        await close();
      }
    });
  });
}

// A second answer of a handler missing a `return` changes the status even though its body is dropped: res.status()
// sets statusCode directly, which the seal does not cover. The masked answer goes out with the second answer's status.
for (const [name, make] of [
  ['Express 5', express],
  ['Express 4', express4 as unknown as typeof express],
] as const) {
  describe(`attack 8: ${name}, the status of a second answer after the seal`, () => {
    it('the masked answer keeps the status of the first answer', async () => {
      const app = make();
      app.get('/x', fx.maskFields({ schema: orderSchema }), (_req: Request, res: Response) => {
        res.status(200).type('json').send(raw());
        try {
          res.status(404).json({ error: 'not found' });
        } catch {
          // refused
        }
      });
      app.get('/204', fx.maskFields({ schema: orderSchema }), (_req: Request, res: Response) => {
        res.status(200).type('json').send(raw());
        try {
          res.sendStatus(204);
        } catch {
          // refused
        }
      });
      const { url, close } = await listen(createServer(app));
      try {
        for (const p of ["/x", "/204"]) {
          const r = await fetch(`${url}${p}`, { signal: AbortSignal.timeout(5000) });
          const body = await r.text();
          expect(leaks(body)).toEqual([]);
          expect(r.status, `${p}: ${body}`).toBe(200);
          expect(JSON.parse(body).customer.email).toBe("j***@example.com");
          expect(body.length).toBeGreaterThan(0);
        }
      } finally {
        await close();
      }
    });
  });
}

describe('attack 8: held', () => {
  it('Express stacked guards, second send from setImmediate/setTimeout/then', async () => {
    const app = express();
    app.get('/x', fx.maskFields({ schema: orderSchema }), fx.maskFields({ schema: orderSchema }), (_req: Request, res: Response) => {
      res.type('json').send(raw());
      const again = (): void => {
        try {
          res.setHeader('x-a', 'b');
          res.writeHead(201, { 'content-type': 'application/json' });
          res.write(raw());
          res.end(raw());
        } catch {
          // refused
        }
      };
      again();
      void Promise.resolve().then(again);
      setImmediate(again);
      setTimeout(again, 1);
    });
    const { url, close } = await listen(createServer(app));
    try {
      const r = await fetch(`${url}/x`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      expect(leaks(body)).toEqual([]);
      expect(r.status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await close();
    }
  });

  it('PendingValue: nothing of the value through descriptors, showHidden, structuredClone, a Proxy', async () => {
    const c = canaries();
    const inner = memoryStore();
    const seen: Record<string, string> = {};
    const store: VaultStore = {
      ...inner,
      async allocate(items: readonly AllocateItem[], now: number, signal?: AbortSignal) {
        seen.hidden = inspect(items, { showHidden: true, depth: 6, getters: true });
        seen.desc = inspect(items.map((i) => Object.getOwnPropertyDescriptors(i)), { depth: 6 });
        seen.keys = items.map((i) => Reflect.ownKeys(i).map(String).join(',')).join(';');
        try {
          seen.clone = JSON.stringify(structuredClone(items.map((i) => ({ ...i }))));
        } catch (e) {
          seen.clone = String(e);
        }
        seen.proto = inspect(items.map((i) => Object.getOwnPropertyNames(Object.getPrototypeOf(i))));
        return inner.allocate(items, now, signal);
      },
    };
    const vault = createVault({ store, keys: keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } }) });
    await vault.tokenizeMany([{ value: c.email, kind: 'email' }, { value: c.card, kind: 'cardNumber' }], 'crm');
    expect(findLeaks(seen, c), JSON.stringify(seen).slice(0, 1500)).toEqual([]);
    await vault.close();
  });
});

// The same on Fastify: after reply.send() hands the body over, a later reply.code() / raw statusCode changes the status
// the masked answer is sent with.
describe('attack 8: Fastify, the status after reply.send() under maskFields', () => {
  it('the masked answer keeps the status of the answer handed over', async () => {
    const { default: Fastify } = await import('fastify');
    const ff = await import('../../src/fastify/index.js');
    const app = Fastify();
    app.addHook('onRequest', ff.maskFields({ schema: orderSchema }));
    app.get('/code', async (_req, reply) => {
      reply.type('application/json');
      reply.send(raw());
      reply.raw.statusCode = 503;
      return reply;
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      const r = await fetch(`http://127.0.0.1:${port}/code`, { signal: AbortSignal.timeout(5000) });
      const body = await r.text();
      expect(leaks(body)).toEqual([]);
      expect(r.status, body).toBe(200);
    } finally {
      await app.close();
    }
  });
});
