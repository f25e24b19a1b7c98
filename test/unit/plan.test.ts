// compilePlan, compileScrub and compileMask: exact outputs, reports, precedence, limits and hostile input.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileMask, compilePlan, compileScrub, defineSchema, tag } from '../../src/index.js';
import { leaks, MASKED_ORDER, orderSchema, SCRUBBED_ORDER, sampleOrder } from '../fixtures/order.js';
import { thrown } from '../helpers/thrown.js';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}


const scrub = compileScrub({ schema: orderSchema });
const mask = compileMask({ schema: orderSchema });

describe('compileScrub', () => {
  it('keeps public and internal fields only, and leaves an emptied object as {}', () => {
    const { value } = scrub(sampleOrder());
    expect(value).toEqual(SCRUBBED_ORDER);
    expect(leaks(JSON.stringify(value))).toEqual([]);
  });

  it('never mutates the input and creates no absent key', () => {
    const input = deepFreeze(sampleOrder());
    const before = structuredClone(input);
    scrub(input);
    mask(input);
    expect(input).toEqual(before);
  });

  it('reports counts by path and kind, never values', () => {
    const { report } = scrub({ ...sampleOrder(), coupon: 'jane.doe@example.com' });
    expect(report).toEqual({
      kept: 8,
      dropped: 11,
      masked: 0,
      rejected: 0,
      scanned: 0,
      untagged: 1,
      hashed: 0,
      encrypted: 0,
      decrypted: 0,
      tokenized: 0,
      detokenized: 0,
      generalized: 0,
      shifted: 0,
      unresolved: 0,
      fields: [
        { path: 'id', type: 'string', action: 'keep', count: 1, sensitivity: 'public', kind: 'identifier' },
        { path: 'status', type: 'string', action: 'keep', count: 1, sensitivity: 'internal' },
        { path: 'total', type: 'number', action: 'keep', count: 1, sensitivity: 'public' },
        { path: 'customer.id', type: 'string', action: 'keep', count: 1, sensitivity: 'internal', kind: 'identifier' },
        { path: 'customer.email', type: 'string', action: 'drop', count: 1, sensitivity: 'personal', kind: 'email' },
        { path: 'customer.name', type: 'string', action: 'drop', count: 1, sensitivity: 'personal', kind: 'name' },
        { path: 'customer.phone', type: 'string', action: 'drop', count: 1, sensitivity: 'personal', kind: 'phone' },
        { path: 'customer.ssn', type: 'string', action: 'drop', count: 1, sensitivity: 'special', kind: 'ssn' },
        { path: 'payment.card', type: 'string', action: 'drop', count: 1, sensitivity: 'secret', kind: 'cardNumber' },
        { path: 'payment.iban', type: 'string', action: 'drop', count: 1, sensitivity: 'personal', kind: 'iban' },
        { path: 'items[*].sku', type: 'string', action: 'keep', count: 2, sensitivity: 'public' },
        { path: 'items[*].qty', type: 'number', action: 'keep', count: 2, sensitivity: 'public' },
        { path: 'items[*].note', type: 'string', action: 'drop', count: 1, sensitivity: 'personal', kind: 'freeText' },
        { path: 'diagnosis', type: 'string', action: 'drop', count: 1, sensitivity: 'special', kind: 'health' },
        { path: 'shipTo', type: 'object', action: 'drop', count: 1, sensitivity: 'personal', kind: 'address' },
        { path: 'ip', type: 'string', action: 'drop', count: 1, sensitivity: 'personal', kind: 'ipAddress' },
        // A key the sender chose is never named in a report: it is its parent's path plus `*`.
        { path: '*', type: 'string', action: 'drop', count: 1, untagged: true },
      ],
    });
  });

  it('takes an allow-list by level, atLeast, kind or path (OR)', () => {
    const byKind = compileScrub({ schema: orderSchema, allow: { sensitivity: 'public', kinds: ['email'] } })(sampleOrder()).value;
    expect(byKind).toMatchObject({ id: 'ord_1001', customer: { email: 'jane.doe@example.com' } });
    expect(byKind).not.toHaveProperty('status');
    const byPath = compileScrub({ schema: orderSchema, allow: { paths: ['shipTo'] } })(sampleOrder()).value;
    expect(byPath).toEqual({ customer: {}, payment: {}, items: [{}, {}], shipTo: { street: '1 Main Street', city: 'Springfield', postalCode: '94110' } });
  });

  it("keeps or refuses untagged fields with untagged: 'keep' | 'reject'", () => {
    const input = { id: 'x', extra: { deep: 'value' }, items: [{ sku: 'a', gift: 'wrap' }] };
    expect(compileScrub({ schema: orderSchema, untagged: 'keep' })(input).value).toEqual(input);
    const e = thrown(() => compileScrub({ schema: orderSchema, untagged: 'reject' })(input));
    expect(e.code).toBe('ERR_UNTAGGED_FIELD');
    expect(e.status).toBe(422);
    expect(e.paths).toEqual(['*', 'items[*].*']);
    expect(e.message).not.toMatch(/extra|gift/);
    expect(e.message).not.toMatch(/value|wrap/);
  });

  it('treats __proto__, constructor and prototype keys as plain data under every action', () => {
    const hostile = JSON.parse('{"id":"a","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"customer":{"__proto__":{"polluted":1}}}');
    const keep = compileScrub({ schema: orderSchema, untagged: 'keep' })(hostile).value as Record<string, unknown>;
    expect(Object.getPrototypeOf(keep)).toBe(Object.prototype);
    expect(Object.keys(keep)).toEqual(['id', '__proto__', 'constructor', 'customer']);
    expect(Object.getOwnPropertyDescriptor(keep, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(scrub(hostile).value).toEqual({ id: 'a', customer: {} });
    const maskAll = compilePlan({ schema: orderSchema, rules: [{ select: { atLeast: 'public' }, action: 'mask' }], untagged: 'drop' });
    expect(maskAll(hostile).value).toEqual({ id: '[REDACTED]', customer: {} });
    const maskUnknown = compilePlan({ schema: orderSchema, rules: [{ select: { paths: ['**.polluted'] }, action: 'mask' }], untagged: 'keep' });
    const out = maskUnknown(hostile).value as Record<string, Record<string, unknown>>;
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: '[REDACTED]' });
    expect(Object.getPrototypeOf(out['customer'])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out['customer'], '__proto__')?.value).toEqual({ polluted: '[REDACTED]' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('bounds depth (ERR_PAYLOAD_TOO_DEEP, 400) and size (ERR_PAYLOAD_TOO_LARGE, 413), circular input included', () => {
    let deep: unknown = 'jane.doe@example.com';
    for (let i = 0; i < 10_000; i++) deep = { nested: deep };
    const keepAll = compileScrub({ schema: orderSchema, untagged: 'keep' });
    const e = thrown(() => keepAll(deep));
    expect(e.code).toBe('ERR_PAYLOAD_TOO_DEEP');
    expect(e.status).toBe(400);
    expect(leaks(e.message)).toEqual([]);
    const circular: Record<string, unknown> = { id: 'x' };
    circular['self'] = circular;
    expect(thrown(() => keepAll(circular)).code).toBe('ERR_PAYLOAD_TOO_DEEP');
    const big = compileScrub({ schema: orderSchema, maxNodes: 1000 });
    const e2 = thrown(() => big({ items: Array.from({ length: 2000 }, () => ({ sku: 'a' })) }));
    expect(e2.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    expect(e2.status).toBe(413);
  });

  it('drops a whole dropped subtree without walking it, however deep', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { nested: deep };
    expect(scrub({ id: 'a', unknown: deep }).value).toEqual({ id: 'a' });
  });

  it('handles Dates, Buffers, typed arrays, Maps, BigInt and class instances deliberately', () => {
    const schema = defineSchema({
      type: 'object',
      properties: {
        at: { 'x-sensitivity': 'public' },
        born: { 'x-sensitivity': 'personal', 'x-kind': 'birthDate' },
        raw: { 'x-sensitivity': 'public' },
        bytes: { 'x-sensitivity': 'personal' },
        map: { 'x-sensitivity': 'public' },
        big: { 'x-sensitivity': 'personal' },
        user: { type: 'object', properties: { name: { 'x-sensitivity': 'personal' }, id: { 'x-sensitivity': 'public' } } },
      },
    });
    class User {
      id = 'u1';
      name = 'Jane Doe';
      get boom(): string {
        return 'getter ran';
      }
    }
    const at = new Date('2024-01-02T03:04:05Z');
    const raw = Buffer.from('public bytes');
    const input = {
      at,
      born: new Date('1990-04-02T00:00:00Z'),
      raw,
      bytes: new Uint8Array([1, 2, 3]),
      map: new Map([['k', 'v']]),
      big: 12345678901234567890n,
      user: new User(),
    };
    const { value } = compileMask({ schema, untagged: 'drop' })(input) as { value: Record<string, unknown> };
    expect(value['at']).toEqual(at);
    expect(value['at']).not.toBe(at);
    expect(value['born']).toBe('1990-**-**T**:**:**.***Z');
    expect(Buffer.isBuffer(value['raw']) && value['raw'].equals(raw)).toBe(true);
    expect(value['bytes']).toBe('[REDACTED]');
    expect(value['map']).toBe(input.map);
    expect(value['big']).toBe('[REDACTED]');
    expect(value['user']).toEqual({ id: 'u1', name: '[REDACTED]' });
    expect(JSON.stringify(value)).not.toContain('Jane Doe');
  });

  it('walks an object with toJSON as its JSON form, as the wire would see it', () => {
    const schema = defineSchema({ type: 'object', properties: { v: { type: 'object', properties: { email: { 'x-sensitivity': 'personal', 'x-kind': 'email' } } } } });
    const v = { toJSON: () => ({ email: 'jane.doe@example.com' }) };
    Object.setPrototypeOf(v, { kind: 'model' });
    expect(compileMask({ schema })({ v }).value).toEqual({ v: { email: 'j***@example.com' } });
  });

  it('fails closed with ERR_UNREADABLE_VALUE when a getter or proxy throws, and names no value', () => {
    const input = { id: 'a' };
    Object.defineProperty(input, 'customer', { enumerable: true, get: () => { throw new Error('jane.doe@example.com'); } });
    const e = thrown(() => scrub(input));
    expect(e.code).toBe('ERR_UNREADABLE_VALUE');
    expect(e.message).not.toContain('jane');
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('jane.doe@example.com'); } });
    expect(thrown(() => mask({ customer: proxy })).code).toBe('ERR_UNREADABLE_VALUE');
  });

  it('folds key case with caseInsensitiveKeys', () => {
    const schema = defineSchema(z.object({ email: tag(z.string(), 'personal', { kind: 'email' }), id: tag(z.string(), 'public') }), { caseInsensitiveKeys: true });
    expect(compileScrub({ schema })({ EMAIL: 'a@b.c', Id: '1' }).value).toEqual({ Id: '1' });
    expect(compileMask({ schema })({ Email: 'jane.doe@example.com' }).value).toEqual({ Email: 'j***@example.com' });
  });
});

describe('compileMask', () => {
  it('masks personal and above with each kind\'s format', () => {
    const { value, report } = mask(sampleOrder());
    expect(value).toEqual(MASKED_ORDER);
    expect(report).toMatchObject({ masked: 12, kept: 8, dropped: 0 });
    expect(leaks(JSON.stringify(value))).toEqual([]);
  });

  it('takes format overrides per kind and per path, a path winning over a kind', () => {
    const m = compileMask({
      schema: orderSchema,
      select: { kinds: ['email', 'phone'] },
      formats: {
        kinds: { email: () => 'hidden@example.com', phone: (v, ctx) => `${ctx.kind}@${ctx.path}` },
        paths: { 'customer.email': (v) => `len:${String(v).length}` },
      },
    });
    const { value } = m(sampleOrder()) as { value: { customer: Record<string, unknown> } };
    expect(value.customer['email']).toBe('len:20');
    expect(value.customer['phone']).toBe('phone@customer.phone');
    expect(value.customer['name']).toBe('Jane Doe');
  });

  it('fails closed with ERR_MASK_FAILED when a format throws', () => {
    const m = compileMask({ schema: orderSchema, formats: { kinds: { email: () => { throw new Error('jane.doe@example.com'); } } } });
    const e = thrown(() => m(sampleOrder()));
    expect(e.code).toBe('ERR_MASK_FAILED');
    expect(e.paths).toEqual(['customer.email']);
    expect(e.message).not.toContain('jane');
  });

  it('masks a path-selected container as a whole', () => {
    const m = compileMask({ schema: orderSchema, select: { paths: ['customer', 'items[*].sku'] } });
    const { value } = m(sampleOrder()) as { value: Record<string, unknown> };
    expect(value['customer']).toBe('[REDACTED]');
    expect(value['items']).toEqual([
      { sku: '[REDACTED]', qty: 2, note: 'call me after 6pm' },
      { sku: '[REDACTED]', qty: 1 },
    ]);
  });

  it('follows ** paths at any depth, untagged keys included', () => {
    const m = compileMask({ schema: orderSchema, select: { paths: ['**.password'] } });
    const { value } = m({ id: 'a', password: 'p1', debug: { a: [{ password: 'p2' }] } });
    expect(value).toEqual({ id: 'a', password: '[REDACTED]', debug: { a: [{ password: '[REDACTED]' }] } });
  });
});

describe('compilePlan', () => {
  const schema = defineSchema(
    z.object({
      email: tag(z.string(), 'personal', { kind: 'email' }),
      card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
      id: tag(z.string(), 'public'),
      note: z.string(),
    }),
  );
  const input = { email: 'jane.doe@example.com', card: '4111 1111 1111 1111', id: 'i', note: 'n' };

  // The precedence table: the first matching rule wins; a path rule wins over a later level rule; unmatched → untagged.
  it.each([
    [[{ select: { kinds: ['cardNumber'] }, action: 'mask' }, { select: { atLeast: 'public' }, action: 'keep' }], 'drop', { email: 'jane.doe@example.com', card: '**** **** **** 1111', id: 'i' }],
    [[{ select: { atLeast: 'public' }, action: 'keep' }, { select: { kinds: ['cardNumber'] }, action: 'mask' }], 'drop', { email: 'jane.doe@example.com', card: '4111 1111 1111 1111', id: 'i' }],
    [[{ select: { paths: ['email'] }, action: 'mask' }, { select: { atLeast: 'personal' }, action: 'drop' }], 'keep', { email: 'j***@example.com', id: 'i', note: 'n' }],
    [[{ select: { sensitivity: 'public' }, action: 'keep' }], 'drop', { id: 'i' }],
    [[{ select: { sensitivity: 'public' }, action: 'keep' }], 'keep', input],
    [[], 'keep', input],
    [[], 'drop', {}],
  ] as const)('rules %j with untagged %s', (rules, untagged, expected) => {
    expect(compilePlan({ schema, rules, untagged })(input).value).toEqual(expected);
  });
});

describe('resources', () => {
  it('keeps the heap flat over 100,000 scrubs of the same order', async () => {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const order = sampleOrder();
    for (let i = 0; i < 10_000; i++) scrub(order);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) scrub(order);
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('walks an array of a million items without a RangeError', () => {
    const big = { items: Array.from({ length: 1_000_000 }, (_, i) => ({ sku: `s${i % 10}`, qty: 1, note: 'n' })) };
    const out = compileScrub({ schema: orderSchema, maxNodes: 5_000_000 })(big).value as { items: unknown[] };
    expect(out.items).toHaveLength(1_000_000);
    expect(out.items[999_999]).toEqual({ sku: 's9', qty: 1 });
  });
});
