// HashSet32: the window's distinct subject hashes, as a Set of unsigned 32-bit numbers would hold them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashSet32 } from '../../src/monitor/hll.js';

describe('HashSet32', () => {
  it('holds what a Set of the same hashes holds, for random hashes with repeats and zero', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.constantFrom(0, -1, 1, 2 ** 31, 64, 128)), { maxLength: 3000 }), (hashes) => {
        const s = new HashSet32();
        const reference = new Set<number>();
        for (const h of hashes) {
          s.add(h);
          reference.add(h >>> 0);
          expect(s.size).toBe(reference.size);
        }
        expect(s.unsigned().sort((a, b) => a - b)).toEqual([...reference].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});
