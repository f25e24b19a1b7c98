// guardFetch against real local HTTPS vendors: redirect modes and methods, Request inputs merged with init, the query through the policy, flows().
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineDestinations, defineSchema, FieldguardError, flows, tag, type Destinations } from '../../src/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { redirectTo, startRecorder, tls, type Recorder } from './servers.js';

const schema = defineSchema(
  z.object({
    id: tag(z.string(), 'public'),
    tags: z.array(tag(z.string(), 'public')),
    filter: z.object({ status: tag(z.string(), 'internal'), owner: tag(z.string(), 'personal', { kind: 'email' }) }),
    items: z.array(z.object({ sku: tag(z.string(), 'public') })),
  }),
);

async function refusal(p: Promise<unknown>): Promise<FieldguardError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FieldguardError);
  return e as FieldguardError;
}

describe('guardFetch', () => {
  let v: Recorder;
  let open: Recorder;
  let destinations: Destinations;
  beforeAll(async () => {
    [v, open] = await Promise.all([startRecorder(), startRecorder()]);
    destinations = defineDestinations({
      crm: { vendor: 'CRM', baseUrl: `${v.url}/api`, region: 'DE', lawfulBasis: 'contract', purpose: 'crm', rules: { public: 'keep', internal: 'keep' } },
      open: { vendor: 'Open', baseUrl: open.url, region: 'DE', lawfulBasis: 'contract', purpose: 'search', rules: { public: 'keep' }, untagged: 'keep' },
    });
  });
  afterAll(async () => {
    await v.close();
    await open.close();
  });
  beforeEach(() => {
    v.reset();
    open.reset();
    flows.reset();
  });
  const json = { 'content-type': 'application/json' };
  const make = (extra: Partial<Parameters<typeof guardFetch>[0]> = {}) => guardFetch({ destinations, schemaFor: () => schema, ca: tls.cert, ...extra });

  describe('redirects', () => {
    it('turns a 303 after PUT into a GET without body or body headers, and keeps the method and body on a 307', async () => {
      v.answer = (r) => (r.url === '/api/a' ? redirectTo(303, '/api/b') : r.url === '/api/c' ? redirectTo(307, '/api/d') : undefined);
      const f = make({ redirect: 'follow' });
      await f(`${v.url}/api/a`, { method: 'PUT', headers: { ...json, 'content-language': 'de' }, body: JSON.stringify({ id: 'x1', secret: 's' }) }).then((r) => r.text());
      await f(`${v.url}/api/c`, { method: 'put', headers: json, body: JSON.stringify({ id: 'x2', secret: 's' }) }).then((r) => r.text());
      expect(v.received.map((r) => [r.method, r.url, r.body])).toEqual([
        ['PUT', '/api/a', '{"id":"x1"}'],
        ['GET', '/api/b', ''],
        ['PUT', '/api/c', '{"id":"x2"}'],
        ['PUT', '/api/d', '{"id":"x2"}'],
      ]);
      const get = v.received[1]!.headers;
      expect([get['content-type'], get['content-language'], get['content-length']]).toEqual([undefined, undefined, undefined]);
    });

    it('follows five hops, refuses a sixth, and returns a redirect without Location as it is', async () => {
      v.answer = (r) => {
        const n = Number(/^\/api\/hop(\d)$/.exec(r.url)?.[1] ?? -1);
        return n >= 0 && n < 5 ? redirectTo(302, `/api/hop${n + 1}`) : r.url === '/api/nowhere' ? { status: 302, body: '' } : undefined;
      };
      const f = make({ redirect: 'follow' });
      expect((await f(`${v.url}/api/hop0`)).status).toBe(200);
      expect(v.received.map((r) => r.url)).toEqual(['/api/hop0', '/api/hop1', '/api/hop2', '/api/hop3', '/api/hop4', '/api/hop5']);
      v.reset();
      v.answer = (r) => redirectTo(302, `${r.url}x`);
      expect((await refusal(f(`${v.url}/api/x`))).code).toBe('ERR_REDIRECT_REFUSED');
      expect(v.received).toHaveLength(6);
      v.reset();
      v.answer = () => ({ status: 302, body: '' });
      expect((await f(`${v.url}/api/nowhere`)).status).toBe(302);
    });

    it("lets the call's init choose the mode, and counts a Request's redirect only when it is not fetch's default", async () => {
      v.answer = (r) => (r.url === '/api/a' ? redirectTo(307, '/api/b') : undefined);
      expect((await make({ redirect: 'follow' })(`${v.url}/api/a`, { redirect: 'manual' })).status).toBe(307);
      expect((await make()(`${v.url}/api/a`, { redirect: 'follow' })).status).toBe(200);
      expect((await refusal(make({ redirect: 'follow' })(new Request(`${v.url}/api/a`, { redirect: 'error' })))).code).toBe('ERR_REDIRECT_REFUSED');
      expect((await make({ redirect: 'follow' })(new Request(`${v.url}/api/a`))).status).toBe(200);
      expect((await refusal(make()(`${v.url}/api/a`, { redirect: 'sometimes' as RequestRedirect }))).code).toBe('ERR_INVALID_OPTIONS');
      expect(() => make({ redirect: 'always' as 'follow' })).toThrow(/redirect/);
    });

    it('returns a manual redirect untouched, even with detokenize on', async () => {
      v.answer = () => ({ status: 302, headers: { location: '/api/b', 'content-type': 'application/json' }, body: '{"moved":true}' });
      const f = make({ detokenize: { authorize: () => true, actor: 'a', purpose: 'p' } });
      const res = await f(`${v.url}/api/a`);
      expect([res.status, res.headers.get('location'), await res.text()]).toEqual([302, '/api/b', '{"moved":true}']);
    });

    it('asks schemaFor again for each hop, with its URL', async () => {
      v.answer = (r) => (r.url === '/api/a' ? redirectTo(307, '/api/b') : undefined);
      const seen: string[] = [];
      await make({ redirect: 'follow', schemaFor: (url) => (seen.push(url.pathname), schema) })(`${v.url}/api/a`, { method: 'POST', headers: json, body: '{"id":"1"}' }).then((r) => r.text());
      expect(seen).toEqual(['/api/a', '/api/b']);
    });

    it('calls a custom fetch with redirect: manual and the TLS dispatcher', async () => {
      const calls: Array<Record<string, unknown> | undefined> = [];
      const f = make({ fetch: async (_u, init) => (calls.push(init), new Response('{}', { headers: json })) });
      await f(`${v.url}/api/a`, { redirect: 'follow' });
      expect(calls[0]!['redirect']).toBe('manual');
      expect(calls[0]!['dispatcher']).toBeDefined();
    });
  });

  describe('Request inputs', () => {
    it('gives schemaFor the merged init, and carries the signal', async () => {
      let given: RequestInit | undefined;
      const f = make({ schemaFor: (_u, init) => ((given = init), schema) });
      await f(new Request(`${v.url}/api/a`, { method: 'POST', headers: json, body: '{"id":"1","x":2}' })).then((r) => r.text());
      expect(given?.method).toBe('POST');
      expect(new Headers(given?.headers).get('content-type')).toBe('application/json');
      expect(v.received[0]!.body).toBe('{"id":"1"}');
      const ac = new AbortController();
      ac.abort();
      await expect(f(new Request(`${v.url}/api/b`, { signal: ac.signal }))).rejects.toMatchObject({ name: 'AbortError' });
      expect(v.received).toHaveLength(1);
    });

    it('refuses a body it cannot inspect or that was already read, before sending', async () => {
      const f = make();
      expect((await refusal(f(new Request(`${v.url}/api/a`, { method: 'POST', body: 'jane@example.com' })))).code).toBe('ERR_UNSUPPORTED_CONTENT_TYPE');
      const used = new Request(`${v.url}/api/a`, { method: 'POST', headers: json, body: '{"id":"1"}' });
      await used.text();
      expect((await refusal(f(used))).code).toBe('ERR_UNSUPPORTED_CONTENT_TYPE');
      expect(v.received).toEqual([]);
    });

    it('takes the body from init over the Request', async () => {
      await make()(new Request(`${v.url}/api/a`, { method: 'POST', headers: json, body: '{"id":"from-request"}' }), { body: '{"id":"from-init"}' }).then((r) => r.text());
      expect(v.received[0]!.body).toBe('{"id":"from-init"}');
    });
  });

  describe('the query', () => {
    it('reads nested bracket keys and arrays as Express does, and writes back only what the policy keeps', async () => {
      await make()(`${v.url}/api/search?id=1&tags[]=a&tags[]=b&filter[status]=open&filter[owner]=jane%40example.com&items[0][sku]=S1&items[0][note]=n&page=2#frag`).then((r) => r.text());
      expect(v.received[0]!.url).toBe('/api/search?id=1&tags=a&tags=b&filter%5Bstatus%5D=open&items%5B0%5D%5Bsku%5D=S1');
    });

    it('never writes into Object.prototype, and drops an empty query', async () => {
      await make()(`${v.url}/api/a?__proto__[polluted]=1&constructor[prototype][polluted]=1&id=1`).then((r) => r.text());
      await make()(`${v.url}/api/b?`).then((r) => r.text());
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(v.received.map((r) => r.url)).toEqual(['/api/a?id=1', '/api/b']);
    });

    it('keeps untagged keys where the destination says so', async () => {
      await make({ schemaFor: () => undefined })(`${open.url}/search?q=shoes&page=2`).then((r) => r.text());
      expect(open.received[0]!.url).toBe('/search?q=shoes&page=2');
    });

    it('records the query and the body of one request as one payload in flows()', async () => {
      const form = new URLSearchParams({ id: '1', filter: 'x' });
      await make()(`${v.url}/api/a?id=2&secret=s`, { method: 'POST', body: form }).then((r) => r.text());
      expect(v.received[0]!.url).toBe('/api/a?id=2');
      expect(v.received[0]!.body).toBe('id=1');
      expect(v.received[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const crm = flows()['crm']!;
      expect(crm.payloads).toBe(1);
      expect(crm.fields).toContainEqual({ path: 'id', sensitivity: 'public', form: 'clear', count: 2 });
    });

    it('records nothing for a request that carries neither a query nor a body', async () => {
      await make()(`${v.url}/api/a`).then((r) => r.text());
      expect(flows()['crm']).toBeUndefined();
    });
  });

  it("detokenizes each destination's answers in that destination's namespace, when two share a schema", async () => {
    const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: Buffer.alloc(32, 9).toString('base64') } }), audit: () => undefined });
    const reg = defineDestinations(
      {
        one: { vendor: 'One', baseUrl: `${v.url}/one`, region: 'DE', lawfulBasis: 'contract', purpose: 'p', rules: { public: 'keep', personal: 'tokenize' } },
        two: { vendor: 'Two', baseUrl: `${v.url}/two`, region: 'DE', lawfulBasis: 'contract', purpose: 'p', rules: { public: 'keep', personal: 'tokenize' } },
      },
      { vault },
    );
    const f = guardFetch({ destinations: reg, schemaFor: () => schema, ca: tls.cert, detokenize: { authorize: () => true, actor: 'svc', purpose: 'report' } });
    const body = JSON.stringify({ filter: { owner: 'jane@example.com' } });
    for (const name of ['one', 'two']) {
      // The vendor echoes what it received: tokens of its own namespace.
      const answer = await (await f(`${v.url}/${name}/x`, { method: 'POST', headers: json, body })).json();
      expect(JSON.parse(v.received.at(-1)!.body).filter.owner).toMatch(/^tok_/);
      expect(answer).toEqual({ filter: { owner: 'jane@example.com' } });
    }
  });
});
