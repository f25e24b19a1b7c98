// A TypeScript consumer of the built package's CJS types (checked by tsc in the package test).
import fieldguard = require('fieldguard');
import express = require('fieldguard/express');

const schema = fieldguard.defineSchema({ type: 'object', properties: { id: { 'x-sensitivity': 'public' } } });
export const handler = express.scrubPII({ schema, untagged: 'reject' });
import fastify = require('fieldguard/fastify');
import web = require('fieldguard/web');

export const hook = fastify.scrubPII({ schema });
export const guarded = web.scrubPII({ schema })(async (request: Request) => new Response(await request.text()));

// What a destination receives, and the paths a typed report names, from the CJS declarations.
import zod = require('zod');
const Order = zod.z.object({ id: fieldguard.tag(zod.z.string(), 'public'), n: fieldguard.tag(zod.z.number(), 'public'), email: fieldguard.tag(zod.z.string(), 'personal') });
const destinations = fieldguard.defineDestinations({ crm: { vendor: 'C', region: 'DE', lawfulBasis: 'contract', purpose: 'p', rules: { public: 'keep' } } });
export const toCrm: fieldguard.Outbound<typeof destinations, 'crm', typeof Order> = { id: '1', n: 2 };
// @ts-expect-error crm drops the personal email
export const withEmail: fieldguard.Outbound<typeof destinations, 'crm', typeof Order> = { id: '1', n: 2, email: 'a@b.c' };
export const path: fieldguard.ReportPath<typeof Order> = 'email';
// @ts-expect-error no such path in Order
export const noPath: fieldguard.ReportPath<typeof Order> = 'emial';
