// tag() on zod schemas: a new instance each time, tags that survive every wrapper both ways, and one instance under two tags.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSchema, registry, tag } from '../../src/index.js';
import { schemaRoot } from '../../src/schema/define.js';
import { thrown } from '../helpers/thrown.js';

const email = { sensitivity: 'personal', kind: 'email' } as const;

// Each wrapper, and where its value's tag is read: the field itself, or an item for .array().
const WRAPPERS: ReadonlyArray<readonly [string, (s: z.ZodType) => z.ZodType, string]> = [
  ['optional', (s) => s.optional(), 'a'],
  ['nullable', (s) => s.nullable(), 'a'],
  ['default', (s) => s.default('x'), 'a'],
  ['transform', (s) => s.transform((v) => String(v).length), 'a'],
  ['array', (s) => s.array(), 'a[3]'],
  ['refine', (s) => s.refine((v) => v !== ''), 'a'],
  ['brand', (s) => s.brand<'Email'>(), 'a'],
  ['describe', (s) => s.describe('an address'), 'a'],
  ['meta', (s) => s.meta({ title: 'Email' }), 'a'],
];

describe('tag()', () => {
  it('returns a new instance and never changes the schema passed in', () => {
    const s = z.string();
    const tagged = tag(s, 'personal', { kind: 'email' });
    expect(tagged).not.toBe(s);
    expect(registry.has(s)).toBe(false);
    expect(registry.get(tagged)).toEqual(email);
    expect(defineSchema(z.object({ a: s })).fields()).toEqual([]);
  });

  it('keeps the static type', () => {
    const typed: z.ZodObject<{ n: z.ZodNumber }> = tag(z.object({ n: z.number() }), 'internal');
    const parsed: { n: number } = typed.parse({ n: 1 });
    expect(parsed).toEqual({ n: 1 });
  });

  it.each(WRAPPERS)('keeps a tag through .%s() applied after tagging', (_name, wrap, at) => {
    const s = defineSchema(z.object({ a: wrap(tag(z.string(), 'personal', { kind: 'email' })) }));
    expect(s.tagAt(at)).toEqual(email);
  });

  it.each(WRAPPERS)('keeps a tag on the result of .%s()', (_name, wrap, at) => {
    const s = defineSchema(z.object({ a: tag(wrap(z.string()), 'personal', { kind: 'email' }) }));
    expect(s.tagAt('a')).toEqual(email);
    expect(s.tagAt(at)).toEqual(email);
  });

  it('gives one shared instance two independent tags', () => {
    const Str = z.string();
    const s = defineSchema(z.object({ password: tag(Str, 'secret', { kind: 'credential' }), name: tag(Str, 'public'), raw: Str }));
    expect(s.fields()).toEqual([
      { path: 'password', tag: { sensitivity: 'secret', kind: 'credential' } },
      { path: 'name', tag: { sensitivity: 'public' } },
    ]);
    expect(s.tagAt('raw')).toBeUndefined();
  });

  it('keeps a tagged schema tagged where it is used directly and where it is refined', () => {
    const Email = tag(z.string(), 'personal', { kind: 'email' });
    const s = defineSchema(z.object({ a: Email, b: Email.min(3), c: Email.describe('work') }));
    expect(s.fields()).toEqual([
      { path: 'a', tag: email },
      { path: 'b', tag: email },
      { path: 'c', tag: email },
    ]);
  });

  it('keeps an object schema\'s tag through .extend(), .partial(), .pick() and .strict()', () => {
    const Customer = tag(z.object({ name: z.string(), email: z.string() }), 'personal');
    const s = defineSchema(
      z.object({
        extended: Customer.extend({ id: tag(z.string(), 'public') }),
        partial: Customer.partial(),
        picked: Customer.pick({ name: true }),
        strict: Customer.strict(),
      }),
    );
    expect(s.tagAt('extended.email')).toEqual({ sensitivity: 'personal' });
    expect(s.tagAt('extended.id')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('partial.email')).toEqual({ sensitivity: 'personal' });
    expect(s.tagAt('picked.name')).toEqual({ sensitivity: 'personal' });
    expect(s.tagAt('strict.name')).toEqual({ sensitivity: 'personal' });
  });

  it('replaces a tag whole when a tagged schema is tagged again', () => {
    const Secret = tag(z.string(), 'secret', { kind: 'credential' });
    const s = defineSchema(z.object({ a: tag(Secret, 'public'), b: Secret }));
    expect(s.tagAt('a')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('b')).toEqual({ sensitivity: 'secret', kind: 'credential' });
  });

  it('refuses a zero retention, naming it', () => {
    for (const retention of ['P0D', 'PT0S', 'P0Y0M0DT0H0M0.0S']) {
      const e = thrown(() => tag(z.string(), 'personal', { retention }));
      expect(e.code).toBe('ERR_INVALID_SCHEMA');
      expect(e.message).toBe(`tag(): retention "${retention}" must be a positive duration such as P30D`);
    }
    expect(tag(z.string(), 'personal', { retention: 'PT0.5S' })).toBeDefined();
  });
});

describe('.meta()', () => {
  it('tags with { sensitivity, kind } and the x- spellings', () => {
    const s = defineSchema(
      z.object({
        ssn: z.string().meta({ sensitivity: 'special', kind: 'ssn' }),
        key: z.string().meta({ 'x-sensitivity': 'secret', 'x-kind': 'credential' }),
        note: z.string().meta({ description: 'free text' }),
      }),
    );
    expect(s.fields()).toEqual([
      { path: 'ssn', tag: { sensitivity: 'special', kind: 'ssn' } },
      { path: 'key', tag: { sensitivity: 'secret', kind: 'credential' } },
    ]);
  });

  it('lets the nearest of tag() and .meta() win, and a kind alone refine the tag above it', () => {
    const s = defineSchema(
      z.object({
        a: tag(z.string(), 'public').meta({ sensitivity: 'secret' }),
        b: tag(z.string().meta({ sensitivity: 'secret', kind: 'credential' }), 'public'),
        c: tag(z.string(), 'personal').meta({ kind: 'email' }),
      }),
    );
    expect(s.tagAt('a')).toEqual({ sensitivity: 'secret' });
    expect(s.tagAt('b')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('c')).toEqual(email);
  });

  it('refuses a zero retention with the field path', () => {
    const e = thrown(() => defineSchema(z.object({ a: z.string().meta({ sensitivity: 'personal', retention: 'PT0S' }) })));
    expect(e.issues).toEqual([{ path: ['properties', 'a'], message: 'retention "PT0S" must be a positive duration such as P30D' }]);
  });
});

describe('one instance reached from two paths (RELIABILITY 14)', () => {
  it('keeps each path its own tag for one object schema tagged twice', () => {
    const Address = z.object({ street: z.string(), city: z.string() });
    const s = defineSchema(
      z.object({
        billing: tag(Address, 'personal', { kind: 'address' }),
        shipping: tag(Address, 'internal'),
        store: Address,
      }),
    );
    expect(s.tagAt('billing.city')).toEqual({ sensitivity: 'personal', kind: 'address' });
    expect(s.tagAt('shipping.city')).toEqual({ sensitivity: 'internal' });
    expect(s.tagAt('store.city')).toBeUndefined();
    expect(s.fields().map((f) => `${f.path}=${f.tag.sensitivity}/${f.tag.kind ?? ''}`)).toEqual([
      'billing=personal/address',
      'billing.street=personal/address',
      'billing.city=personal/address',
      'shipping=internal/',
      'shipping.street=internal/',
      'shipping.city=internal/',
    ]);
  });

  it('keeps each path its inherited tag for a schema with an id (emitted once, as a $ref)', () => {
    const Address = z.object({ city: z.string(), zip: tag(z.string(), 'personal', { kind: 'postalCode' }) }).meta({ id: 'Address' });
    const s = defineSchema(
      z.object({
        billing: tag(z.object({ address: Address }), 'special'),
        shipping: z.object({ address: Address }),
        other: tag(Address, 'secret', { kind: 'address' }),
      }),
    );
    expect(s.tagAt('billing.address.city')).toEqual({ sensitivity: 'special' });
    expect(s.tagAt('billing.address.zip')).toEqual({ sensitivity: 'personal', kind: 'postalCode' });
    expect(s.tagAt('shipping.address.city')).toBeUndefined();
    expect(s.tagAt('shipping.address.zip')).toEqual({ sensitivity: 'personal', kind: 'postalCode' });
    expect(s.tagAt('other.city')).toEqual({ sensitivity: 'secret', kind: 'address' });
  });

  it('keeps each path its tag through a recursive schema reached twice', () => {
    interface Node {
      label: string;
      next?: Node | undefined;
    }
    const List: z.ZodType<Node> = z.object({
      label: z.string(),
      get next() {
        return List.optional();
      },
    });
    const s = defineSchema(z.object({ secrets: tag(List, 'secret'), notes: tag(List, 'public') }));
    expect(s.tagAt('secrets.next.next.next.label')).toEqual({ sensitivity: 'secret' });
    expect(s.tagAt('notes.next.next.next.label')).toEqual({ sensitivity: 'public' });
  });
});

describe('zod parts that have no payload position', () => {
  it.each([
    ['z.map()', () => z.object({ m: z.map(z.string(), tag(z.string(), 'secret')) }), ['properties', 'm'], /^z\.map\(\) holds a tag inside it/],
    ['z.set()', () => z.object({ a: z.array(z.object({ s: z.set(tag(z.string(), 'secret')) })) }), ['properties', 'a', 'items', 'properties', 's'], /^z\.set\(\) holds a tag/],
    ['the output of .pipe()', () => z.object({ e: z.string().trim().pipe(tag(z.email(), 'personal')) }), ['properties', 'e'], /output side of \.pipe\(\)/],
    ['a pipe after a transform', () => z.object({ e: z.string().transform((s) => s).pipe(tag(z.string(), 'personal')) }), ['properties', 'e'], /output side/],
    [
      'the decoded side of a codec',
      () => z.object({ e: z.codec(z.string(), z.object({ ssn: tag(z.string(), 'special') }), { decode: (s) => JSON.parse(s) as { ssn: string }, encode: (o) => JSON.stringify(o) }) }),
      ['properties', 'e'],
      /output side/,
    ],
    ['z.function() arguments', () => z.object({ f: z.function({ input: [tag(z.string(), 'secret')] }) as unknown as z.ZodType }), ['properties', 'f'], /^z\.function\(\) holds a tag/],
  ])('refuses a tag inside %s instead of losing it', (_name, make, path, message) => {
    const e = thrown(() => defineSchema(make()));
    expect(e.code).toBe('ERR_INVALID_SCHEMA');
    expect(e.issues).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('accepts a tag on the map, set or pipe itself, and on the input side of a pipe', () => {
    const s = defineSchema(
      z.object({
        m: tag(z.map(z.string(), z.string()), 'secret'),
        p: tag(z.string().pipe(z.email()), 'personal', { kind: 'email' }),
        i: tag(z.string(), 'personal', { kind: 'email' }).pipe(z.email()),
      }),
    );
    expect(s.fields()).toEqual([
      { path: 'm', tag: { sensitivity: 'secret' } },
      { path: 'p', tag: email },
      { path: 'i', tag: email },
    ]);
  });

  it('tags the keys of a record (propertyNames → keyTag)', () => {
    const s = defineSchema(z.object({ counts: z.record(tag(z.email(), 'personal', { kind: 'email' }), z.number()) }));
    expect(schemaRoot(s).children.get('counts')!.keyTag).toEqual(email);
  });
});
