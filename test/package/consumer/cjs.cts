// A TypeScript consumer of the built package's CJS types (checked by tsc in the package test).
import fieldguard = require('fieldguard');
import express = require('fieldguard/express');

const schema = fieldguard.defineSchema({ type: 'object', properties: { id: { 'x-sensitivity': 'public' } } });
export const handler = express.scrubPII({ schema, untagged: 'reject' });
import fastify = require('fieldguard/fastify');
import web = require('fieldguard/web');

export const hook = fastify.scrubPII({ schema });
export const guarded = web.scrubPII({ schema })(async (request: Request) => new Response(await request.text()));
