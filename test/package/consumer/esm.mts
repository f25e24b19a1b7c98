// A TypeScript consumer of the built package's ESM types (checked by tsc in the package test).
import { z } from 'zod';
import { compileScrub, defineSchema, tag, type FieldSchema, type Report } from 'fieldguard';
import { errorHandler, maskFields, scrubPII } from 'fieldguard/express';
import { createVault, keyRing, memoryStore } from 'fieldguard/vault';
import * as koa from 'fieldguard/koa';

const Order = z.object({ id: tag(z.string(), 'public'), email: tag(z.email(), 'personal', { kind: 'email' }) });
const typed: z.ZodObject<{ id: z.ZodString; email: z.ZodEmail }> = Order;
const schema: FieldSchema = defineSchema(typed);
const report: Report = compileScrub({ schema })({ id: '1' }).report;
export const handlers = [scrubPII({ schema }), maskFields({ schema, on: 'response' }), errorHandler(), koa.scrubPII({ schema }), report];
export const vault = createVault({ store: memoryStore(), keys: keyRing({ keys: { k1: 'x'.repeat(44) } }) });
import Fastify from 'fastify';
import * as ff from 'fieldguard/fastify';
import * as fw from 'fieldguard/web';

const app = Fastify();
void app.register(ff.fieldguard);
app.post('/vendor', { preHandler: ff.scrubPII({ schema }), config: { fieldguard: [ff.maskFields({ schema })] } }, async (request) => ff.reportOf(request));
export const POST: (request: Request) => Promise<Response> = fw.compose(fw.maskFields({ schema }), fw.scrubPII({ schema }))(async (request) => Response.json(await request.json()));
export const route: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response> = fw.maskFields({ schema })(async (_request: Request, context: { params: Promise<{ id: string }> }) => Response.json({ id: (await context.params).id }));

// What a destination receives, and the paths a typed report names, from the ESM declarations.
import { defineDestinations, type Outbound, type ReportPath } from 'fieldguard';
import { protect } from 'fieldguard/express';
const destinations = defineDestinations({ crm: { vendor: 'C', region: 'DE', lawfulBasis: 'contract', purpose: 'p', rules: { public: 'keep', personal: 'tokenize' } } }, { vault });
type ToCrm = Outbound<typeof destinations, 'crm', typeof Order>;
export const toCrm: ToCrm = { id: '1', email: 'tok_x' };
// @ts-expect-error a tokenized field is a string
export const notANumber: ToCrm = { id: '1', email: 1 };
export const path: ReportPath<typeof Order> = 'email';
// @ts-expect-error no such path in Order
export const noPath: ReportPath<typeof Order> = 'emial';
export const guarded = protect({ schema: defineSchema(Order), destinations, destination: 'crm', onReport: (r) => r.fields.map((f): ReportPath<typeof Order> => f.path) });
