import http from 'node:http';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import pino from 'pino';
import * as fk from '../dist/koa.js';
import { z } from 'zod';
import { defineSchema, tag } from '../dist/index.js';
const schema = defineSchema(z.object({ a: tag(z.string(), 'public'), pad: tag(z.string(), 'public') }));
const logger = pino({}, { write(){} });
const app = new Koa(); app.silent = true;
if (process.env.RL) app.use(fk.redactLogs({ schema, logger, bodies: true }));
const bp = bodyParser();
app.use(async (ctx, next) => { if (ctx.path === '/json') await bp(ctx, next); else await next(); });
app.use(fk.scrubPII({ schema, limit: 256 }));
app.use((ctx) => { ctx.body = { ok: true }; });
const server = app.listen(0, '127.0.0.1');
await new Promise(r => server.once('listening', r));
const port = server.address().port;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const small = Buffer.from(JSON.stringify({ a: 'x'.repeat(600) }));
const big = Buffer.from(JSON.stringify({ pad: 'x'.repeat(1_200_000) }));
function send(path, body) { return new Promise((resolve) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path, agent, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let s=''; res.on('data', c => s+=c); res.on('end', () => resolve(res.statusCode + ' ' + res.headers.connection + ' ' + s.slice(0,50)));
    });
    req.setTimeout(2000, () => { req.destroy(); resolve('timeout'); });
    req.on('error', (e) => resolve('err ' + e.code));
    const cut = Math.floor(body.length/3);
    (async () => { req.write(body.subarray(0, cut)); await new Promise(r => setTimeout(r, 1)); req.end(body.subarray(cut)); })();
  }); }
for (let i = 0; i < 3; i++) { console.log('json', await send('/json', big)); console.log('raw', await send('/raw', small)); }
server.close(); agent.destroy();
