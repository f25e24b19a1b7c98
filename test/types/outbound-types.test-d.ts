// Type tests: Outbound gives what a destination receives under its policy, and reports of a typed schema name only its paths.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  compileMask,
  compileScrub,
  defineDestinations,
  defineSchema,
  tag,
  type DestinationDeclaration,
  type Destinations,
  type FieldSchema,
  type Outbound,
  type Report,
  type ReportField,
  type ReportPath,
  type Scrubbed,
} from '../../src/index.js';
import { protect as expressProtect, scrubPII as expressScrub } from '../../src/express/index.js';
import { maskFields as koaMask, protect as koaProtect } from '../../src/koa/index.js';
import { protect as fastifyProtect, tokenizeFields as fastifyTokenize } from '../../src/fastify/index.js';
import { detokenizeFields as webDetokenize, protect as webProtect } from '../../src/web/index.js';
import { guardFetch } from '../../src/fetch/index.js';
import type { Vault } from '../../src/vault/index.js';
import { Order, orderSchema } from '../fixtures/order.js';

const vault = {} as Vault;
const base = { vendor: 'V', region: 'DE', lawfulBasis: 'contract', purpose: 'p' } as const;
const destinations = defineDestinations(
  {
    crm: { ...base, rules: { public: 'keep', internal: 'keep', personal: 'tokenize' }, kinds: { name: 'drop' } },
    analytics: { ...base, rules: { public: 'keep', internal: 'hash' }, kinds: { ipAddress: 'generalize' } },
    archive: { ...base, rules: { public: 'keep', personal: 'keep' }, untagged: 'keep' },
    audit: { ...base, rules: { public: 'keep' }, paths: { 'customer.email': 'mask' } },
  },
  { vault },
);

describe('Outbound', () => {
  type ToCrm = Outbound<typeof destinations, 'crm', typeof Order>;

  it('is what crm receives: personal fields tokenized, names and everything above personal absent', () => {
    expectTypeOf<ToCrm>().toEqualTypeOf<{
      id: string;
      status: string;
      total: number;
      customer: { id: string; email: string; phone?: string | undefined };
      payment?: { iban?: string | undefined } | undefined;
      items: Array<{ sku: string; qty: number; note?: string | undefined }>;
      shipTo?: { street: string; city: string; postalCode: string } | undefined;
      ip?: string | undefined;
    }>();
  });

  it('drops what the policy drops: no name (by kind), no ssn, no diagnosis, no card', () => {
    expectTypeOf<ToCrm['customer']>().not.toHaveProperty('name');
    expectTypeOf<ToCrm['customer']>().not.toHaveProperty('ssn');
    expectTypeOf<ToCrm>().not.toHaveProperty('diagnosis');
    expectTypeOf<NonNullable<ToCrm['payment']>>().not.toHaveProperty('card');
  });

  it('keeps a public number a number and makes a tokenized field a string', () => {
    expectTypeOf<ToCrm['total']>().toEqualTypeOf<number>();
    expectTypeOf<ToCrm['items'][number]['qty']>().toEqualTypeOf<number>();
    expectTypeOf<ToCrm['customer']['email']>().toEqualTypeOf<string>();
    const Scores = z.object({ id: tag(z.string(), 'public'), score: tag(z.number(), 'personal') });
    expectTypeOf<Outbound<typeof destinations, 'crm', typeof Scores>>().toEqualTypeOf<{ id: string; score: string }>();
  });

  it('is the same from the FieldSchema', () => {
    expectTypeOf<Outbound<typeof destinations, 'crm', typeof orderSchema>>().toEqualTypeOf<ToCrm>();
  });

  it('hashes to a string; generalize may drop, keep or rewrite a field', () => {
    type ToAnalytics = Outbound<typeof destinations, 'analytics', typeof Order>;
    expectTypeOf<ToAnalytics['status']>().toEqualTypeOf<string>();
    expectTypeOf<ToAnalytics['customer']>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<ToAnalytics['ip']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ToAnalytics>().not.toHaveProperty('diagnosis');
    const Geo = z.object({ at: tag(z.number(), 'personal', { kind: 'ipAddress' }) });
    expectTypeOf<Outbound<typeof destinations, 'analytics', typeof Geo>>().toEqualTypeOf<{ at?: string | number }>();
  });

  it('follows untagged, and a policy with paths makes their action possible', () => {
    const Loose = z.object({ id: tag(z.string(), 'public'), note: z.string() });
    expectTypeOf<Outbound<typeof destinations, 'crm', typeof Loose>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<Outbound<typeof destinations, 'archive', typeof Loose>>().toEqualTypeOf<{ id: string; note: string }>();
    type ToAudit = Outbound<typeof destinations, 'audit', typeof Order>;
    expectTypeOf<ToAudit['customer']>().toEqualTypeOf<{ email?: string; name?: string; phone?: string | undefined; ssn?: string | undefined; id?: string }>();
    expectTypeOf<Outbound<typeof destinations, 'audit', typeof Loose>>().toEqualTypeOf<{ id: string; note?: string }>();
  });

  it('names only declared destinations', () => {
    // @ts-expect-error crn is not declared
    type Typo = Outbound<typeof destinations, 'crn', typeof Order>;
    expectTypeOf<Typo>().not.toBeNever();
  });

  it('is unknown where the registry or the schema is not known to the type', () => {
    const untyped: Destinations = destinations;
    const decls: Record<string, DestinationDeclaration> = { crm: { ...base, rules: { public: 'keep' } } };
    const wide = defineDestinations(decls);
    expectTypeOf<Outbound<typeof untyped, 'crm', typeof Order>>().toBeUnknown();
    expectTypeOf<Outbound<typeof wide, 'anything', typeof Order>>().toBeUnknown();
    expectTypeOf<Outbound<typeof destinations, 'crm', FieldSchema>>().toBeUnknown();
  });
});

describe('report paths', () => {
  it('are the schema paths in the report syntax', () => {
    const S = z.object({
      id: tag(z.string(), 'public'),
      items: z.array(z.object({ sku: z.string() })),
      attrs: z.record(z.string(), z.string()),
      pair: z.tuple([z.string(), z.number()]),
      'we.ird': z.string().optional(),
    });
    expectTypeOf<ReportPath<typeof S>>().toEqualTypeOf<
      '' | '*' | 'id' | 'items' | 'items[*]' | 'items[*].*' | 'items[*].sku' | 'attrs' | 'attrs.*' | 'pair' | `pair[${number}]` | 'pair[0]' | 'pair[1]' | '["we.ird"]'
    >();
    expectTypeOf<ReportPath<typeof orderSchema>>().toEqualTypeOf<ReportPath<typeof Order>>();
  });

  it('type what compileScrub and compileMask report, and reject a path the schema does not have', () => {
    const { report } = compileScrub({ schema: orderSchema })({});
    expectTypeOf(report).toEqualTypeOf<Report<ReportPath<typeof Order>>>();
    expectTypeOf<'customer.email'>().toMatchTypeOf<ReportField<ReportPath<typeof Order>>['path']>();
    expectTypeOf<'items[*].sku'>().toMatchTypeOf<ReportField<ReportPath<typeof Order>>['path']>();
    expectTypeOf<'customer.emial'>().not.toMatchTypeOf<ReportField<ReportPath<typeof Order>>['path']>();
    // @ts-expect-error no such path in Order
    report.fields.filter((f) => f.path === 'customer.emial');
    expectTypeOf(compileMask({ schema: orderSchema })({}).report.fields[0]!.path).toEqualTypeOf<ReportPath<typeof Order>>();
    // A report of a typed schema is still a Report.
    expectTypeOf(report).toMatchTypeOf<Report>();
  });

  it('are string for an untyped schema, as before', () => {
    expectTypeOf<ReportPath<FieldSchema>>().toEqualTypeOf<string>();
    const { report } = compileScrub({ schema: defineSchema({ type: 'object' }) })({});
    expectTypeOf(report).toEqualTypeOf<Report>();
    expectTypeOf(report.fields[0]!.path).toEqualTypeOf<string>();
    expectTypeOf<Report['fields'][number]['path']>().toEqualTypeOf<string>();
    report.fields.filter((f) => f.path === 'any.path.at.all');
  });

  it('allow any path below a recursive schema past ten levels', () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const N: z.ZodType<Node> = z.lazy(() => z.object({ name: tag(z.string(), 'public'), children: z.array(N) }));
    // A schema typed as ZodType<…> has no definition the type can read: its only paths are its own.
    expectTypeOf<ReportPath<typeof N>>().toMatchTypeOf<string>();
    const Tree = z.object({
      name: tag(z.string(), 'public'),
      get children() {
        return z.array(Tree);
      },
    });
    expectTypeOf<'children[*].children[*].name'>().toMatchTypeOf<ReportPath<typeof Tree>>();
  });
});

describe('protect, typed', () => {
  it("hands onReport the schema's paths and refuses a destination the registry does not declare", () => {
    expressProtect({
      schema: orderSchema,
      destinations,
      destination: 'crm',
      onReport: (r) => expectTypeOf(r.fields[0]!.path).toEqualTypeOf<ReportPath<typeof Order>>(),
    });
    koaProtect({ schema: orderSchema, destinations, destination: 'analytics', onReport: (r) => expectTypeOf(r).toEqualTypeOf<Report<ReportPath<typeof Order>>>() });
    fastifyProtect({ schema: orderSchema, destinations, destination: 'crm', onReport: (r) => expectTypeOf(r).toEqualTypeOf<Report<ReportPath<typeof Order>>>() });
    webProtect({ schema: orderSchema, destinations, destination: 'crm', onReport: (r) => expectTypeOf(r).toEqualTypeOf<Report<ReportPath<typeof Order>>>() });
    // @ts-expect-error crn is not declared
    expressProtect({ schema: orderSchema, destinations, destination: 'crn' });
  });

  it('takes untyped schemas and registries as before: string paths, any name', () => {
    const untyped: Destinations = destinations;
    const schema: FieldSchema = orderSchema;
    expressProtect({ schema, destinations: untyped, destination: 'whatever', onReport: (r) => expectTypeOf(r).toEqualTypeOf<Report>() });
    const legacy = (r: Report): void => void r.fields.length;
    expressProtect({ schema: orderSchema, destinations, destination: 'crm', onReport: legacy });
  });

  it('guardFetch takes a declared registry', () => {
    guardFetch({ destinations, schemaFor: () => orderSchema });
  });
});

describe('Scrubbed with paths', () => {
  it('a listed path may keep an untagged field, as the walk does', () => {
    const Loose = z.object({ id: tag(z.string(), 'public'), note: z.string() });
    expectTypeOf<Scrubbed<typeof Loose, { sensitivity: ['public']; paths: ['note'] }>>().toEqualTypeOf<{ id: string; note?: string }>();
  });
});

describe('the other middlewares, typed', () => {
  it("hand onReport the schema's paths", () => {
    type Typed = Report<ReportPath<typeof Order>>;
    expressScrub({ schema: orderSchema, onReport: (r) => expectTypeOf(r).toEqualTypeOf<Typed>() });
    koaMask({ schema: orderSchema, onReport: (r) => expectTypeOf(r).toEqualTypeOf<Typed>() });
    fastifyTokenize({ schema: orderSchema, vault, onReport: (r) => expectTypeOf(r).toEqualTypeOf<Typed>() });
    webDetokenize({ schema: orderSchema, vault, purpose: 'p', authorize: () => true, onReport: (r) => expectTypeOf(r).toEqualTypeOf<Typed>() });
    expressScrub({
      schema: orderSchema,
      // @ts-expect-error no such path in Order
      onReport: (r) => r.fields.some((f) => f.path === 'customer.emial'),
    });
  });

  it('take an untyped schema as before: string paths', () => {
    const schema: FieldSchema = orderSchema;
    expressScrub({ schema, onReport: (r) => expectTypeOf(r).toEqualTypeOf<Report>() });
    koaMask({ schema: defineSchema({ type: 'object' }), onReport: (r) => expectTypeOf(r.fields[0]!.path).toEqualTypeOf<string>() });
  });
});
