// Every JSON Schema / OpenAPI keyword that holds subschemas is compiled into positions or refused by name: none is ignored.
import { describe, expect, it } from 'vitest';
import { defineSchema, type FieldSchema } from '../../src/index.js';
import { schemaRoot } from '../../src/schema/define.js';
import { thrown } from '../helpers/thrown.js';

const personal = { sensitivity: 'personal' } as const;
const secret = { sensitivity: 'secret' } as const;
const special = { sensitivity: 'special' } as const;

const fields = (s: FieldSchema) => Object.fromEntries(s.fields().map((f) => [f.path, f.tag.sensitivity]));

describe('keywords that meet at a position', () => {
  it('dependentSchemas: the fields it adds are tagged', () => {
    const s = defineSchema({
      type: 'object',
      properties: { card: { type: 'string', 'x-sensitivity': 'secret' } },
      dependentSchemas: { card: { properties: { holder: { type: 'string', 'x-sensitivity': 'personal' } } } },
    });
    expect(s.tagAt('holder')).toEqual(personal);
    expect(fields(s)).toEqual({ card: 'secret', holder: 'personal' });
  });

  it('dependencies (draft-07): the schema form is merged, the property-list form is allowed', () => {
    const s = defineSchema({
      properties: { card: { 'x-sensitivity': 'secret' } },
      dependencies: { card: { properties: { billing: { 'x-sensitivity': 'personal', 'x-kind': 'address' } } }, name: ['card'] },
    });
    expect(s.tagAt('billing')).toEqual({ sensitivity: 'personal', kind: 'address' });
    expect(thrown(() => defineSchema({ dependencies: { a: 3 } })).issues).toEqual([
      { path: ['dependencies', 'a'], message: 'dependencies must map each property to a schema or an array of property names' },
    ]);
  });

  it('if, then and else all merge (the most sensitive tag wins)', () => {
    const s = defineSchema({
      if: { properties: { country: { const: 'US' }, ssn: { 'x-sensitivity': 'special', 'x-kind': 'ssn' } } },
      then: { properties: { zip: { 'x-sensitivity': 'personal' } } },
      else: { properties: { zip: { 'x-sensitivity': 'internal' }, postcode: { 'x-sensitivity': 'personal' } } },
    });
    expect(s.tagAt('ssn')).toEqual({ sensitivity: 'special', kind: 'ssn' });
    expect(s.tagAt('zip')).toEqual(personal);
    expect(s.tagAt('postcode')).toEqual(personal);
  });

  it('allOf, anyOf and oneOf still merge, and must be arrays of schemas', () => {
    const s = defineSchema({ anyOf: [{ properties: { a: { 'x-sensitivity': 'public' } } }, { properties: { a: { 'x-sensitivity': 'secret' } } }] });
    expect(s.tagAt('a')).toEqual(secret);
    expect(thrown(() => defineSchema({ allOf: { properties: {} } })).issues).toEqual([{ path: ['allOf'], message: 'allOf must be an array of schemas' }]);
    expect(thrown(() => defineSchema({ oneOf: [{}, 'x'] })).issues).toEqual([{ path: ['oneOf', '1'], message: 'oneOf must be an array of schemas' }]);
  });
});

describe('keywords that open positions below', () => {
  it('unevaluatedProperties is the position of keys not named, like additionalProperties', () => {
    const s = defineSchema({
      allOf: [{ properties: { id: { 'x-sensitivity': 'public' } } }],
      unevaluatedProperties: { type: 'string', 'x-sensitivity': 'personal' },
    });
    expect(s.tagAt('id')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('nickname')).toEqual(personal);
    expect(fields(s)).toEqual({ id: 'public', '*': 'personal' });
  });

  it('a boolean additionalProperties or items opens no position of its own', () => {
    const s = defineSchema({ properties: { o: { additionalProperties: true, unevaluatedProperties: false }, l: { items: true, contains: true } } });
    expect(schemaRoot(s).children.get('o')!.any).toBeUndefined();
    expect(schemaRoot(s).children.get('l')!.any).toBeUndefined();
  });

  it('unevaluatedItems and additionalItems are the items past the tuple', () => {
    const s = defineSchema({
      type: 'object',
      properties: {
        u: { prefixItems: [{ 'x-sensitivity': 'public' }], unevaluatedItems: { 'x-sensitivity': 'secret' } },
        a: { items: [{ 'x-sensitivity': 'public' }], additionalItems: { 'x-sensitivity': 'special' } },
      },
    });
    expect(s.tagAt('u[0]')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('u[5]')).toEqual(secret);
    expect(s.tagAt('a[0]')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('a[5]')).toEqual(special);
    expect(fields(s)).toEqual({ 'u[0]': 'public', 'u[*]': 'secret', 'a[0]': 'public', 'a[*]': 'special' });
  });

  it('contains tags every item, tuple items too (any of them may be the one it matches)', () => {
    const s = defineSchema({
      type: 'array',
      prefixItems: [{ 'x-sensitivity': 'public' }],
      contains: { type: 'object', properties: { email: { 'x-sensitivity': 'personal', 'x-kind': 'email' } } },
    });
    expect(s.tagAt('[0]')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('[0].email')).toEqual({ sensitivity: 'personal', kind: 'email' });
    expect(s.tagAt('[7].email')).toEqual({ sensitivity: 'personal', kind: 'email' });
  });

  it('patternProperties apply to the named keys they match too', () => {
    const s = defineSchema({
      properties: { contactEmail: { type: 'string' }, id: { type: 'string', 'x-sensitivity': 'public' } },
      patternProperties: { Email$: { 'x-sensitivity': 'personal', 'x-kind': 'email' } },
    });
    expect(s.tagAt('contactEmail')).toEqual({ sensitivity: 'personal', kind: 'email' });
    expect(s.tagAt('id')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('workEmail')).toEqual({ sensitivity: 'personal', kind: 'email' });
    expect(thrown(() => defineSchema({ patternProperties: { '(': {} } })).issues).toEqual([
      { path: ['patternProperties', '('], message: 'patternProperties key "(" is not a valid regular expression' },
    ]);
  });

  it('propertyNames gives the keys their own tag (keyTag), separate from the values', () => {
    const s = defineSchema({
      type: 'object',
      properties: {
        counts: { type: 'object', propertyNames: { 'x-sensitivity': 'personal', 'x-kind': 'email' }, additionalProperties: { type: 'integer', 'x-sensitivity': 'public' } },
        plain: { type: 'object', propertyNames: { pattern: '^[a-z]+$' }, additionalProperties: { type: 'string' } },
        inherited: { 'x-sensitivity': 'special', propertyNames: { 'x-kind': 'email' } },
      },
    });
    const root = schemaRoot(s);
    expect(root.children.get('counts')!.keyTag).toEqual({ sensitivity: 'personal', kind: 'email' });
    expect(root.children.get('counts')!.any!.tag).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('counts.x')).toEqual({ sensitivity: 'public' });
    expect('keyTag' in root.children.get('plain')!).toBe(false);
    // A kind alone refines the tag of the object the keys belong to.
    expect(root.children.get('inherited')!.keyTag).toEqual({ sensitivity: 'special', kind: 'email' });
  });

  it('refuses a tag on a position inside propertyNames: keys are strings', () => {
    const e = thrown(() => defineSchema({ propertyNames: { properties: { a: { 'x-sensitivity': 'secret' } } } }));
    expect(e.issues).toEqual([
      { path: ['propertyNames', 'properties', 'a'], message: 'propertyNames describes keys, which are strings: the tag at /propertyNames/properties/a below its properties has no position' },
    ]);
  });
});

describe('keywords without a payload position', () => {
  it('refuses a tag under not, naming the keyword and its pointer', () => {
    const e = thrown(() => defineSchema({ properties: { a: { not: { properties: { b: { 'x-sensitivity': 'secret' } } } } } }));
    expect(e.code).toBe('ERR_INVALID_SCHEMA');
    expect(e.issues).toEqual([
      {
        path: ['properties', 'a', 'not'],
        message: 'not cannot carry a tag (one is at /properties/a/not/properties/b): it describes values that are refused, not a position of the payload',
      },
    ]);
    expect(defineSchema({ properties: { a: { not: { type: 'null' }, 'x-sensitivity': 'personal' } } }).tagAt('a')).toEqual(personal);
  });

  it('refuses a tag reached through a $ref under not', () => {
    const e = thrown(() => defineSchema({ $defs: { t: { 'x-sensitivity': 'personal' } }, not: { $ref: '#/$defs/t' } }));
    expect(e.issues).toEqual([
      { path: ['not'], message: 'not cannot carry a tag (one is at /$defs/t): it describes values that are refused, not a position of the payload' },
    ]);
  });

  it('refuses a tag under contentSchema', () => {
    const e = thrown(() =>
      defineSchema({ properties: { blob: { type: 'string', contentMediaType: 'application/json', contentSchema: { properties: { ssn: { 'x-sensitivity': 'special' } } } } } }),
    );
    expect(e.issues).toEqual([
      {
        path: ['properties', 'blob', 'contentSchema'],
        message:
          'contentSchema cannot carry a tag (one is at /properties/blob/contentSchema/properties/ssn): it describes the decoded content of a string, which fieldguard does not look into; tag the string itself',
      },
    ]);
  });

  it('refuses a tag inside a keyword fieldguard does not know, and ignores tag-like data in examples and defaults', () => {
    const e = thrown(() => defineSchema({ properties: { a: { extends: { properties: { b: { 'x-sensitivity': 'secret' } } } } } }));
    expect(e.issues).toEqual([
      {
        path: ['properties', 'a', 'extends'],
        message:
          'the keyword "extends" holds a tag (at /properties/a/extends/properties/b) where fieldguard knows no payload position; tags belong on schemas under properties, items, allOf/anyOf/oneOf and the other applicators',
      },
    ]);
    expect(thrown(() => defineSchema({ 'x-wrapper': { 'x-sensitivity': 'secret' } })).issues?.map((i) => i.path)).toEqual([['x-wrapper']]);
    const data = defineSchema({ properties: { a: { default: { sensitivity: 'x' }, examples: [{ 'x-sensitivity': 'y' }], enum: [{ sensitivity: 1 }], const: { sensitivity: 2 } } } });
    expect(data.fields()).toEqual([]);
  });
});

describe('references', () => {
  it('refuses a remote $ref clearly', () => {
    expect(thrown(() => defineSchema({ properties: { a: { $ref: 'https://example.com/schemas/address.json' } } })).issues).toEqual([
      {
        path: ['properties', 'a'],
        message:
          '$ref "https://example.com/schemas/address.json" points outside this document: fieldguard does not fetch schemas; put the schema under $defs (or pass the OpenAPI document as { document })',
      },
    ]);
    expect(thrown(() => defineSchema({ $ref: 'other.yaml#/components/schemas/A' })).message).toMatch(/points outside this document/);
  });

  it('resolves $ref to an embedded $id, with a fragment, and to $anchor', () => {
    const s = defineSchema({
      $defs: {
        addr: { $id: 'https://example.com/address', $defs: { city: { 'x-sensitivity': 'personal' } }, properties: { city: { $ref: '#/$defs/city' } } },
        mail: { $anchor: 'mail', 'x-sensitivity': 'personal', 'x-kind': 'email' },
      },
      properties: {
        home: { $ref: 'https://example.com/address' },
        city: { $ref: 'https://example.com/address#/$defs/city' },
        email: { $ref: '#mail' },
      },
    });
    // The $ref inside the embedded resource resolves against that resource, not the document root.
    expect(s.tagAt('home.city')).toEqual(personal);
    expect(s.tagAt('city')).toEqual(personal);
    expect(s.tagAt('email')).toEqual({ sensitivity: 'personal', kind: 'email' });
  });

  it('resolves $dynamicRef to every schema with that $dynamicAnchor', () => {
    const s = defineSchema({
      $defs: {
        tree: { $dynamicAnchor: 'node', type: 'object', properties: { children: { type: 'array', items: { $dynamicRef: '#node' } } } },
        tagged: { $dynamicAnchor: 'node', properties: { owner: { 'x-sensitivity': 'personal' } } },
      },
      $ref: '#/$defs/tree',
    });
    expect(s.tagAt('children[0].owner')).toEqual(personal);
    expect(s.tagAt('children[0].children[2].owner')).toEqual(personal);
  });

  it('resolves $recursiveRef (2019-09) to the recursive anchors', () => {
    const s = defineSchema({
      $recursiveAnchor: true,
      properties: { name: { 'x-sensitivity': 'personal' }, next: { $recursiveRef: '#' } },
    });
    expect(s.tagAt('next.next.name')).toEqual(personal);
  });

  it('keeps each path its own inherited tag and kind for one $ref reached from two paths', () => {
    const s = defineSchema({
      $defs: { addr: { type: 'object', properties: { street: { type: 'string' }, zip: { 'x-kind': 'postalCode' } } } },
      properties: {
        billing: { $ref: '#/$defs/addr', 'x-sensitivity': 'personal', 'x-kind': 'address' },
        shipping: { $ref: '#/$defs/addr', 'x-sensitivity': 'internal' },
      },
    });
    expect(s.tagAt('billing.street')).toEqual({ sensitivity: 'personal', kind: 'address' });
    expect(s.tagAt('billing.zip')).toEqual({ sensitivity: 'personal', kind: 'postalCode' });
    expect(s.tagAt('shipping.street')).toEqual({ sensitivity: 'internal' });
    expect(s.tagAt('shipping.zip')).toEqual({ sensitivity: 'internal', kind: 'postalCode' });
    expect(s.fields()).toEqual([
      { path: 'billing', tag: { sensitivity: 'personal', kind: 'address' } },
      { path: 'billing.street', tag: { sensitivity: 'personal', kind: 'address' } },
      { path: 'billing.zip', tag: { sensitivity: 'personal', kind: 'postalCode' } },
      { path: 'shipping', tag: { sensitivity: 'internal' } },
      { path: 'shipping.street', tag: { sensitivity: 'internal' } },
      { path: 'shipping.zip', tag: { sensitivity: 'internal', kind: 'postalCode' } },
    ]);
  });

  it('closes a recursive schema whose kind refines an inherited tag (it used to recurse without end)', () => {
    const s = defineSchema({
      'x-sensitivity': 'personal',
      $defs: { n: { 'x-kind': 'email', properties: { next: { $ref: '#/$defs/n' } } } },
      properties: { a: { $ref: '#/$defs/n' } },
    });
    expect(s.tagAt('a.next.next.next')).toEqual({ sensitivity: 'personal', kind: 'email' });
  });
});

describe('OpenAPI discriminator', () => {
  const doc = {
    openapi: '3.1.0',
    components: {
      schemas: {
        Pet: {
          type: 'object',
          properties: { petType: { type: 'string', 'x-sensitivity': 'public' }, name: { type: 'string', 'x-sensitivity': 'public' } },
          discriminator: { propertyName: 'petType', mapping: { dog: '#/components/schemas/Dog', bird: 'Bird' } },
        },
        Cat: { allOf: [{ $ref: '#/components/schemas/Pet' }, { properties: { ownerEmail: { 'x-sensitivity': 'personal', 'x-kind': 'email' } } }] },
        Dog: { allOf: [{ $ref: '#/components/schemas/Pet' }, { properties: { vetNotes: { 'x-sensitivity': 'special', 'x-kind': 'health' } } }] },
        Bird: { type: 'object', properties: { ring: { 'x-sensitivity': 'internal' } } },
        Order: { type: 'object', properties: { pet: { $ref: '#/components/schemas/Pet' }, cat: { $ref: '#/components/schemas/Cat' } } },
      },
    },
  };

  it('a position typed by the base schema carries the tags of every subtype: mapped, and implicit through allOf', () => {
    const s = defineSchema(doc.components.schemas.Order, { document: doc });
    expect(s.tagAt('pet.name')).toEqual({ sensitivity: 'public' });
    expect(s.tagAt('pet.vetNotes')).toEqual({ sensitivity: 'special', kind: 'health' });
    expect(s.tagAt('pet.ring')).toEqual({ sensitivity: 'internal' });
    expect(s.tagAt('pet.ownerEmail')).toEqual({ sensitivity: 'personal', kind: 'email' });
    // A subtype's position does not take its siblings' fields through the base it extends.
    expect(s.tagAt('cat.ownerEmail')).toEqual({ sensitivity: 'personal', kind: 'email' });
    expect(s.tagAt('cat.vetNotes')).toBeUndefined();
  });

  it('refuses a mapping that names no schema, and a malformed discriminator', () => {
    const bad = { openapi: '3.0.3', components: { schemas: { A: { discriminator: { propertyName: 't', mapping: { x: 'Missing' } } } } } };
    expect(thrown(() => defineSchema(bad.components.schemas.A, { document: bad })).issues).toEqual([
      { path: ['discriminator', 'mapping', 'x'], message: 'discriminator mapping "x": "Missing" does not resolve to a schema in this document' },
    ]);
    expect(thrown(() => defineSchema({ discriminator: { mapping: {} } })).issues).toEqual([
      { path: ['discriminator'], message: 'discriminator must be an object with a propertyName' },
    ]);
  });
});

describe('keyword shapes', () => {
  it.each([
    ['properties', [], 'properties must be an object of schemas'],
    ['dependentSchemas', 'card', 'dependentSchemas must be an object of schemas'],
    ['items', 3, 'items must be a schema or an array of schemas'],
    ['contains', [], 'contains must be a schema'],
    ['unevaluatedProperties', 'no', 'unevaluatedProperties must be a schema'],
    ['propertyNames', 1, 'propertyNames must be a schema'],
    ['not', null, 'not must be a schema'],
  ])('refuses a malformed %s rather than skipping it', (keyword, value, message) => {
    expect(thrown(() => defineSchema({ [keyword]: value })).issues).toEqual([{ path: [keyword], message }]);
  });

  it('refuses a $ref that is not a string, at the schema that holds it', () => {
    expect(thrown(() => defineSchema({ properties: { a: { $ref: 3 } } })).issues).toEqual([{ path: ['properties', 'a'], message: '$ref must be a string' }]);
  });
});
