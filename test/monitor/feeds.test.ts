// scrubPII and redactLogs given { monitor, destination } feed the monitor on real Express and Koa servers; scrubPII honours the kill switch.
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { listen } from '../helpers/vendor.js';
import { crm, post, schema, testClock, type App } from './helpers.js';

const lines: unknown[] = [];
const logger = { info: (o: unknown) => void lines.push(o), warn: (o: unknown) => void lines.push(o), error: (o: unknown) => void lines.push(o) };

describe.each(['Express', 'Koa'] as const)('scrubPII and redactLogs feeding a monitor on %s', (framework) => {
  let app: App;
  afterEach(() => app.close());

  it('counts what scrubPII forwarded and each answer redactLogs saw, and refuses while the destination is suspended', async () => {
    const clock = testClock();
    const destinations = crm('https://crm.example');
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, audit: () => undefined });
    const seen: unknown[] = [];
    if (framework === 'Express') {
      const e = express();
      e.use(fx.redactLogs({ logger, monitor, destination: 'crm' }));
      e.post('/crm/contacts', express.json(), fx.scrubPII({ schema, monitor, destination: 'crm' }), (req, res) => {
        seen.push(req.body);
        res.json({ ok: true });
      });
      app = await listen(createServer(e));
    } else {
      const k = new Koa();
      k.use(fk.redactLogs({ logger, monitor, destination: 'crm' }));
      k.use(bodyParser());
      const guard = fk.scrubPII({ schema, monitor, destination: 'crm' });
      k.use((ctx, next) =>
        guard(ctx, async () => {
          seen.push(ctx.request.body);
          ctx.body = { ok: true };
          await next();
        }),
      );
      app = await listen(createServer(k.callback()));
    }
    expect((await post(app, { id: 'o1', contacts: [{ email: 'jane@example.com', plan: 'pro' }] })).status).toBe(200);
    expect(seen).toEqual([{ id: 'o1', contacts: [{ plan: 'pro' }] }]);
    destinations.suspend('crm', 'maintenance');
    const refused = await post(app, { id: 'o2', contacts: [] });
    expect(refused.status).toBe(503);
    expect(seen).toHaveLength(1);
    destinations.resume('crm');
    clock.advance(1000);
    const [w] = (await monitor.snapshot()).destinations['crm']!;
    expect(w!.counts).toMatchObject({ requests: 1, 'status:2xx': 1, 'status:5xx': 1, 'refused:ERR_DESTINATION_SUSPENDED': 1 });
    expect(w!.counts['fields']).toBeUndefined();
    expect(JSON.stringify(lines)).not.toContain('jane');
    await monitor.close();
  });
});
