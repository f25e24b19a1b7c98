// The text entry writes exactly JSON.stringify of the value walk's result: same bytes, same report, same errors, for random schemas, plans and payloads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPlanText, compileMask, compilePlan, compileScrub, defineSchema, redactor, SENSITIVITIES, type Action, type Sensitivity, type UntaggedMode } from '../../src/index.js';
import { buildPlan } from '../../src/plan/compile.js';
import { applyCompiledText, numberText } from '../../src/plan/text.js';
import { applyPlan } from '../../src/plan/walk.js';
import { keyRing } from '../../src/vault/keys.js';

type Shape =
  | { t: 'leaf'; tag: Sensitivity | undefined; kind: string | undefined }
  | { t: 'object'; tag: Sensitivity | undefined; props: Record<string, Shape>; record: boolean }
  | { t: 'array'; tag: Sensitivity | undefined; items: Shape };

const KEYS = ['id', 'email', 'a.b', 'x-y', '123', '0', 'ünï', 'Name', 'name', '😀', '__proto__'];
const KINDS = ['email', 'phone', 'cardNumber', 'name', 'freeText', undefined] as const;
const tagArb = fc.option(fc.constantFrom(...SENSITIVITIES), { nil: undefined, freq: 2 });

const shapeArb: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ t: fc.constant('leaf' as const), tag: tagArb, kind: fc.constantFrom(...KINDS) }),
    fc.record({
      t: fc.constant('object' as const),
      tag: tagArb,
      props: fc.dictionary(fc.constantFrom(...KEYS.filter((k) => k !== '__proto__')), tie('shape'), { maxKeys: 4 }),
      record: fc.boolean(),
    }),
    fc.record({ t: fc.constant('array' as const), tag: tagArb, items: tie('shape') }),
  ),
})).shape;

function toJsonSchema(s: Shape): Record<string, unknown> {
  const base: Record<string, unknown> = s.tag === undefined ? {} : { 'x-sensitivity': s.tag };
  if (s.t === 'leaf') return { ...base, type: 'string', ...(s.kind !== undefined && s.tag !== undefined ? { 'x-kind': s.kind } : {}) };
  if (s.t === 'array') return { ...base, type: 'array', items: toJsonSchema(s.items) };
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.props)) props[k] = toJsonSchema(v);
  return { ...base, type: 'object', properties: props, ...(s.record ? { additionalProperties: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' } } : {}) };
}

/** Values JSON finds awkward: escapes, surrogates, numbers it writes as null, dates, toJSON, boxed and exotic values. */
const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('a"b', 'back\\slash', 'line\nbreak', '\u2028\u2029', '\ud800', 'x\udc00y', '😀', '\u0000', 'jane.doe@example.com', '4111 1111 1111 1111', 'call +49 30 1234567'),
  fc.double(),
  fc.constantFrom(0, -0, 1e21, 2 ** 60, -1.5e-7, Number.NaN, Number.POSITIVE_INFINITY, 1234567890123),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(new Date('2026-01-02T03:04:05.000Z')),
  fc.constant(new Date(Number.NaN)),
  fc.constant({ toJSON: (k: string) => `json-of-${k}` }),
  fc.constant({ toJSON: () => ({ nested: 'jane@example.com', n: 1 }) }),
  fc.constant({ toJSON: () => undefined }),
  fc.constant(Buffer.from('hi')),
  fc.constant(new Uint8Array([1, 2])),
  fc.constant(new Map([['a', 1]])),
  fc.constant(Object.assign(Object.create(null) as object, { z: 1 })),
  // eslint-disable-next-line no-new-wrappers
  fc.constant(new String('boxed')),
  fc.constant(() => 1),
  fc.bigInt({ min: -3n, max: 3n }),
  fc.constant(
    Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('unreadable');
      },
    }),
  ),
);

const keyArb = fc.oneof(
  fc.constantFrom(...KEYS, 'jane@example.com', 'john@example.com', 'extra', '10', '2', 'toString', ''),
  fc.string({ maxLength: 4 }),
);

/** A payload that follows the shape now and then, and strays from it (scalars for objects, objects for scalars, unknown keys). */
function payloadArb(shape: Shape | undefined, depth: number): fc.Arbitrary<unknown> {
  if (depth > 5) return leafArb;
  const stray = fc.oneof(leafArb, fc.array(leafArb, { maxLength: 3 }), fc.dictionary(keyArb, leafArb, { maxKeys: 3 }));
  if (shape === undefined || shape.t === 'leaf') return fc.oneof({ weight: 4, arbitrary: leafArb }, { weight: 1, arbitrary: stray });
  if (shape.t === 'array') return fc.oneof({ weight: 4, arbitrary: fc.array(payloadArb(shape.items, depth + 1), { maxLength: 3 }) }, { weight: 1, arbitrary: stray });
  const known = Object.entries(shape.props).map(([k, v]) => fc.option(payloadArb(v, depth + 1), { nil: undefined, freq: 4 }).map((x) => [k, x] as const));
  const obj = fc.tuple(fc.tuple(...known), fc.array(fc.tuple(keyArb, payloadArb(undefined, depth + 1)), { maxLength: 3 })).map(([k, u]) => {
    const out: Record<string, unknown> = {};
    const set = (key: string, v: unknown): void => void Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [key, v] of u) set(key, v);
    for (const [key, v] of k) if (v !== undefined) set(key, v);
    return out;
  });
  return fc.oneof({ weight: 4, arbitrary: obj }, { weight: 1, arbitrary: stray });
}

const ACTIONS: readonly Action[] = ['keep', 'drop', 'mask', 'hash', 'encrypt'];
const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });

/** What a call did, comparable: the error's class, code and message, or the text and report. */
function outcome(f: () => { text: string | undefined; report: unknown }): unknown {
  try {
    const r = f();
    // Field encryption draws a fresh IV each time: ciphertexts are compared by where they are.
    return { text: r.text?.replace(/enc_k1_[\w-]+/g, 'enc'), report: r.report };
  } catch (e) {
    return { error: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message };
  }
}

describe('applyPlanText', () => {
  it('writes byte for byte JSON.stringify of the value walk, with the same report and errors, for random schemas, rules and payloads', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), payloadArb(shape, 0))),
        fc.dictionary(fc.constantFrom(...SENSITIVITIES), fc.constantFrom(...ACTIONS)),
        fc.constantFrom<UntaggedMode>('drop', 'keep', 'scan', 'reject'),
        fc.boolean(),
        fc.boolean(),
        ([shape, payload], bySensitivity, untagged, customMask, exactNumbers) => {
          const schema = defineSchema(toJsonSchema(shape));
          const rules = Object.entries(bySensitivity).map(([s, action]) => ({ select: { sensitivity: s as Sensitivity }, action }));
          const plan = compilePlan({ schema, rules, untagged, keys, ...(customMask ? { formats: { kinds: { email: (v: unknown, c: { path: string }) => `E(${String(v).length})@${c.path}` } } } : {}) });
          const compiled = buildPlan({
            schema,
            rules,
            untagged,
            formats: undefined,
            maxDepth: 64,
            maxNodes: 1_000_000,
            keys,
            exactNumbers,
            scanText: (t: string) => t.replace(/[a-z.]+@example\.com/g, '[email]'),
            secretKey: (k: string) => k === 'toString',
          });
          const viaValue = (p: typeof plan) => () => {
            const r = p(payload);
            return { text: JSON.stringify(r.value), report: r.report };
          };
          expect(outcome(() => applyPlanText(plan, payload))).toEqual(outcome(viaValue(plan)));
          expect(outcome(() => applyCompiledText(compiled, payload))).toEqual(
            outcome(() => {
              const r = applyPlan(compiled, payload);
              return { text: JSON.stringify(r.value), report: r.report };
            }),
          );
          for (const p of [compileMask({ schema }), compileScrub({ schema }), compileMask({ schema, untagged: 'keep', formats: { kinds: { email: () => 'x' } } })]) {
            expect(outcome(() => applyPlanText(p, payload))).toEqual(outcome(viaValue(p)));
          }
        },
      ),
      { numRuns: Number(process.env.TEXT_RUNS ?? 600) },
    );
  });

  it('writes the log redactor line the value walk would, placeholders, cycles and Errors included', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), payloadArb(shape, 0))),
        fc.boolean(),
        ([shape, payload], cyclic) => {
          const schema = defineSchema(toJsonSchema(shape));
          const r = redactor(schema, { keys: ['toString'] });
          const wrap = cyclic && payload !== null && typeof payload === 'object';
          const value = wrap ? { payload, err: new Error('boom jane@example.com'), self: undefined as unknown } : payload;
          if (wrap) (value as { self: unknown }).self = value;
          expect(r(value)).toBe(JSON.stringify(r.copy(value)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('renames collide as in the value walk: masked keys get #2, a later key of the same name overwrites in place, integer keys come first', () => {
    const schema = defineSchema({ type: 'object', properties: { b: { type: 'string', 'x-sensitivity': 'public' } }, additionalProperties: { type: 'string' } });
    const scan = (t: string) => t.replace(/^[a-z]+@example\.com$/, 'b').replace(/^num-(\d+)$/, '$1');
    const compiled = buildPlan({ schema, rules: [{ select: { atLeast: 'public' }, action: 'keep' }], untagged: 'scan', formats: undefined, maxDepth: 64, maxNodes: 1000, scanText: scan });
    const payload = { x: undefined, 'jane@example.com': 'one', 'john@example.com': 'two', 'num-7': 'n', b: 'named', f: () => 1, 'ann@example.com': undefined, 'num-3': 'm' };
    const expected = JSON.stringify(applyPlan(compiled, payload).value);
    expect(applyCompiledText(compiled, payload).text).toBe(expected);
    expect(expected).toBe('{"3":"m","7":"n","b":"named","b #2":"two"}');
  });

  it('refuses a plan with vault actions and a function that is not a plan', () => {
    expect(() => applyPlanText((() => 1) as never, {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });

  it('never mutates the input and reads each getter once', () => {
    const schema = defineSchema({ type: 'object', properties: { email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' }, inner: { type: 'object', properties: { id: { type: 'string', 'x-sensitivity': 'public' } } } } });
    let reads = 0;
    const inner = Object.freeze({ id: 'i-1', extra: 'jane@example.com' });
    const payload = Object.freeze(
      Object.defineProperty({ inner }, 'email', {
        enumerable: true,
        get() {
          reads++;
          return 'jane@example.com';
        },
      }),
    );
    const before = JSON.stringify(payload);
    reads = 0;
    const { text } = applyPlanText(compileMask({ schema }), payload);
    expect(reads).toBe(1);
    expect(text).toBe('{"inner":{"id":"i-1","extra":"j***@example.com"},"email":"j***@example.com"}');
    expect(text).not.toContain('jane@');
    expect(JSON.stringify(payload)).toBe(before);
  });

  it('writes numbers as JSON.stringify does, two-decimal amounts through their hundredths included', () => {
    const cents = fc.integer({ min: -8e15, max: 8e15 }).map((n) => n / 100);
    const near = fc.constantFrom(7e13, 7e13 + 0.01, 7.0368744177664e13, 2 ** 46 - 0.01, 2 ** 46 + 0.25, 6.99999999999999e13, 1e21, 1e-7, 5e-324);
    const anyDouble = fc.double({ noNaN: false });
    fc.assert(
      fc.property(fc.oneof(cents, anyDouble, near, fc.integer(), fc.integer({ min: -100000, max: 100000 }).map((n) => n / 10)), (x) => {
        expect(numberText(x)).toBe(JSON.stringify(x));
        expect(numberText(-x)).toBe(JSON.stringify(-x));
      }),
      { numRuns: 20000 },
    );
    for (let n = 0; n <= 200000; n++) if (numberText(n / 100) !== String(n / 100)) expect(numberText(n / 100)).toBe(String(n / 100));
    for (let n = 7e15 - 100000; n <= 7e15; n++) if (numberText(n / 100) !== String(n / 100)) expect(numberText(n / 100)).toBe(String(n / 100));
    // Amounts sharing a slot of the recent texts, written in turn.
    for (let r = 0; r < 3; r++) for (const n of [999, 999 + 256, -999, 999 + 512, 10199]) expect(numberText(n / 100)).toBe(String(n / 100));
    for (const x of [0, -0, 0.01, -0.01, 0.1, 0.3, 0.1 + 0.2, 9.99, 101.99, 1.005, 123456789.12, NaN, Infinity, -Infinity]) expect(numberText(x)).toBe(JSON.stringify(x));
  });
});
