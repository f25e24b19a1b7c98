// Leak hunt, schema side: a tag carried by any JSON Schema keyword or zod construct reaches the plan, so fresh canaries planted under it never leave.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileMask, compileScrub, defineSchema, tag, type FieldSchema } from '../../src/index.js';
import { thrown } from '../helpers/thrown.js';
import { canaries, findLeaks, type Canaries } from './canaries.js';

// Each case: a schema whose sensitive positions are reached only through one construct, and a payload
// that plants canaries there beside a public `id`. Untagged fields are kept, so only the tag can drop them.
type Case = readonly [name: string, schema: () => FieldSchema, payload: (c: Canaries) => unknown];

const json = (s: object) => () => defineSchema({ type: 'object', properties: { id: { type: 'string', 'x-sensitivity': 'public' } }, ...s });

const CASES: readonly Case[] = [
  ['dependentSchemas', json({ dependentSchemas: { id: { properties: { email: { 'x-sensitivity': 'personal', 'x-kind': 'email' } } } } }), (c) => ({ id: '1', email: c.email })],
  ['dependencies', json({ dependencies: { id: { properties: { card: { 'x-sensitivity': 'secret', 'x-kind': 'cardNumber' } } } } }), (c) => ({ id: '1', card: c.card })],
  ['unevaluatedProperties', json({ unevaluatedProperties: { 'x-sensitivity': 'personal' } }), (c) => ({ id: '1', [`k${c.phone.length}`]: c.phone, other: c.name })],
  ['if/then/else', json({ if: { properties: { ssn: { 'x-sensitivity': 'special', 'x-kind': 'ssn' } } }, then: {}, else: { properties: { iban: { 'x-sensitivity': 'secret' } } } }), (c) => ({ id: '1', ssn: c.ssn, iban: c.iban })],
  ['contains', json({ properties: { id: { 'x-sensitivity': 'public' }, list: { type: 'array', prefixItems: [{}], contains: { 'x-sensitivity': 'secret' } } } }), (c) => ({ id: '1', list: [c.jwt, c.apiKey] })],
  ['unevaluatedItems', json({ properties: { id: { 'x-sensitivity': 'public' }, list: { type: 'array', prefixItems: [{ 'x-sensitivity': 'public' }], unevaluatedItems: { 'x-sensitivity': 'special' } } } }), (c) => ({ id: '1', list: ['ok', c.health] })],
  ['patternProperties on a named key', json({ properties: { id: { 'x-sensitivity': 'public' }, workEmail: { type: 'string' } }, patternProperties: { Email$: { 'x-sensitivity': 'personal' } } }), (c) => ({ id: '1', workEmail: c.email })],
  ['$dynamicRef', json({ $defs: { n: { $dynamicAnchor: 'n', properties: { next: { $dynamicRef: '#n' } } }, m: { $dynamicAnchor: 'n', properties: { ssn: { 'x-sensitivity': 'special' } } } }, properties: { id: { 'x-sensitivity': 'public' }, tree: { $ref: '#/$defs/n' } } }), (c) => ({ id: '1', tree: { next: { ssn: c.ssn } } })],
  [
    'an OpenAPI discriminator subtype',
    () => {
      const doc = {
        openapi: '3.0.3',
        components: {
          schemas: {
            Pet: { type: 'object', properties: { id: { 'x-sensitivity': 'public' } }, discriminator: { propertyName: 'kind' } },
            Cat: { allOf: [{ $ref: '#/components/schemas/Pet' }, { properties: { owner: { 'x-sensitivity': 'personal', 'x-kind': 'email' } } }] },
          },
        },
      };
      return defineSchema(doc.components.schemas.Pet, { document: doc });
    },
    (c) => ({ id: '1', kind: 'Cat', owner: c.email }),
  ],
  [
    'one zod instance tagged twice',
    () => {
      const Str = z.string();
      return defineSchema(z.object({ id: tag(Str, 'public'), password: tag(Str, 'secret', { kind: 'credential' }) }));
    },
    (c) => ({ id: '1', password: c.apiKey }),
  ],
  [
    'one zod object reached from two paths',
    () => {
      const Contact = z.object({ value: z.string() });
      return defineSchema(z.object({ id: tag(z.string(), 'public'), public: tag(Contact, 'public'), private: tag(Contact, 'personal', { kind: 'email' }) }));
    },
    (c) => ({ id: '1', public: { value: 'hello' }, private: { value: c.email } }),
  ],
  [
    'one $ref reached from two paths',
    json({ $defs: { c: { properties: { value: {} } } }, properties: { id: { 'x-sensitivity': 'public' }, a: { $ref: '#/$defs/c', 'x-sensitivity': 'public' }, b: { $ref: '#/$defs/c', 'x-sensitivity': 'secret' } } }),
    (c) => ({ id: '1', a: { value: 'hello' }, b: { value: c.iban } }),
  ],
  ['a tag refined by .min() after tagging', () => defineSchema(z.object({ id: tag(z.string(), 'public'), email: tag(z.string(), 'personal', { kind: 'email' }).min(3) })), (c) => ({ id: '1', email: c.email })],
  ['a tag under .optional().nullable()', () => defineSchema(z.object({ id: tag(z.string(), 'public'), ssn: tag(z.string(), 'special').optional().nullable() })), (c) => ({ id: '1', ssn: c.ssn })],
];

describe('schema constructs carry their tags into the plan', () => {
  it.each(CASES)('%s: scrubbing with untagged fields kept still drops every canary', (_name, schema, payload) => {
    const c = canaries();
    const { value } = compileScrub({ schema: schema(), untagged: 'keep' })(payload(c));
    expect(findLeaks({ body: JSON.stringify(value) }, c)).toEqual([]);
    expect((value as { id?: unknown }).id).toBe('1');
  });

  it.each(CASES)('%s: masking with untagged fields kept leaves no canary whole', (_name, schema, payload) => {
    const c = canaries();
    const { value } = compileMask({ schema: schema(), untagged: 'keep' })(payload(c));
    expect(findLeaks({ body: JSON.stringify(value) }, c)).toEqual([]);
  });
});

describe('constructs that cannot carry a tag are refused, never compiled without it', () => {
  it.each([
    ['not', { properties: { a: { not: { 'x-sensitivity': 'secret' } } } }],
    ['contentSchema', { properties: { a: { type: 'string', contentSchema: { properties: { ssn: { 'x-sensitivity': 'special' } } } } } }],
    ['an unknown keyword', { properties: { a: { 'x-nested': { 'x-sensitivity': 'secret' } } } }],
    ['a remote $ref', { properties: { a: { $ref: 'https://example.com/pii.json' } } }],
  ])('%s', (_name, schema) => {
    expect(thrown(() => defineSchema(schema)).code).toBe('ERR_INVALID_SCHEMA');
  });

  it('a zod Map, Set or pipe output holding a tag', () => {
    for (const s of [z.map(z.string(), tag(z.string(), 'secret')), z.set(tag(z.string(), 'secret')), z.string().pipe(tag(z.string(), 'secret'))]) {
      expect(thrown(() => defineSchema(z.object({ a: s }))).code).toBe('ERR_INVALID_SCHEMA');
    }
  });

  it('a record whose keys are tagged (propertyNames) sends no tagged key: scrubbed away, masked, never kept as they were', () => {
    const c = canaries();
    for (const counts of [z.record(tag(z.string(), 'personal', { kind: 'email' }), tag(z.number(), 'public')), tag(z.record(tag(z.string(), 'personal', { kind: 'email' }), z.number()), 'public')]) {
      const schema = defineSchema(z.object({ counts }));
      const input = { counts: { [c.email]: 3 } };
      expect(compileScrub({ schema })(input).value).toEqual({ counts: {} });
      const masked = compileMask({ schema })(input).value as { counts: Record<string, number> };
      expect(Object.values(masked.counts)).toEqual([3]);
      expect(findLeaks({ scrub: JSON.stringify(compileScrub({ schema, untagged: 'keep' })(input).value), mask: JSON.stringify(masked) }, c)).toEqual([]);
    }
  });
});
