// Overlapping findings resolved by insertion sort and one sweep: the same findings, in the same order, as the sort-and-closure version it replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolve } from '../../src/detect/detect.js';
import { FINDING_KINDS, type Finding, type FindingKind } from '../../src/detect/finding.js';

const PRIORITY: Readonly<Record<FindingKind, number>> = {
  privateKey: 6, urlCredentials: 5, jwt: 5, awsAccessKey: 5, apiKey: 4, cardNumber: 3, iban: 3, email: 2, ssn: 2, phone: 1, ipAddress: 0,
};

// The former implementation, kept here as the reference.
function reference(found: Finding[]): Finding[] {
  if (found.length <= 1) return found;
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Finding[] = [];
  let first = 0;
  let end = found[0]!.end;
  const flush = (from: number, to: number, clusterEnd: number): void => {
    if (to - from === 1) {
      kept.push(found[from]!);
      return;
    }
    const start = found[from]!.start;
    let best: Finding | undefined;
    let top: FindingKind = found[from]!.kind;
    for (let i = from; i < to; i++) {
      const f = found[i]!;
      if (PRIORITY[f.kind] > PRIORITY[top]) top = f.kind;
      if (f.start === start && f.end === clusterEnd && (best === undefined || PRIORITY[f.kind] > PRIORITY[best.kind])) best = f;
    }
    kept.push(best ?? { kind: top, start, end: clusterEnd });
  };
  for (let i = 1; i < found.length; i++) {
    const f = found[i]!;
    if (f.start < end) {
      if (f.end > end) end = f.end;
      continue;
    }
    flush(first, i, end);
    first = i;
    end = f.end;
  }
  flush(first, found.length, end);
  return kept;
}

const finding = fc
  .record({ kind: fc.constantFrom(...FINDING_KINDS), start: fc.nat({ max: 60 }), length: fc.integer({ min: 1, max: 20 }) })
  .map(({ kind, start, length }) => ({ kind, start, end: start + length }));

describe('resolve', () => {
  it('keeps the findings the sort-and-closure version kept, as the same objects, in the same order', () => {
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 40 }), (found) => {
        const a = found.map((f) => ({ ...f }));
        const b = a.slice();
        const got = resolve(a);
        const want = reference(b);
        expect(got).toEqual(want);
        // Objects that stand for themselves are the very findings passed in, as before.
        got.forEach((f, i) => expect(a.includes(f)).toBe(b.includes(want[i]!)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('orders findings that start together longest first, and equal ones as they came', () => {
    const x: Finding = { kind: 'phone', start: 0, end: 5 };
    const y: Finding = { kind: 'ssn', start: 0, end: 5 };
    expect(resolve([x, y])).toEqual([{ kind: 'ssn', start: 0, end: 5 }]);
    expect(resolve([{ kind: 'email', start: 9, end: 12 }, { kind: 'phone', start: 0, end: 5 }])).toEqual([{ kind: 'phone', start: 0, end: 5 }, { kind: 'email', start: 9, end: 12 }]);
  });
});
