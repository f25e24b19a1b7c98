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
  // The trie, as rows of `width` next states (-1: none yet) in one growing table: no array per state.
  let table = new Int32Array(Math.max(64, patterns.reduce((n, [p]) => n + p.length, 1)) * width).fill(-1);
  let states = 1;
  const out: number[] = [-1];
  for (const [p, id] of patterns) {
    if (p.length === 0) continue;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      const a = alphabet[p.charCodeAt(i)]!;
      let next = table[s * width + a]!;
      if (next === -1) {
        next = states++;
        if (states * width > table.length) {
          const grown = new Int32Array(table.length * 2).fill(-1);
          grown.set(table);
          table = grown;
        }
        out.push(-1);
        table[s * width + a] = next;
      }
      s = next;
    }
    if (out[s] === -1) out[s] = id;
  }
  table = table.slice(0, states * width);
  // Breadth first: each state's missing transitions are its failure state's, and it inherits its failure state's match.
  const fail = new Int32Array(states);
  const queue = new Int32Array(states);
  let tail = 0;
  for (let a = 0; a < width; a++) {
    if (table[a] === -1) table[a] = 0;
    else if (a !== 0) queue[tail++] = table[a]!;
  }
  table[0] = 0;
  for (let q = 0; q < tail; q++) {
    const s = queue[q]!;
    const row = s * width;
    const f = fail[s]!;
    if (out[s] === -1) out[s] = out[f]!;
    table[row] = 0;
    for (let a = 1; a < width; a++) {
      const next = table[row + a]!;
      if (next === -1) table[row + a] = table[f * width + a]!;
      else {
        fail[next] = s === 0 ? 0 : table[f * width + a]!;
        queue[tail++] = next;
      }
    }
  }
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
