// Precision and recall of a detector on the labeled corpus, per kind.
import { readFileSync } from 'node:fs';

export interface Labeled {
  readonly text: string;
  readonly pii: ReadonlyArray<{ kind: string; value: string }>;
}

export const corpus: Labeled[] = readFileSync(new URL('../fixtures/pii-corpus.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Labeled);

export interface Score {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

/** Scores findings given as (kind, text) pairs per line against the labels. */
export function score(find: (text: string) => Array<{ kind: string; value: string }>): { byKind: Record<string, Score>; misses: string[] } {
  const byKind: Record<string, Score> = {};
  const misses: string[] = [];
  const get = (k: string) => (byKind[k] ??= { tp: 0, fp: 0, fn: 0, precision: 1, recall: 1 });
  for (const line of corpus) {
    const found = find(line.text);
    const expected = [...line.pii];
    for (const f of found) {
      const i = expected.findIndex((e) => e.kind === f.kind && e.value === f.value);
      if (i >= 0) {
        get(f.kind).tp++;
        expected.splice(i, 1);
      } else {
        get(f.kind).fp++;
        misses.push(`FP ${f.kind} ${JSON.stringify(f.value)} in ${JSON.stringify(line.text.slice(0, 80))}`);
      }
    }
    for (const e of expected) {
      get(e.kind).fn++;
      misses.push(`FN ${e.kind} ${JSON.stringify(e.value)} in ${JSON.stringify(line.text.slice(0, 80))}`);
    }
  }
  for (const s of Object.values(byKind)) {
    s.precision = s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp);
    s.recall = s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn);
  }
  return { byKind, misses };
}
