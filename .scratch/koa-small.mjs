import http from 'node:http';
import Koa from 'koa';
import { z } from 'zod';
import * as fk from '../dist/koa.js';

import { defineSchema, tag } from '../dist/index.js';
const schema = defineSchema(z.object({ a: tag(z.string(), 'public') }));
const app = new Koa();
import pino from 'pino';
const logger = pino({}, { write(){} });
if (process.env.EH) app.use(fk.errorHandler());
if (process.env.RL) app.use(fk.redactLogs({ schema, logger, bodies: true }));
app.use(fk.scrubPII({ schema, limit: 256 }));
app.use((ctx) => { ctx.body = { ok: true }; });
const server = app.listen(0, '127.0.0.1');
await new Promise(r => server.once('listening', r));
const port = server.address().port;
const agent = new http.Agent({ keepAlive: true });
const body = Buffer.from(JSON.stringify({ a: 'x'.repeat(600) }));
for (let i = 0; i < 5; i++) {
  const t = Date.now();
  const r = await new Promise((resolve) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/', agent, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let s=''; res.on('data', c => s+=c); res.on('end', () => resolve(res.statusCode + ' ' + res.headers.connection + ' ' + s.slice(0,60)));
    });
    req.setTimeout(2000, () => { req.destroy(); resolve('timeout'); });
    req.on('error', (e) => resolve('err ' + e.code));
    (async () => { req.write(body.subarray(0, 200)); await new Promise(r => setTimeout(r, 1)); req.end(body.subarray(200)); })();
  });
  console.log(i, r, Date.now() - t, 'ms');
}
server.close(); agent.destroy();
