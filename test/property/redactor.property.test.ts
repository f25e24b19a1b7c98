// Properties of the log redactor: for random objects with secrets at tagged and untagged paths, none survives and the line is valid JSON.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/index.js';
import { orderSchema } from '../fixtures/order.js';

const secretArb = fc.constantFrom(
  'jane.doe@example.com',
  '4111 1111 1111 1111',
  '123-45-6789',
  'DE89370400440532013000',
  '+44 20 7946 0958',
  'AKIAIOSFODNN7EXAMPLE',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLWxvbmctZW5vdWdo',
);
const keyArb = fc.oneof(fc.constantFrom('note', 'data', 'x-y', 'with space', '__proto__', 'constructor', 'customer', 'email', '0'), fc.string({ maxLength: 6 }));

/** A random JSON-ish tree with secrets embedded in strings, as values of random keys, at random depths. */
const treeArb: fc.Arbitrary<unknown> = fc.letrec<{ t: unknown }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small' },
    secretArb,
    secretArb.map((s) => `prefix ${s} suffix`),
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.constant(null),
    fc.array(tie('t'), { maxLength: 4 }),
    fc.array(fc.tuple(keyArb, tie('t')), { maxLength: 4 }).map((entries) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  ),
})).t;

describe('the log redactor, for random objects', () => {
  const redact = redactor(orderSchema);
  it('writes valid JSON that holds none of the secrets', () => {
    fc.assert(
      fc.property(treeArb, (tree) => {
        const line = redact({ payload: tree, order: { customer: { email: 'jane.doe@example.com' } } });
        const parsed: unknown = JSON.parse(line);
        expect(parsed).toBeTypeOf('object');
        for (const s of ['jane.doe@example.com', '4111 1111 1111 1111', '123-45-6789', 'DE89370400440532013000', '7946 0958', 'AKIAIOSFODNN7EXAMPLE', 'eyJhbGciOiJIUzI1NiJ9']) {
          expect(line).not.toContain(s);
        }
        expect(line.includes('\n')).toBe(false);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
