// The labelled corpus: built independently of the detectors, at least as many hard negatives as values, and a held-out half reproducible from its seed.
import { describe, expect, it } from 'vitest';
import { FINDING_KINDS, detect, redactText } from '../../src/index.js';
// @ts-expect-error plain ES module without types
import { generate, SEEDS } from '../corpus/generate.mjs';
// @ts-expect-error plain ES module without types
import { load, score } from '../corpus/score.mjs';

interface Line {
  text: string;
  pii: Array<{ kind: string; start: number; end: number; value: string }>;
}

const heldOut = load('held-out') as Line[];

describe('the held-out corpus', () => {
  it('is what the generator writes for its seed, and differs from the development half', () => {
    const regenerated = generate(SEEDS.heldOut, 100) as Line[];
    expect(regenerated).toEqual(heldOut);
    const dev = generate(SEEDS.dev, 100) as Line[];
    const devTexts = new Set(dev.map((l) => l.text));
    expect(heldOut.filter((l) => l.pii.length > 0 && devTexts.has(l.text)).length).toBeLessThan(5);
  });

  it('labels spans exactly, has values of every kind and at least as many entity-free lines as lines with values', () => {
    for (const line of heldOut) for (const p of line.pii) expect(line.text.slice(p.start, p.end)).toBe(p.value);
    for (const kind of FINDING_KINDS) expect(heldOut.filter((l) => l.pii.some((p) => p.kind === kind)).length).toBeGreaterThanOrEqual(80);
    const free = heldOut.filter((l) => l.pii.length === 0).length;
    expect(free).toBeGreaterThanOrEqual(heldOut.length - free);
  });

  it('is detected with recall and precision of at least 0.97 for every kind, no partial leaks, at most 2% of entity-free lines altered', () => {
    const result = score(heldOut, (t: string) => detect(t), (t: string) => redactText(t)) as {
      kinds: Record<string, { recall: number; precision: number; partial: number }>;
      alteredShare: number;
    };
    const figures = FINDING_KINDS.map((kind) => {
      const s = result.kinds[kind]!;
      return { kind, recall: s.recall >= 0.97, precision: s.precision >= 0.97, partial: s.partial };
    });
    expect(figures).toEqual(FINDING_KINDS.map((kind) => ({ kind, recall: true, precision: true, partial: 0 })));
    expect(result.alteredShare).toBeLessThanOrEqual(0.02);
  });
});
