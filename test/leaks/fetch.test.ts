// guardFetch's leaks beside the body, through real local HTTPS vendors and attackers: redirects, the URL's query and path, Request inputs, credentials across origins.
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineDestinations, defineSchema, FieldguardError, flows, tag, type Destinations } from '../../src/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { canaries, findLeaks, type Canaries } from './canaries.js';
import { redirectTo, startRecorder, tls, type Recorder } from '../fetch/servers.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });
const vault = createVault({ store: memoryStore(), keys, audit: () => undefined });
const TOKEN = /^tok_[A-Za-z0-9]{22}$/;

const ticketSchema = defineSchema(
  z.object({
    id: tag(z.string(), 'public', { kind: 'identifier' }),
    customer: z.object({
      email: tag(z.string(), 'personal', { kind: 'email' }),
      ssn: tag(z.string(), 'special', { kind: 'ssn' }),
    }),
    card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
    note: tag(z.string(), 'personal', { kind: 'freeText' }),
  }),
);

/** A ticket with a canary in every field, tagged or not. */
function ticket(c: Canaries): Record<string, unknown> {
  return { id: 'tkt_1', customer: { email: c.email, ssn: c.ssn }, card: c.card, note: c.health, iban: c.iban, jwt: c.jwt, phone: c.phone, name: c.name };
}

const masked = (email: string): string => `${email[0]}***@${email.split('@')[1]}`;
/** What the support vendor may receive of {@link ticket}: public kept, personal masked, the rest dropped. */
const forSupport = (c: Canaries) => ({ id: 'tkt_1', customer: { email: masked(c.email) }, note: '[REDACTED]' });

/** A POST of the ticket with the vendor's credentials in every usual header. */
function post(c: Canaries): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${c.apiKey}`,
      'proxy-authorization': `Basic ${Buffer.from(`u:${c.apiKey}`).toString('base64')}`,
      cookie: `sid=${c.jwt}`,
      'x-api-key': c.apiKey,
      'x-goog-api-key': c.apiKey,
      'private-token': c.apiKey,
      'x-customer': c.email,
    },
    body: JSON.stringify(ticket(c)),
  };
}

const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-goog-api-key', 'private-token', 'x-customer'];

async function refusal(p: Promise<unknown>): Promise<FieldguardError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FieldguardError);
  return e as FieldguardError;
}

/** Every way an error could carry a value: its message, its JSON answer and every own property. */
const errorText = (e: FieldguardError): string => `${e.message}\n${JSON.stringify(e.toJSON())}\n${JSON.stringify(Object.entries(e))}\n${String(e.stack)}`;

describe('guardFetch: leaks beside the body', () => {
  let a: Recorder; // the support vendor, https, declared at /v1
  let b: Recorder; // the analytics vendor, https, another origin, declared at /events
  let evil: Recorder; // an undeclared https host
  let plain: Recorder; // a plain-http host
  let destinations: Destinations;
  let c: Canaries;

  beforeAll(async () => {
    [a, b, evil, plain] = await Promise.all([startRecorder(), startRecorder(), startRecorder(), startRecorder('http')]);
    destinations = defineDestinations(
      {
        support: { vendor: 'HelpDesk Inc', baseUrl: `${a.url}/v1`, region: 'IE', lawfulBasis: 'contract', purpose: 'support', rules: { public: 'keep', internal: 'keep', personal: 'mask' } },
        analytics: { vendor: 'Acme', baseUrl: `${b.url}/events`, region: 'US', transfer: 'scc', lawfulBasis: 'legitimate_interests', purpose: 'analytics', rules: { public: 'keep', personal: 'tokenize' } },
      },
      { vault },
    );
  });
  afterAll(async () => {
    await Promise.all([a, b, evil, plain].map((s) => s.close()));
  });
  beforeEach(() => {
    for (const s of [a, b, evil, plain]) s.reset();
    flows.reset();
    c = canaries();
  });

  const make = (redirect?: 'manual' | 'follow' | 'error') => guardFetch({ destinations, schemaFor: () => ticketSchema, ca: tls.cert, ...(redirect === undefined ? {} : { redirect }) });

  function expectSupportGot(r: { method: string; url: string; body: string } | undefined, url = '/v1/tickets'): void {
    expect(r).toBeDefined();
    expect(r!.method).toBe('POST');
    expect(r!.url).toBe(url);
    expect(JSON.parse(r!.body)).toEqual(forSupport(c));
    expect(findLeaks({ body: r!.body, url: r!.url }, c)).toEqual([]);
  }

  function expectUntouched(...servers: Recorder[]): void {
    for (const s of servers) {
      expect(s.received).toEqual([]);
      expect(s.connections()).toBe(0);
    }
  }

  describe('redirects', () => {
    it('returns a 307 to an undeclared host as it is, by default, and re-sends nothing', async () => {
      a.answer = () => redirectTo(307, `${evil.url}/collect`);
      const res = await make()(`${a.url}/v1/tickets`, post(c));
      expect(res.status).toBe(307);
      expect(res.headers.get('location')).toBe(`${evil.url}/collect`);
      expect(a.received).toHaveLength(1);
      expectSupportGot(a.received[0]);
      expectUntouched(evil);
    });

    it('refuses to follow a 307 to an undeclared host, before a byte reaches it', async () => {
      a.answer = () => redirectTo(307, `${evil.url}/collect`);
      const e = await refusal(make('follow')(`${a.url}/v1/tickets`, post(c)));
      expect(e.code).toBe('ERR_UNKNOWN_DESTINATION');
      expect(a.received).toHaveLength(1);
      expectSupportGot(a.received[0]);
      expectUntouched(evil);
      expect(findLeaks({ error: errorText(e) }, c)).toEqual([]);
    });

    it.each([302, 308])('returns a %i to http: as it is by default, and refuses to follow it in clear', async (status) => {
      a.answer = () => redirectTo(status, `${plain.url}/v1/tickets`);
      const res = await make()(`${a.url}/v1/tickets`, post(c));
      expect(res.status).toBe(status);
      const e = await refusal(make('follow')(`${a.url}/v1/tickets`, post(c)));
      expect(e.code).toBe('ERR_INSECURE_TRANSPORT');
      expect(a.received).toHaveLength(2);
      for (const r of a.received) expectSupportGot(r);
      expectUntouched(plain);
      expect(findLeaks({ error: errorText(e) }, c)).toEqual([]);
    });

    it('follows a 301 after POST to another declared destination as a GET without body, credentials or the first policy', async () => {
      a.answer = () => redirectTo(301, `${b.url}/events/ingest?email=${encodeURIComponent(c.email)}&id=tkt_1`);
      const res = await make('follow')(`${a.url}/v1/tickets`, post(c));
      expect(res.status).toBe(200);
      expectSupportGot(a.received[0]);
      expect(b.received).toHaveLength(1);
      const got = b.received[0]!;
      expect(got.method).toBe('GET');
      expect(got.url).toBe('/events/ingest?id=tkt_1');
      expect(got.body).toBe('');
      for (const h of [...CREDENTIAL_HEADERS, 'content-type', 'content-length']) expect(got.headers[h]).toBeUndefined();
      expect(findLeaks({ b: b.everything() }, c)).toEqual([]);
      expectUntouched(evil, plain);
    });

    it("re-plans a 308's body under the policy of the declared destination it reaches, and records it there", async () => {
      a.answer = () => redirectTo(308, `${b.url}/events/ingest`);
      const res = await make('follow')(`${a.url}/v1/tickets`, post(c));
      expect(res.status).toBe(200);
      expectSupportGot(a.received[0]);
      const got = b.received[0]!;
      expect(got.method).toBe('POST');
      expect(got.url).toBe('/events/ingest');
      const body = JSON.parse(got.body);
      expect(body).toEqual({ id: 'tkt_1', customer: { email: expect.stringMatching(TOKEN) }, note: expect.stringMatching(TOKEN) });
      expect(Number(got.headers['content-length'])).toBe(Buffer.byteLength(got.body));
      for (const h of CREDENTIAL_HEADERS) expect(got.headers[h]).toBeUndefined();
      expect(findLeaks({ b: b.everything() }, c)).toEqual([]);
      const snapshot = flows();
      expect(snapshot['support']!.payloads).toBe(1);
      expect(snapshot['analytics']!.payloads).toBe(1);
      expect(snapshot['support']!.fields).toContainEqual({ path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'masked', count: 1 });
      expect(snapshot['analytics']!.fields).toContainEqual({ path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'token', count: 1 });
      expect(findLeaks({ flows: JSON.stringify(snapshot) }, c)).toEqual([]);
    });

    it('keeps credentials on a redirect within the same origin, and re-checks it like a first request', async () => {
      a.answer = (r) => (r.url === '/v1/old' ? redirectTo(307, '/v1/tickets') : undefined);
      const res = await make('follow')(`${a.url}/v1/old`, post(c));
      expect(res.status).toBe(200);
      expect(a.received.map((r) => r.url)).toEqual(['/v1/old', '/v1/tickets']);
      expectSupportGot(a.received[0], '/v1/old');
      expectSupportGot(a.received[1]);
      expect(a.received[1]!.headers['authorization']).toBe(`Bearer ${c.apiKey}`);
    });

    it('refuses a redirect to a path that carries personal data, even on the same vendor', async () => {
      a.answer = () => redirectTo(307, `/v1/users/${encodeURIComponent(c.email)}`);
      const e = await refusal(make('follow')(`${a.url}/v1/tickets`, post(c)));
      expect(e.code).toBe('ERR_SENSITIVE_URL');
      expect(a.received).toHaveLength(1);
      expect(findLeaks({ error: errorText(e) }, c)).toEqual([]);
    });

    it("rejects any redirect with redirect: 'error', and stops following after 5 hops", async () => {
      a.answer = () => redirectTo(307, `${evil.url}/collect`);
      expect((await refusal(make('error')(`${a.url}/v1/tickets`, post(c)))).code).toBe('ERR_REDIRECT_REFUSED');
      let n = 0;
      a.answer = () => redirectTo(307, `/v1/hop${++n}`);
      const e = await refusal(make('follow')(`${a.url}/v1/tickets`, post(c)));
      expect(e.code).toBe('ERR_REDIRECT_REFUSED');
      expect(a.received).toHaveLength(1 + 6);
      expectUntouched(evil);
    });
  });

  describe('the URL', () => {
    it('puts the query through the policy and sends only what remains', async () => {
      const q = `email=${encodeURIComponent(c.email)}&id=tkt_1&customer[email]=${encodeURIComponent(c.email)}&customer[ssn]=${c.ssn}&card=${encodeURIComponent(c.card)}&name=${encodeURIComponent(c.name)}&token=${c.jwt}`;
      const res = await make()(`${a.url}/v1/search?${q}`);
      expect(res.status).toBe(200);
      expect(a.received[0]!.method).toBe('GET');
      expect(a.received[0]!.url).toBe(`/v1/search?id=tkt_1&customer%5Bemail%5D=${encodeURIComponent(masked(c.email))}`);
      expect(findLeaks({ a: a.everything() }, c)).toEqual([]);
      expect(flows()['support']!.fields).toContainEqual({ path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'masked', count: 1 });
    });

    it.each([
      ['an email', (x: Canaries) => `/v1/users/${x.email}`, 'email'],
      ['an URL-encoded email', (x: Canaries) => `/v1/users/${encodeURIComponent(x.email)}`, 'email'],
      ['a twice-encoded email', (x: Canaries) => `/v1/users/${encodeURIComponent(encodeURIComponent(x.email))}`, 'email'],
      ['a card', (x: Canaries) => `/v1/cards/${encodeURIComponent(x.card)}`, 'cardNumber'],
      ['a card without spaces', (x: Canaries) => `/v1/cards/${x.card.replace(/ /g, '')}`, 'cardNumber'],
      ['an SSN', (x: Canaries) => `/v1/people/${x.ssn}/file`, 'ssn'],
      ['an IBAN', (x: Canaries) => `/v1/accounts/${x.iban}`, 'iban'],
      ['a JWT', (x: Canaries) => `/v1/sessions/${x.jwt}`, 'jwt'],
    ])('refuses a path that carries %s before a byte is sent', async (_what, path, kind) => {
      const e = await refusal(make()(`${a.url}${path(c)}`, post(c)));
      expect(e.code).toBe('ERR_SENSITIVE_URL');
      expect(e.status).toBe(422);
      expect(e.message).toContain(kind);
      expect(a.received).toEqual([]);
      expect(findLeaks({ error: errorText(e) }, c)).toEqual([]);
    });

    it('refuses a sensitive path on every call, between calls to clean paths whose answer is remembered', async () => {
      const sensitive = `/v1/users/${encodeURIComponent(c.email)}`;
      for (let i = 0; i < 3; i++) {
        expect((await make()(`${a.url}/v1/tickets`, post(c))).status).toBe(200);
        const e = await refusal(make()(`${a.url}${sensitive}`, post(c)));
        expect(e.code).toBe('ERR_SENSITIVE_URL');
      }
      // Only the clean path reached the vendor; what the support vendor may receive on it is pinned above.
      expect(a.received.map((r) => r.url)).toEqual(['/v1/tickets', '/v1/tickets', '/v1/tickets']);
    });

    it('refuses credentials before the host, and never names the path of an undeclared URL', async () => {
      const host = a.url.slice('https://'.length);
      const e = await refusal(make()(`https://svc:${c.apiKey}@${host}/v1/tickets`, post(c)));
      expect(e.code).toBe('ERR_SENSITIVE_URL');
      const u = await refusal(make()(`${evil.url}/users/${encodeURIComponent(c.phone)}?email=${encodeURIComponent(c.email)}`, post(c)));
      expect(u.code).toBe('ERR_UNKNOWN_DESTINATION');
      const bad = await refusal(make()(`not a url ${c.email}`, post(c)));
      expect(bad.code).toBe('ERR_UNKNOWN_DESTINATION');
      expect(a.received).toEqual([]);
      expectUntouched(evil);
      expect(findLeaks({ e: errorText(e), u: errorText(u), bad: errorText(bad) }, c)).toEqual([]);
    });

    it('sends no Referer, whatever referrer the caller set', async () => {
      await make()(`${a.url}/v1/tickets`, { ...post(c), referrer: `${a.url}/v1/users/${encodeURIComponent(c.email)}` }).then((r) => r.text());
      expect(a.received[0]!.headers['referer']).toBeUndefined();
      expectSupportGot(a.received[0]);
    });
  });

  describe('Request inputs', () => {
    it("sends a Request's method, headers and body, the body through the policy", async () => {
      const res = await make()(new Request(`${a.url}/v1/tickets`, post(c)));
      expect(res.status).toBe(200);
      expectSupportGot(a.received[0]);
      expect(a.received[0]!.headers['content-type']).toBe('application/json');
      expect(a.received[0]!.headers['authorization']).toBe(`Bearer ${c.apiKey}`);
    });

    it('merges a Request with init as fetch does: init wins', async () => {
      const request = new Request(`${a.url}/v1/tickets`, post(c));
      await make()(request, { headers: { 'content-type': 'application/json', 'x-trace': 't1' } }).then((r) => r.text());
      const got = a.received[0]!;
      expectSupportGot(got);
      expect(got.headers['x-trace']).toBe('t1');
      expect(got.headers['authorization']).toBeUndefined();
    });

    it('refuses a Request to a sensitive path without reading its body', async () => {
      const request = new Request(`${a.url}/v1/users/${encodeURIComponent(c.email)}`, post(c));
      const e = await refusal(make()(request));
      expect(e.code).toBe('ERR_SENSITIVE_URL');
      expect(request.bodyUsed).toBe(false);
      expect(a.received).toEqual([]);
    });

    it("follows a Request's redirect only as guardFetch's own redirect setting says", async () => {
      a.answer = () => redirectTo(307, `${evil.url}/collect`);
      // A Request's redirect is 'follow' unless someone chose otherwise: it must not turn following on.
      const res = await make()(new Request(`${a.url}/v1/tickets`, post(c)));
      expect(res.status).toBe(307);
      expectUntouched(evil);
    });
  });
});
