// A multi-pattern search (Aho–Corasick, compiled to a DFA over the patterns' alphabet): one pass over the text, whatever the number of patterns.

/** A compiled set of ASCII patterns; `find` answers the id of the first one that occurs in a text, or -1. */
export interface Matcher {
  readonly size: number;
  find(text: string): number;
}

/**
 * Compiles patterns into a deterministic automaton. Characters that occur in no pattern send the
 * search back to the root without a table look-up, so ordinary text costs one array read per
 * character; the cost of a search does not grow with the number of patterns.
 */
export function compileMatcher(patterns: ReadonlyArray<readonly [pattern: string, id: number]>): Matcher {
  const alphabet = new Uint8Array(128);
  let width = 1; // index 0: any character that occurs in no pattern
  for (const [p] of patterns) {
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c >= 128) throw new RangeError('patterns are ASCII');
      if (alphabet[c] === 0) alphabet[c] = width++;
    }
  }
  // The trie, as rows of `width` next states (-1: none yet).
  const rows: Int32Array[] = [new Int32Array(width).fill(-1)];
  const out: number[] = [-1];
  for (const [p, id] of patterns) {
    if (p.length === 0) continue;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      const a = alphabet[p.charCodeAt(i)]!;
      let next = rows[s]![a]!;
      if (next === -1) {
        next = rows.length;
        rows.push(new Int32Array(width).fill(-1));
        out.push(-1);
        rows[s]![a] = next;
      }
      s = next;
    }
    if (out[s] === -1) out[s] = id;
  }
  // Breadth first: each state's missing transitions are its failure state's, and it inherits its failure state's match.
  const fail = new Int32Array(rows.length);
  const queue: number[] = [];
  const root = rows[0]!;
  for (let a = 0; a < width; a++) {
    if (root[a] === -1) root[a] = 0;
    else if (a !== 0) queue.push(root[a]!);
  }
  root[0] = 0;
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!;
    const row = rows[s]!;
    const f = fail[s]!;
    if (out[s] === -1) out[s] = out[f]!;
    row[0] = 0;
    for (let a = 1; a < width; a++) {
      const next = row[a]!;
      if (next === -1) row[a] = rows[f]![a]!;
      else {
        fail[next] = s === 0 ? 0 : rows[f]![a]!;
        queue.push(next);
      }
    }
  }
  const table = new Int32Array(rows.length * width);
  rows.forEach((row, s) => table.set(row, s * width));
  const ids = Int32Array.from(out);
  return {
    size: patterns.length,
    find(text: string): number {
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const a = c < 128 ? alphabet[c]! : 0;
        s = a === 0 ? 0 : table[s * width + a]!;
        if (ids[s] !== -1) return ids[s]!;
      }
      return -1;
    },
  };
}
