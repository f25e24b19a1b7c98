// defineSchema: every zod and JSON Schema construct compiles into the right tags at the right paths.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSchema, tag, type FieldSchema } from '../../src/index.js';
import { thrown } from '../helpers/thrown.js';

const personal = { sensitivity: 'personal' } as const;
const email = { sensitivity: 'personal', kind: 'email' } as const;


const paths = (s: FieldSchema) => Object.fromEntries(s.fields().map((f) => [f.path, f.tag.sensitivity]));

describe('zod v4', () => {
  it('tag() returns a new schema instance of the same static type and leaves the original untagged', () => {
    const s = z.string();
    const tagged: z.ZodString = tag(s, 'personal', { kind: 'email' });
    expect(tagged).not.toBe(s);
    expect(tagged.parse('x')).toBe('x');
    expect(defineSchema(z.object({ a: s })).tagAt('a')).toBeUndefined();
    expect(defineSchema(z.object({ a: tagged })).tagAt('a')).toEqual(email);
  });

  it.each([
    ['optional', (s: z.ZodString) => s.optional()],
    ['nullable', (s: z.ZodString) => s.nullable()],
    ['default', (s: z.ZodString) => s.default('x')],
    ['refine', (s: z.ZodString) => s.refine((v) => v.length > 0)],
    ['min', (s: z.ZodString) => s.min(1)],
    ['trim', (s: z.ZodString) => s.trim()],
    ['brand', (s: z.ZodString) => s.brand<'Email'>()],
    ['describe', (s: z.ZodString) => s.describe('an email')],
    ['transform', (s: z.ZodString) => s.transform((v) => v.length)],
  ])('keeps a tag through .%s(), tagged before or after', (_name, wrap) => {
    const inner = defineSchema(z.object({ a: wrap(tag(z.string(), 'personal', { kind: 'email' })) }));
    expect(inner.tagAt('a')).toEqual(email);
    const outer = defineSchema(z.object({ a: tag(wrap(z.string()) as z.ZodType, 'personal', { kind: 'email' }) }));
    expect(outer.tagAt('a')).toEqual(email);
  });

  it('reads .meta({ sensitivity, kind }) from the global registry', () => {
    const s = defineSchema(z.object({ ssn: z.string().meta({ sensitivity: 'special', kind: 'ssn' }) }));
    expect(s.tagAt('ssn')).toEqual({ sensitivity: 'special', kind: 'ssn' });
  });

  it('compiles arrays, tuples, records, unions and recursive schemas', () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const Tree: z.ZodType<Node> = z.object({
      name: tag(z.string(), 'personal'),
      get children() {
        return z.array(Tree);
      },
    });
    const s = defineSchema(
      z.object({
        list: z.array(z.object({ note: tag(z.string(), 'personal') })),
        pair: z.tuple([tag(z.string(), 'public'), tag(z.string(), 'secret')]),
        attrs: z.record(z.string(), tag(z.string(), 'internal')),
        either: z.union([z.object({ x: tag(z.string(), 'public') }), z.object({ x: tag(z.string(), 'special') })]),
        tree: Tree,
      }),
    );
    expect(s.tagAt('list[4].note')).toEqual(personal);
    expect(s.tagAt('list[*].note')).toEqual(personal);
    expect(s.tagAt('pair[0]')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('pair[1]')).toEqual({ sensitivity: 'secret' });
    expect(s.tagAt('attrs.anything')).toEqual({ sensitivity: 'internal' });
    expect(s.tagAt('either.x')).toEqual({ sensitivity: 'special' });
    expect(s.tagAt('tree.children[0].children[3].name')).toEqual(personal);
  });

  it('refuses a zod v3-like schema and a non-zod argument to tag()', () => {
    expect(thrown(() => defineSchema({ _def: {}, parse: () => 1 })).code).toBe('ERR_INVALID_SCHEMA');
    expect(thrown(() => tag({} as z.ZodString, 'personal')).code).toBe('ERR_INVALID_SCHEMA');
    expect(thrown(() => tag(z.string(), 'privat' as 'personal')).message).toMatch(/unknown sensitivity "privat"/);
  });
});

describe('JSON Schema and OpenAPI', () => {
  it('reads x- annotations and plain sensitivity/kind, and inherits the nearest tag downward', () => {
    const s = defineSchema({
      type: 'object',
      properties: {
        customer: {
          type: 'object',
          'x-sensitivity': 'personal',
          'x-purpose': 'delivery',
          'x-retention': 'P30D',
          'x-lawful-basis': 'contract',
          properties: {
            id: { type: 'string', sensitivity: 'internal' },
            email: { type: 'string', 'x-kind': 'email' },
          },
        },
        note: { type: 'string' },
      },
    });
    const customer = { sensitivity: 'personal', purpose: 'delivery', retention: 'P30D', lawfulBasis: 'contract' };
    expect(s.tagAt('customer')).toEqual(customer);
    expect(s.tagAt('customer.id')).toEqual({ sensitivity: 'internal' });
    // Inheritance passes the whole tag down; an x-kind alone refines the inherited tag.
    expect(s.tagAt('customer.email')).toEqual({ ...customer, kind: 'email' });
    // A key beside the named ones is not described by the schema: untagged, so dropped on the way out.
    expect(s.tagAt('customer.unknownKey')).toBeUndefined();
    expect(s.tagAt('note')).toBeUndefined();
    expect(s.tagAt('nothing.here')).toBeUndefined();
  });

  it('lists every tagged leaf and container in pino syntax', () => {
    const s = defineSchema({
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { note: { type: 'string', 'x-sensitivity': 'personal' } } } },
        attributes: { type: 'object', additionalProperties: { type: 'string', 'x-sensitivity': 'internal' } },
        'x-trace': { type: 'string', 'x-sensitivity': 'internal' },
        addr: { type: 'object', 'x-sensitivity': 'personal', properties: { city: { type: 'string' } } },
      },
    });
    expect(s.fields()).toEqual([
      { path: 'items[*].note', tag: personal },
      { path: 'attributes.*', tag: { sensitivity: 'internal' } },
      { path: '["x-trace"]', tag: { sensitivity: 'internal' } },
      { path: 'addr', tag: personal },
      { path: 'addr.city', tag: personal },
    ]);
  });

  it('handles prefixItems, draft-4 tuple items, patternProperties and allOf/anyOf/oneOf (most sensitive wins)', () => {
    const s = defineSchema({
      type: 'object',
      properties: {
        t: { type: 'array', prefixItems: [{ 'x-sensitivity': 'public' }, { 'x-sensitivity': 'secret' }], items: { 'x-sensitivity': 'internal' } },
        d4: { type: 'array', items: [{ 'x-sensitivity': 'special' }] },
        p: { type: 'object', patternProperties: { '^x-': { 'x-sensitivity': 'personal' } } },
        a: { allOf: [{ 'x-sensitivity': 'public' }, { 'x-sensitivity': 'special' }] },
        o: { oneOf: [{ type: 'object', properties: { v: { 'x-sensitivity': 'internal' } } }, { type: 'object', properties: { v: { 'x-sensitivity': 'secret' } } }] },
      },
    });
    expect(s.tagAt('t[0]')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('t[1]')).toEqual({ sensitivity: 'secret' });
    expect(s.tagAt('t[7]')).toEqual({ sensitivity: 'internal' });
    expect(s.tagAt('d4[0]')).toEqual({ sensitivity: 'special' });
    expect(s.tagAt('p["x-a"]')).toEqual(personal);
    expect(s.tagAt('a')).toEqual({ sensitivity: 'special' });
    expect(s.tagAt('o.v')).toEqual({ sensitivity: 'secret' });
  });

  it('resolves local $ref, recursive ones into cycles, and OpenAPI refs against a document', () => {
    const s = defineSchema({
      $defs: { node: { type: 'object', properties: { secret: { 'x-sensitivity': 'secret' }, next: { $ref: '#/$defs/node' } } } },
      $ref: '#/$defs/node',
    });
    expect(s.tagAt('next.next.next.next.secret')).toEqual({ sensitivity: 'secret' });
    expect(paths(s)).toEqual({ secret: 'secret' });

    const doc = {
      openapi: '3.0.3',
      components: {
        schemas: {
          Address: { type: 'object', 'x-sensitivity': 'personal', 'x-kind': 'address', properties: { city: { type: 'string' } } },
          Order: { type: 'object', properties: { id: { type: 'string', 'x-sensitivity': 'public' }, ship: { $ref: '#/components/schemas/Address' } } },
        },
      },
    };
    const o = defineSchema(doc.components.schemas.Order, { document: doc });
    expect(o.tagAt('ship.city')).toEqual({ sensitivity: 'personal', kind: 'address' });
    expect(thrown(() => defineSchema(doc)).message).toMatch(/whole OpenAPI document/);
  });

  it('folds key case when asked', () => {
    const s = defineSchema({ type: 'object', properties: { Email: { 'x-sensitivity': 'personal' } } }, { caseInsensitiveKeys: true });
    expect(s.tagAt('EMAIL')).toEqual(personal);
    expect(defineSchema({ type: 'object', properties: { Email: { 'x-sensitivity': 'personal' } } }).tagAt('email')).toBeUndefined();
  });

  it('answers ERR_INVALID_SCHEMA naming the path, at defineSchema', () => {
    const bad = thrown(() => defineSchema({ type: 'object', properties: { a: { 'x-sensitivity': 'privat' }, b: { 'x-kind': 'mail', 'x-sensitivity': 'public' } } }));
    expect(bad.code).toBe('ERR_INVALID_SCHEMA');
    expect(bad.message).toMatch(/^invalid schema at \/properties\/a: unknown sensitivity "privat"/);
    expect(bad.issues).toEqual([
      { path: ['properties', 'a'], message: expect.stringMatching(/unknown sensitivity/) },
      { path: ['properties', 'b'], message: expect.stringMatching(/unknown kind "mail"/) },
    ]);
    expect(thrown(() => defineSchema({ properties: { a: { $ref: '#/$defs/missing' } } })).issues).toEqual([
      { path: ['properties', 'a'], message: '$ref "#/$defs/missing" does not resolve to a schema in this document' },
    ]);
    expect(thrown(() => defineSchema({ 'x-sensitivity': 'public', 'x-retention': 'thirty days' })).message).toMatch(/ISO-8601/);
    expect(thrown(() => defineSchema({ 'x-sensitivity': 'public', 'x-lawful-basis': 'because' })).message).toMatch(/lawful basis/);
    expect(thrown(() => defineSchema({ properties: { a: { 'x-kind': 'email' } } })).message).toMatch(/needs a sensitivity/);
    for (const notASchema of [null, 42, 'string', [], new Date(), undefined]) {
      expect(thrown(() => defineSchema(notASchema)).code).toBe('ERR_INVALID_SCHEMA');
    }
    expect(thrown(() => defineSchema({ properties: [] })).code).toBe('ERR_INVALID_SCHEMA');
  });

  it('returns a FieldSchema given one, and freezes it', () => {
    const s = defineSchema({ 'x-sensitivity': 'public' });
    expect(defineSchema(s)).toBe(s);
    expect(Object.isFrozen(s)).toBe(true);
  });
});
