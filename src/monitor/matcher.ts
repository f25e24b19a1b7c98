// A multi-pattern search (a skip search over four-character grams, then a hash and a compare): reads a fraction of the text, whatever the number of patterns.

/** A compiled set of patterns; `find` answers the id of a pattern that occurs in a text (the earliest-starting one found), or -1. */
export interface Matcher {
  readonly size: number;
  /** The length of the shortest pattern: a text shorter than this holds none (Infinity without patterns). */
  readonly shortest: number;
  find(text: string): number;
}

/** One pattern: its text, the id `find` answers, and whether it matches in any ASCII letter case. */
export type Pattern = readonly [pattern: string, id: number, folded?: boolean];

// ASCII letters fold to lower case in the hash, so case-sensitive and case-insensitive patterns share one rolling hash.
const FOLD = Uint16Array.from({ length: 128 }, (_, c) => (c >= 65 && c <= 90 ? c + 32 : c));
const fold = (c: number): number => (c < 128 ? FOLD[c]! : c);
const BASE = 0x01000193;
/** Anchors longer than this buy nothing: sixteen characters already make a chance hit rare. */
const MAX_ANCHOR = 16;

function foldedEquals(text: string, at: number, pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) if (fold(text.charCodeAt(at + i)) !== pattern.charCodeAt(i)) return false;
  return true;
}

/** Characters read per step of the skip search. */
const GRAM = 4;
const gramAt = (text: string, end: number): number => {
  let g = 0;
  for (let k = end - GRAM + 1; k <= end; k++) g = (Math.imul(g, 31) + fold(text.charCodeAt(k))) | 0;
  return g;
};

/**
 * Compiles patterns into one search. Every pattern is found by its first `L` characters, its anchor
 * (`L` the shortest pattern's length, at most 16). The search looks at the text's windows of `L`
 * characters end to end, reading only the last four characters of a window: when those four occur
 * in no anchor, no anchor can overlap them and the search moves on by as much as the table of shifts
 * allows (up to `L - 3` characters), so ordinary text costs a fraction of a read per character.
 * A window whose last four could end an anchor is hashed whole and compared only with the patterns
 * of that hash. The shift table grows with the patterns up to 1 MiB, then stops growing.
 */
export function compileMatcher(patterns: readonly Pattern[]): Matcher {
  const list: Array<{ text: string; id: number; folded: boolean }> = [];
  for (const [p, id, folded = false] of patterns) {
    if (p.length === 0) continue;
    // Case folding is ASCII's: a pattern that matches in any case is ASCII; an exact one may be any text.
    if (folded) for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) >= 128) throw new RangeError('patterns that match in any case are ASCII');
    list.push({ text: folded ? p.toLowerCase() : p, id, folded });
  }
  const size = patterns.length;
  if (list.length === 0) return { size, shortest: Number.POSITIVE_INFINITY, find: () => -1 };
  const shortest = list.reduce((n, p) => Math.min(n, p.text.length), Number.POSITIVE_INFINITY);
  const L = Math.min(MAX_ANCHOR, shortest);
  const hashOf = (s: string, from: number): number => {
    let h = 0;
    for (let i = from; i < from + L; i++) h = (Math.imul(h, BASE) + fold(s.charCodeAt(i))) | 0;
    return h;
  };
  const byHash = new Map<number, Array<{ text: string; id: number; folded: boolean }>>();
  for (const p of list) {
    const h = hashOf(p.text, 0);
    const same = byHash.get(h);
    if (same === undefined) byHash.set(h, [p]);
    else same.push(p);
  }
  if (L < GRAM) return { size, shortest, find: (text) => scanAll(text, L, hashOf, byHash) };
  // The shift table: for a gram (hashed into `bits` bits) how far the window's end may move without passing the end of an anchor.
  const most = L - GRAM + 1;
  const bits = Math.min(20, Math.max(12, Math.ceil(Math.log2(list.length * most * 16))));
  const slot = (g: number): number => Math.imul(g, 0x9e3779b1) >>> (32 - bits);
  const shift = new Uint8Array(1 << bits).fill(most);
  for (const p of list) {
    for (let end = GRAM - 1; end < L; end++) {
      const k = slot(gramAt(p.text, end));
      const s = L - 1 - end;
      if (s < shift[k]!) shift[k] = s;
    }
  }
  return {
    size,
    shortest,
    find(text: string): number {
      const n = text.length;
      let end = L - 1;
      while (end < n) {
        const s = shift[slot(gramAt(text, end))]!;
        if (s !== 0) {
          end += s;
          continue;
        }
        const start = end - L + 1;
        const same = byHash.get(hashOf(text, start));
        if (same !== undefined) {
          for (const p of same) {
            if (start + p.text.length > n) continue;
            if (p.folded ? foldedEquals(text, start, p.text) : text.startsWith(p.text, start)) return p.id;
          }
        }
        end++;
      }
      return -1;
    },
  };
}

/** Patterns shorter than a gram: every window hashed. */
function scanAll(text: string, L: number, hashOf: (s: string, from: number) => number, byHash: Map<number, Array<{ text: string; id: number; folded: boolean }>>): number {
  for (let start = 0; start + L <= text.length; start++) {
    const same = byHash.get(hashOf(text, start));
    if (same === undefined) continue;
    for (const p of same) {
      if (start + p.text.length > text.length) continue;
      if (p.folded ? foldedEquals(text, start, p.text) : text.startsWith(p.text, start)) return p.id;
    }
  }
  return -1;
}
