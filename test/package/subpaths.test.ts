// The Fastify and Web subpaths of the built package, from ESM and CJS, typed in both, and run end to end through their exports.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Fastify compiles its serializers and validators with `new Function`, so only the Web run forbids code generation.
function node(args: string[], strict: boolean): string {
  return execFileSync(process.execPath, [...(strict ? ['--disallow-code-generation-from-strings'] : []), ...args], { cwd: root, encoding: 'utf8' });
}

const FASTIFY = ['default', 'detokenizeFields', 'errorHandler', 'fieldguard', 'loggerOptions', 'maskFields', 'protect', 'redactLogs', 'reportOf', 'requestLog', 'scrubPII', 'tokenizeFields'];
const WEB = ['compose', 'detokenizeFields', 'errorHandler', 'json', 'maskFields', 'middleware', 'protect', 'redactLogs', 'reportOf', 'requestLog', 'scrubPII', 'tokenizeFields'];

/** Masks one answer through fieldguard/web and, unless strict, one through fieldguard/fastify (inject: no socket), and prints what came out. */
const run = (kind: 'esm' | 'cjs', strict: boolean): string => `
${kind === 'esm'
  ? "import { defineSchema } from 'fieldguard'; import * as fw from 'fieldguard/web'; import * as ff from 'fieldguard/fastify'; import Fastify from 'fastify';"
  : "const { defineSchema } = require('fieldguard'); const fw = require('fieldguard/web'); const ff = require('fieldguard/fastify'); const Fastify = require('fastify');"}
const schema = defineSchema({ type: 'object', properties: { id: { 'x-sensitivity': 'public' }, email: { 'x-sensitivity': 'personal', 'x-kind': 'email' } } });
(async () => {
  const web = await fw.maskFields({ schema })(async () => Response.json({ id: '1', email: 'jane.doe@example.com' }))(new Request('http://x/o'));
  let fastify = 'not run';
  if (!${strict}) {
    const app = Fastify();
    await app.register(ff.fieldguard);
    app.get('/o', { config: { fieldguard: [ff.maskFields({ schema })] } }, async () => ({ id: '1', email: 'jane.doe@example.com' }));
    fastify = (await app.inject('/o')).body;
  }
  console.log(JSON.stringify({ web: await web.text(), fastify, keys: { fastify: Object.keys(ff).sort(), web: Object.keys(fw).sort() } }));
})();
`;

describe('fieldguard/fastify and fieldguard/web, built', () => {
  for (const kind of ['esm', 'cjs'] as const) {
    for (const strict of [true, false]) {
      it(`import from ${kind === 'esm' ? 'ESM' : 'CJS'} through the exports map and mask${strict ? ' (Web only, under --disallow-code-generation-from-strings)' : ' (Web and Fastify)'}`, () => {
        const script = run(kind, strict);
        const out = JSON.parse(node(kind === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script], strict));
        expect(out.web).toBe('{"id":"1","email":"j***@example.com"}');
        expect(out.fastify).toBe(strict ? 'not run' : '{"id":"1","email":"j***@example.com"}');
        expect(out.keys.fastify).toEqual(FASTIFY);
        expect(out.keys.web).toEqual(WEB);
        expect(JSON.stringify(out)).not.toContain('jane.doe');
      });
    }
  }
});
