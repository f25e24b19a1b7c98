// One decision procedure: for random schemas and policies, the plan's actionAt, fieldguard check's inventory and what a real vendor receives through protect agree.
import { createServer } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventory } from '../../src/cli/analyze.js';
import { defineDestinations, defineSchema, KINDS, SENSITIVITIES, type FieldSchema, type Kind, type Sensitivity } from '../../src/index.js';
import { protect } from '../../src/express/index.js';
import { destinationPlan } from '../../src/middleware/protect.js';
import { decisionAt } from '../../src/plan/api.js';
import { keyRing } from '../../src/vault/keys.js';
import { listen, startVendor, type Vendor } from '../helpers/vendor.js';
import { canaries, findLeaks } from './canaries.js';

type Action = 'keep' | 'drop' | 'mask' | 'hash' | 'encrypt';
const ACTIONS: readonly Action[] = ['keep', 'drop', 'mask', 'hash', 'encrypt'];
const FORM: Readonly<Record<Action, string>> = { keep: 'clear', drop: 'dropped', mask: 'masked', hash: 'hash', encrypt: 'ciphertext' };
const NAMES = ['email', 'Email', 'ssn', 'card', 'note', 'id'];

interface Leaf {
  readonly path: readonly string[];
  readonly sensitivity: Sensitivity;
  readonly kind: Kind | undefined;
}

const leafArb = fc.record({
  path: fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }),
  sensitivity: fc.constantFrom(...SENSITIVITIES),
  kind: fc.option(fc.constantFrom<Kind>(...KINDS), { nil: undefined }),
});

/** A schema of distinct leaves (no leaf is another's prefix), each tagged. */
function schemaOf(leaves: readonly Leaf[], caseInsensitive: boolean): FieldSchema {
  const root: Record<string, unknown> = { type: 'object', properties: {} };
  for (const leaf of leaves) {
    let node = root;
    leaf.path.forEach((key, i) => {
      const props = node['properties'] as Record<string, Record<string, unknown>>;
      if (i === leaf.path.length - 1) props[key] = { type: 'string', 'x-sensitivity': leaf.sensitivity, ...(leaf.kind ? { 'x-kind': leaf.kind } : {}) };
      else node = props[key] ??= { type: 'object', properties: {} };
    });
  }
  return defineSchema(root, { caseInsensitiveKeys: caseInsensitive });
}

/** Leaves whose paths fold to distinct names and are not prefixes of one another. */
function distinct(leaves: readonly Leaf[], fold: boolean): Leaf[] {
  const out: Leaf[] = [];
  const norm = (p: readonly string[]) => p.map((k) => (fold ? k.toLowerCase() : k));
  for (const l of leaves) {
    const p = norm(l.path).join('.');
    if (out.some((o) => { const q = norm(o.path).join('.'); return q === p || q.startsWith(`${p}.`) || p.startsWith(`${q}.`); })) continue;
    out.push(l);
  }
  return out;
}

let vendor: Vendor;
let gateway: { url: string; close(): Promise<void> };
let current: express.RequestHandler = (_req, res) => void res.sendStatus(500);
const keys = keyRing({ keys: { k1: Buffer.alloc(32, 9).toString('base64') } });

beforeAll(async () => {
  vendor = await startVendor();
  const { createProxyMiddleware, fixRequestBody } = await import('http-proxy-middleware');
  const app = express();
  app.post('/x', express.json(), (req, res, next) => current(req, res, next), createProxyMiddleware({ target: vendor.url, on: { proxyReq: fixRequestBody } }));
  gateway = await listen(createServer(app));
});
afterAll(async () => {
  await gateway.close();
  await vendor.close();
});

describe('one decision procedure', () => {
  it('actionAt, the inventory of fieldguard check and the body a vendor receives through protect agree, case-insensitive schemas included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(leafArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.dictionary(fc.constantFrom(...SENSITIVITIES), fc.constantFrom(...ACTIONS)),
        fc.option(fc.constantFrom<Kind>('email', 'ssn', 'cardNumber', 'name'), { nil: undefined }),
        fc.constantFrom(...ACTIONS),
        fc.boolean(),
        async (raw, fold, rules, kind, kindAction, pathRule) => {
          const leaves = distinct(raw, fold);
          const schema = schemaOf(leaves, fold);
          const first = leaves[0]!;
          const destinations = defineDestinations(
            {
              vendor: {
                vendor: 'V',
                region: 'DE',
                lawfulBasis: 'contract',
                purpose: 'p',
                rules,
                ...(kind === undefined ? {} : { kinds: { [kind]: kindAction } }),
                // A path rule spelled in another case than the schema: only a case-insensitive schema matches it.
                ...(pathRule ? { paths: { [first.path.map((k) => k.toUpperCase()).join('.')]: 'keep' as const } } : {}),
              },
            },
            { keys },
          );
          const plan = destinationPlan(destinations, 'vendor', schema);
          const listed = inventory(new Map([['S', schema]]), destinations, undefined)[0]!.fields;
          const c = canaries();
          const payload: Record<string, unknown> = {};
          for (const leaf of leaves) {
            let node = payload;
            // The sender spells keys in upper case where the schema folds case.
            const keysSent = leaf.path.map((k) => (fold ? k.toUpperCase() : k));
            keysSent.forEach((k, i) => {
              if (i === keysSent.length - 1) node[k] = `${c.email}#${leaf.path.join('.')}`;
              else node = (node[k] ??= {}) as Record<string, unknown>;
            });
          }
          current = protect({ schema, destinations, destination: 'vendor' });
          const before = vendor.received.length;
          const res = await fetch(`${gateway.url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
          expect(res.status).toBe(200);
          expect(vendor.received.length).toBe(before + 1);
          const got = JSON.parse(vendor.received.at(-1)!.body) as Record<string, unknown>;
          for (const leaf of leaves) {
            const path = leaf.path.join('.');
            const action = decisionAt(plan, path).action as Action;
            // A case-insensitive schema lists its keys folded.
            expect(listed.find((f) => f.path === (fold ? path.toLowerCase() : path))?.form, path).toBe(FORM[action]);
            let v: unknown = got;
            for (const k of leaf.path.map((k) => (fold ? k.toUpperCase() : k))) v = (v as Record<string, unknown> | undefined)?.[k];
            const sent = `${c.email}#${path}`;
            if (action === 'keep') expect(v, path).toBe(sent);
            else if (action === 'drop') expect(v, path).toBeUndefined();
            else {
              expect(typeof v, path).toBe('string');
              expect(v, path).not.toContain(c.email);
              if (action === 'hash') expect(v).toMatch(/^hmac_k1_/);
              if (action === 'encrypt') expect(v).toMatch(/^enc_k1_/);
            }
          }
          // Nothing the plan did not keep reaches the vendor in any encoding.
          if (!leaves.some((l) => decisionAt(plan, l.path.join('.')).action === 'keep')) {
            expect(findLeaks({ body: vendor.received.at(-1)!.body }, c)).toEqual([]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
