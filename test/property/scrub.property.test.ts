// Properties over random schemas and payloads: scrubbing lets through exactly the allowed leaves; masking hides card digits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMask, compileScrub, defineSchema, SENSITIVITIES, type Sensitivity } from '../../src/index.js';

type Shape =
  | { t: 'leaf'; tag: Sensitivity | undefined }
  | { t: 'object'; tag: Sensitivity | undefined; props: Record<string, Shape> }
  | { t: 'array'; tag: Sensitivity | undefined; items: Shape };

const KEYS = ['id', 'email', 'a.b', 'x-y', 'with space', '123', 'ünï', 'Name', 'name', '😀'];
const UNKNOWN_KEYS = ['__proto__', 'constructor', 'prototype', 'extra', 'a.b.c', 'toString', 'hasOwnProperty', ''];

const tagArb = fc.option(fc.constantFrom(...SENSITIVITIES), { nil: undefined, freq: 2 });

const shapeArb: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ t: fc.constant('leaf' as const), tag: tagArb }),
    fc.record({ t: fc.constant('object' as const), tag: tagArb, props: fc.dictionary(fc.constantFrom(...KEYS), tie('shape'), { maxKeys: 4 }) }),
    fc.record({ t: fc.constant('array' as const), tag: tagArb, items: tie('shape') }),
  ),
})).shape;

function toJsonSchema(s: Shape): Record<string, unknown> {
  const base: Record<string, unknown> = s.tag === undefined ? {} : { 'x-sensitivity': s.tag };
  if (s.t === 'object') {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.props)) props[k] = toJsonSchema(v);
    return { ...base, type: 'object', properties: props };
  }
  if (s.t === 'array') return { ...base, type: 'array', items: toJsonSchema(s.items) };
  return base;
}

interface Leaf {
  value: string;
  tag: Sensitivity | undefined;
}

/** Builds a payload for a shape, with unknown keys sprinkled in, and records every leaf with its effective tag. */
function payloadArb(shape: Shape): fc.Arbitrary<unknown> {
  const go = (s: Shape | undefined, depth: number): fc.Arbitrary<unknown> => {
    if (s === undefined || s.t === 'leaf' || depth > 6) return fc.constant('LEAF');
    if (s.t === 'array') return fc.array(go(s.items, depth + 1), { maxLength: 3 });
    const known = Object.entries(s.props).map(([k, v]) => fc.option(go(v, depth + 1), { nil: undefined }).map((x) => [k, x] as const));
    const unknown = fc.array(
      fc.tuple(fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.string({ maxLength: 5 })), fc.oneof(fc.constant('LEAF'), fc.constant({ inner: 'LEAF' }))),
      { maxLength: 2 },
    );
    return fc.tuple(fc.tuple(...known), unknown).map(([k, u]) => {
      const out: Record<string, unknown> = {};
      const set = (key: string, v: unknown) => Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      for (const [key, v] of k) if (v !== undefined) set(key, v);
      for (const [key, v] of u) if (!(key in s.props)) set(key, v);
      return out;
    });
  };
  return go(shape, 0);
}

/** Reference walk: gives each leaf a unique value and computes its effective tag the slow, obvious way. */
function label(payload: unknown, shape: Shape | undefined, inherited: Sensitivity | undefined, leaves: Leaf[]): unknown {
  const tag = shape?.tag ?? inherited;
  if (payload === 'LEAF') {
    const value = `canary-${leaves.length}-value`;
    leaves.push({ value, tag });
    return value;
  }
  if (Array.isArray(payload)) return payload.map((v) => label(v, shape?.t === 'array' ? shape.items : undefined, tag, leaves));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(payload as object)) {
    const child = shape?.t === 'object' && Object.prototype.hasOwnProperty.call(shape.props, key) ? shape.props[key] : undefined;
    // A key beside the ones an object's schema names is not described: untagged. Only where the schema
    // names no key does a key inherit the object's tag.
    const closed = shape?.t === 'object' && Object.keys(shape.props).length > 0;
    const v = label((payload as Record<string, unknown>)[key], child, child === undefined && closed ? undefined : tag, leaves);
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function leafValues(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) leafValues((v as Record<string, unknown>)[k], out);
  return out;
}

/** Whether every leaf of `sub` stands at the same path in `whole` (arrays compared as lists of kept items). */
function isSubStructure(sub: unknown, whole: unknown): boolean {
  if (typeof sub !== 'object' || sub === null) return sub === whole;
  if (Array.isArray(sub)) {
    if (!Array.isArray(whole)) return false;
    let j = 0;
    for (const item of sub) {
      while (j < whole.length && !isSubStructure(item, whole[j])) j++;
      if (j++ >= whole.length) return false;
    }
    return true;
  }
  if (typeof whole !== 'object' || whole === null || Array.isArray(whole)) return false;
  return Object.keys(sub).every(
    (k) => Object.prototype.hasOwnProperty.call(whole, k) && isSubStructure((sub as Record<string, unknown>)[k], (whole as Record<string, unknown>)[k]),
  );
}

const ALLOWED = new Set<Sensitivity | undefined>(['public', 'internal']);

describe('scrubbing, for random schemas and payloads', () => {
  it('lets through every allowed leaf and nothing else, as a sub-structure of an unchanged input', () => {
    fc.assert(
      fc.property(
        shapeArb.chain((shape) => fc.tuple(fc.constant(shape), payloadArb(shape))),
        ([shape, raw]) => {
          const leaves: Leaf[] = [];
          const input = label(raw, shape, undefined, leaves);
          const before = structuredClone(input);
          const schema = defineSchema(toJsonSchema(shape));
          const { value } = compileScrub({ schema })(input);
          const out = JSON.stringify(value) ?? '';
          for (const leaf of leaves) {
            if (ALLOWED.has(leaf.tag) && leaf.tag !== undefined) expect(out).toContain(`"${leaf.value}"`);
            else expect(out).not.toContain(`"${leaf.value}"`);
          }
          expect(value === undefined || isSubStructure(value, input)).toBe(true);
          expect(input).toEqual(before);
          expect(({} as Record<string, unknown>)['inner']).toBeUndefined();
          expect(leafValues(value).every((v) => leaves.some((l) => l.value === v))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('masking, for random card numbers', () => {
  const schema = defineSchema({ type: 'object', properties: { card: { 'x-sensitivity': 'secret', 'x-kind': 'cardNumber' } } });
  const mask = compileMask({ schema });
  it('never returns a digit of the card beyond the last four', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 19 }),
        fc.constantFrom('', ' ', '-'),
        fc.integer({ min: 2, max: 6 }),
        (digits, sep, group) => {
          const card = digits.map((d, i) => (i > 0 && i % group === 0 ? sep : '') + d).join('');
          const masked = (mask({ card }).value as { card: string }).card;
          expect(masked.replace(/\D/g, '')).toBe(digits.slice(-4).join(''));
          expect(masked.length).toBe(card.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
