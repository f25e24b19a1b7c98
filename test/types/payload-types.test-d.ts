// Type tests: tag() carries the level, defineSchema keeps the zod type, and Scrubbed/Masked/Tokenized give the payload after a plan.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { compileMask, compileScrub, compileTokenize, defineSchema, tag, type FieldSchema, type Masked, type Scrubbed, type Tagged, type Tokenized } from '../../src/index.js';
import { MASKED_ORDER, Order, orderSchema, SCRUBBED_ORDER, sampleOrder } from '../fixtures/order.js';

describe('tag() and defineSchema', () => {
  it('tag() carries the level and kind and stays the schema it tagged', () => {
    const email = tag(z.string(), 'personal', { kind: 'email' });
    expectTypeOf(email).toEqualTypeOf<Tagged<z.ZodString, 'personal', 'email'>>();
    expectTypeOf(email).toMatchTypeOf<z.ZodString>();
    expectTypeOf<z.infer<typeof email>>().toEqualTypeOf<string>();
    expectTypeOf(tag(z.number(), 'public')).toEqualTypeOf<Tagged<z.ZodNumber, 'public', undefined>>();
  });

  it('defineSchema keeps the zod type, and a FieldSchema<Z> is still a FieldSchema', () => {
    expectTypeOf(orderSchema).toEqualTypeOf<FieldSchema<typeof Order>>();
    expectTypeOf(orderSchema).toMatchTypeOf<FieldSchema>();
    expectTypeOf(defineSchema({ type: 'object' })).toEqualTypeOf<FieldSchema<unknown>>();
    expectTypeOf(defineSchema(orderSchema)).toEqualTypeOf<FieldSchema<typeof Order>>();
  });
});

describe('Scrubbed', () => {
  type Vendor = Scrubbed<typeof Order, { sensitivity: ['public', 'internal'] }>;

  it('is what a vendor receives: personal fields absent, containers kept', () => {
    expectTypeOf<Vendor>().toEqualTypeOf<{
      id: string;
      status: string;
      total: number;
      customer: { id: string };
      payment?: {} | undefined;
      items: Array<{ sku: string; qty: number }>;
    }>();
  });

  it('describes what the walk returns: the scrubbed fixture fits it, and it names no personal field', () => {
    expectTypeOf(SCRUBBED_ORDER).toMatchTypeOf<Vendor>();
    expectTypeOf<Vendor>().not.toHaveProperty('diagnosis');
    expectTypeOf<Vendor['customer']>().not.toHaveProperty('email');
    expectTypeOf(MASKED_ORDER).toMatchTypeOf<Masked<typeof Order>>();
  });

  it('is the same from the FieldSchema, and the default allow is public and internal', () => {
    expectTypeOf<Scrubbed<typeof orderSchema>>().toEqualTypeOf<Vendor>();
  });

  it('follows atLeast-free selections, kinds and untagged', () => {
    expectTypeOf<Scrubbed<typeof Order, { sensitivity: 'public' }>['customer']>().toEqualTypeOf<{}>();
    expectTypeOf<Scrubbed<typeof Order, { sensitivity: ['public']; kinds: ['email'] }>['customer']>().toEqualTypeOf<{ email: string }>();
    const Loose = z.object({ id: tag(z.string(), 'public'), note: z.string() });
    expectTypeOf<Scrubbed<typeof Loose>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<Scrubbed<typeof Loose, { sensitivity: 'public' }, 'keep'>>().toEqualTypeOf<{ id: string; note: string }>();
  });

  it('makes a field optional where a path selection may keep or drop it', () => {
    expectTypeOf<Scrubbed<typeof Order, { sensitivity: ['public', 'internal']; paths: ['customer.email'] }>['customer']>().toEqualTypeOf<{
      id: string;
      email?: string;
      name?: string;
      phone?: string | undefined;
      ssn?: string | undefined;
    }>();
  });

  it('keeps a dropped container where something in it is kept, as the walk does', () => {
    const S = z.object({ ship: tag(z.object({ city: tag(z.string(), 'public'), street: z.string() }), 'personal'), gone: tag(z.object({ a: z.string() }), 'personal') });
    expectTypeOf<Scrubbed<typeof S>>().toEqualTypeOf<{ ship?: { city: string } }>();
  });

  it('sends no key of a record its tag (or no tag) would drop', () => {
    const S = z.object({ free: z.record(z.string(), tag(z.number(), 'public')), open: tag(z.record(z.string(), z.number()), 'public') });
    expectTypeOf<Scrubbed<typeof S>>().toEqualTypeOf<{ free: Record<string, never>; open: Record<string, number> }>();
  });

  it('makes a field tagged twice optional: its level is not known to the type', () => {
    const S = z.object({ id: tag(z.string(), 'public'), key: tag(tag(z.string(), 'secret'), 'public') });
    expectTypeOf<Scrubbed<typeof S>>().toEqualTypeOf<{ id: string; key?: string }>();
  });

  it('types what compileScrub, compileMask and compileTokenize return', () => {
    const vault = {} as import('../../src/vault/index.js').Vault;
    expectTypeOf(compileScrub({ schema: orderSchema })(sampleOrder()).value).toEqualTypeOf<Scrubbed<typeof Order>>();
    expectTypeOf(compileScrub({ schema: orderSchema, allow: { sensitivity: ['public'] } })({}).value).toEqualTypeOf<Scrubbed<typeof Order, { sensitivity: ['public'] }>>();
    expectTypeOf(compileMask({ schema: orderSchema })({}).value).toEqualTypeOf<Masked<typeof Order>>();
    expectTypeOf(compileMask({ schema: orderSchema })({}).value.customer.email).toEqualTypeOf<string>();
    expectTypeOf(compileTokenize({ schema: orderSchema, vault })({})).resolves.toHaveProperty('value').toEqualTypeOf<Tokenized<typeof Order>>();
    // A schema without a zod type, as before: the value is unknown.
    expectTypeOf(compileScrub({ schema: {} as FieldSchema })({}).value).toBeUnknown();
  });

  it('is unknown when the schema has no zod type', () => {
    expectTypeOf<Scrubbed<FieldSchema>>().toBeUnknown();
    expectTypeOf<Masked<FieldSchema>>().toBeUnknown();
  });
});

describe('Masked and Tokenized', () => {
  it('Masked: masked fields become string, the rest keeps its type', () => {
    const S = z.object({
      id: tag(z.string(), 'public'),
      age: tag(z.number(), 'personal'),
      total: tag(z.number(), 'internal'),
      geo: tag(z.object({ lat: z.number(), lon: z.number() }), 'personal', { kind: 'geo' }),
      tags: z.array(tag(z.number(), 'special')),
      free: z.number(),
    });
    expectTypeOf<Masked<typeof S>>().toEqualTypeOf<{ id: string; age: string; total: number; geo: { lat: string; lon: string }; tags: string[]; free: number }>();
    expectTypeOf<Masked<typeof S, { atLeast: 'special' }>['age']>().toEqualTypeOf<number>();
  });

  it('Tokenized: selected fields become string tokens, untagged fields are absent', () => {
    const S = z.object({ id: tag(z.string(), 'public'), score: tag(z.number(), 'personal').optional(), free: z.number() });
    expectTypeOf<Tokenized<typeof S>>().toEqualTypeOf<{ id: string; score?: string | undefined }>();
  });
});
