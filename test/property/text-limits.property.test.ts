// The text entry against the value entry + JSON.stringify where the text walk takes shortcuts: kept leaves the schema names, limits, exotic objects.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineSchema, type UntaggedMode } from '../../src/index.js';
import { buildPlan, type CompiledPlan } from '../../src/plan/compile.js';
import { applyCompiledText } from '../../src/plan/text.js';
import { applyPlan } from '../../src/plan/walk.js';

/** A schema whose objects name keys that are kept, masked and dropped next to each other, at several levels and in arrays. */
const schema = defineSchema({
  type: 'object',
  properties: {
    id: { type: 'string', 'x-sensitivity': 'public' },
    n: { type: 'number', 'x-sensitivity': 'public' },
    email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' },
    ssn: { type: 'string', 'x-sensitivity': 'special', 'x-kind': 'ssn' },
    'x"y': { type: 'string', 'x-sensitivity': 'internal' },
    inner: {
      type: 'object',
      properties: {
        id: { type: 'string', 'x-sensitivity': 'internal' },
        note: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'freeText' },
        list: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string', 'x-sensitivity': 'public' }, qty: { type: 'number', 'x-sensitivity': 'public' }, card: { type: 'string', 'x-sensitivity': 'secret', 'x-kind': 'cardNumber' } } } },
      },
    },
    tags: { type: 'array', items: { type: 'string', 'x-sensitivity': 'public' } },
    blob: { type: 'object', 'x-sensitivity': 'public' },
  },
});
const KEYS = ['id', 'n', 'email', 'ssn', '__proto__', 'x"y', 'inner', 'note', 'list', 'sku', 'qty', 'card', 'tags', 'blob', '0', '10', 'extra', 'jane@example.com', ''];

class Thing {
  id = 'thing';
  email = 'jane@example.com';
}
const proto = { email: 'inherited@example.com' };

/** Leaves and objects JSON and the walk find awkward, getters and prototypes included. */
const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('a"b', 'back\\slash', 'tab\there', '\u2028', '\ud800', 'x\udc00y', '😀', '\u0000', 'jane@example.com', '123-45-6789', 'x'.repeat(40) + '"'),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 60, 1e21, 5e-324),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.bigInt({ min: -2n, max: 2n }),
  fc.constant(new Date('2026-01-02T03:04:05.000Z')),
  fc.constant({ toJSON: (k: string) => `toJSON of ${k}` }),
  fc.constant(Object.assign([1, 2], { toJSON: () => 'array toJSON' })),
  fc.constant(new Thing()),
  fc.constant(Object.create(proto) as object),
  fc.constant(Object.assign(Object.create(null) as object, { id: 'null-proto', email: 'jane@example.com' })),
  // eslint-disable-next-line no-sparse-arrays
  fc.constant([1, , 3]),
  fc.constant(new Array(3)),
);

function payloadArb(depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return leafArb;
  const entries = fc.array(fc.tuple(fc.constantFrom(...KEYS), payloadArb(depth + 1)), { maxLength: 6 });
  const obj = entries.map((es) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of es) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });
  return fc.oneof({ weight: 3, arbitrary: leafArb }, { weight: 3, arbitrary: obj }, { weight: 1, arbitrary: fc.array(payloadArb(depth + 1), { maxLength: 4 }) });
}

/** Wraps some entries of a payload in getters that count their reads (not `toJSON`, which both walks look up as JSON.stringify would, before calling it). */
function withGetters(value: unknown, every: number, reads: Map<string, number>, path = ''): unknown {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  Object.keys(value).forEach((k, i) => {
    const v = withGetters((value as Record<string, unknown>)[k], every, reads, `${path}/${k}`);
    if (i % every === 0 && k !== 'toJSON') {
      const id = `${path}/${k}`;
      Object.defineProperty(out, k, {
        enumerable: true,
        configurable: true,
        get() {
          reads.set(id, (reads.get(id) ?? 0) + 1);
          return v;
        },
      });
    } else Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  });
  return out;
}

function outcome(f: () => { text: string | undefined; report: unknown }): unknown {
  try {
    const r = f();
    return { text: r.text, report: r.report };
  } catch (e) {
    return { error: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message };
  }
}

function plan(untagged: UntaggedMode, maxDepth: number, maxNodes: number, exactNumbers: boolean, action: 'mask' | 'drop'): CompiledPlan {
  return buildPlan({
    schema,
    rules: [
      { select: { atLeast: 'personal' }, action },
      { select: { atLeast: 'public' }, action: 'keep' },
    ],
    untagged,
    formats: undefined,
    maxDepth,
    maxNodes,
    exactNumbers,
    scanText: (t: string) => t.replace(/[a-z.]+@example\.com/g, '[email]'),
  });
}

describe('applyPlanText where it takes shortcuts', () => {
  it('writes what the value walk + JSON.stringify writes, with the same report, limits and errors, getters read once', () => {
    fc.assert(
      fc.property(
        payloadArb(0),
        fc.constantFrom<UntaggedMode>('drop', 'keep', 'scan', 'reject'),
        fc.constantFrom('mask' as const, 'drop' as const),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        (payload, untagged, action, maxDepth, maxNodes, exactNumbers, every) => {
          for (const limits of [[maxDepth, maxNodes], [64, 1_000_000]] as const) {
            const p = plan(untagged, limits[0], limits[1], exactNumbers, action);
            const textReads = new Map<string, number>();
            const valueReads = new Map<string, number>();
            const viaText = outcome(() => applyCompiledText(p, withGetters(payload, every, textReads)));
            const viaValue = outcome(() => {
              const r = applyPlan(p, withGetters(payload, every, valueReads));
              return { text: JSON.stringify(r.value), report: r.report };
            });
            expect(viaText).toEqual(viaValue);
            expect(textReads).toEqual(valueReads);
            for (const n of textReads.values()) expect(n).toBe(1);
          }
        },
      ),
      { numRuns: Number(process.env.TEXT_RUNS ?? 500) },
    );
  });

  it('trips the node limit at the same value, a kept leaf the schema names included, and fails closed with its code', () => {
    const payload = { id: 'a', n: 1, email: 'jane@example.com', inner: { id: 'b', note: 'call me', list: [{ sku: 's', qty: 2, card: '4111 1111 1111 1111' }] }, tags: ['t'] };
    for (let maxNodes = 1; maxNodes <= 14; maxNodes++) {
      const p = plan('drop', 64, maxNodes, false, 'mask');
      const viaText = outcome(() => applyCompiledText(p, payload));
      const viaValue = outcome(() => {
        const r = applyPlan(p, payload);
        return { text: JSON.stringify(r.value), report: r.report };
      });
      expect(viaText).toEqual(viaValue);
      if (maxNodes < 13) expect(viaText).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE' });
    }
  });

  it('refuses nesting past the depth limit and cycles with ERR_PAYLOAD_TOO_DEEP, as the value walk does', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = { blob: deep, id: 'x' };
    const cyclic: Record<string, unknown> = { id: 'c', inner: { id: 'i' } };
    (cyclic['inner'] as Record<string, unknown>)['list'] = [cyclic];
    const blobCycle: Record<string, unknown> = { id: 'b' };
    blobCycle['blob'] = { self: blobCycle };
    for (const payload of [deep, cyclic, blobCycle]) {
      const p = plan('keep', 64, 1_000_000, false, 'mask');
      expect(outcome(() => applyCompiledText(p, payload))).toMatchObject({ code: 'ERR_PAYLOAD_TOO_DEEP' });
      expect(outcome(() => applyCompiledText(p, payload))).toEqual(outcome(() => ({ text: '', report: applyPlan(p, payload).report })));
    }
  });

  it('writes kept leaves the schema names exactly as JSON does: escapes, long strings, -0, NaN, Infinity, 2^60', () => {
    const p = plan('drop', 64, 1_000_000, false, 'mask');
    const payload = { id: 'say "hi"\n', n: -0, 'x"y': '\ud83d\ude00 and \udc00', inner: { id: 'y'.repeat(100) + '\\', list: [{ sku: '\u2028', qty: Number.NaN }, { qty: Number.POSITIVE_INFINITY }, { qty: 2 ** 60 }] }, __proto__x: 1 };
    const text = applyCompiledText(p, payload).text;
    expect(text).toBe(JSON.stringify(applyPlan(p, payload).value));
    expect(text).toBe(
      `{"id":"say \\"hi\\"\\n","n":0,"x\\"y":"😀 and \\udc00","inner":{"id":"${'y'.repeat(100)}\\\\","list":[{"sku":"\u2028","qty":null},{"qty":null},{"qty":1152921504606847000}]}}`,
    );
  });

  it('closes a kept string before whatever follows it: another key, a renamed key, a dropped or omitted entry, a nested object, the brace', () => {
    const p = plan('scan', 64, 1_000_000, false, 'mask');
    const payloads = [
      { id: 'a', n: 1 },
      { n: 1, id: 'a' },
      { id: 'a', 'jane@example.com': 'renamed key', 'x"y': 'b' },
      { id: 'a', email: 'jane@example.com', 'x"y': 'b', ssn: undefined },
      { id: 'a', 'x"y': undefined, inner: { id: 'b', note: 'n' }, tags: ['t'] },
      { id: 'a', 'x"y': 'say "hi"', inner: { id: 'b' } },
      { id: 'a', extra: 'call jane@example.com', 10: 'ten' },
    ];
    // A key that names a credential, renamed by the detectors: its entry is held by name from there on.
    const secret = buildPlan({ schema, rules: [{ select: { atLeast: 'public' }, action: 'keep' }], untagged: 'scan', formats: undefined, maxDepth: 64, maxNodes: 1000, scanText: (t: string) => t.replace(/[a-z.]+@example\.com/g, '[email]'), secretKey: (k: string) => k.includes('@') });
    for (const q of [p, secret]) for (const payload of payloads) expect(applyCompiledText(q, payload).text).toBe(JSON.stringify(applyPlan(q, payload).value));
    expect(applyCompiledText(p, payloads[2]!).text).toBe('{"id":"a","[email]":"renamed key","x\\"y":"b"}');
    expect(applyCompiledText(secret, payloads[2]!).text).toBe('{"id":"a","[email]":"[REDACTED]","x\\"y":"b"}');
  });

  it('refuses an unsafe kept number under exactNumbers where the shortcut would have written it', () => {
    const p = plan('drop', 64, 1_000_000, true, 'mask');
    expect(outcome(() => applyCompiledText(p, { n: 2 ** 60 }))).toMatchObject({ code: 'ERR_UNSAFE_NUMBER' });
    expect(outcome(() => applyCompiledText(p, { n: Number.NaN }))).toMatchObject({ code: 'ERR_UNSAFE_NUMBER' });
  });
});
