// Selections ({ sensitivity, atLeast, kinds, paths }) and the matcher that follows selected paths through a payload.
import { rank, type FieldTag, type Kind, type Sensitivity } from '../schema/tags.js';
import { parsePath, type Segment } from '../schema/path.js';

/**
 * Which fields a rule applies to. A field matches when any criterion matches (OR):
 * its sensitivity is listed, is at least `atLeast`, its kind is listed, or its path is listed.
 */
export interface Selection {
  /** Levels to select, e.g. `['public', 'internal']`. */
  readonly sensitivity?: Sensitivity | readonly Sensitivity[];
  /** Select every level from this one up, e.g. `'personal'` selects personal, special and secret. */
  readonly atLeast?: Sensitivity;
  /** Kinds to select, e.g. `['email', 'cardNumber']`. */
  readonly kinds?: readonly Kind[];
  /**
   * Paths in pino's `redact` syntax (`customer.email`, `items[*].note`, `**.password`). A path
   * selects the whole value found there, tagged or not.
   */
  readonly paths?: readonly string[];
}

/** A selection compiled to a predicate over tags; paths are compiled into the {@link PathMatcher}. */
export type TagTest = (tag: FieldTag) => boolean;

/** Compiles the tag criteria of a selection. Returns `undefined` when it names no tag criterion. */
export function compileTagTest(select: Selection): TagTest | undefined {
  const levels = select.sensitivity === undefined ? undefined : new Set<Sensitivity>(([] as Sensitivity[]).concat(select.sensitivity));
  const min = select.atLeast === undefined ? undefined : rank(select.atLeast);
  const kinds = select.kinds === undefined ? undefined : new Set<Kind>(select.kinds);
  if (levels === undefined && min === undefined && kinds === undefined) return undefined;
  return (tag) =>
    (levels !== undefined && levels.has(tag.sensitivity)) ||
    (min !== undefined && rank(tag.sensitivity) >= min) ||
    (kinds !== undefined && tag.kind !== undefined && kinds.has(tag.kind));
}

/** A state of the path automaton: where a payload position stands in every listed path. */
export interface MatchState {
  readonly key: string;
  readonly nodes: readonly PathNode[];
  /** Memoized transitions by key (keys named by a path), and for every other key. */
  readonly next: Map<string, MatchState>;
  other: MatchState | undefined;
  /** Ids of the paths that end here, computed once. */
  ended: readonly number[] | undefined;
}

/** One node of the automaton built from all listed paths. */
interface PathNode {
  readonly id: number;
  readonly lit: Map<string, PathNode>;
  any: PathNode | undefined;
  /** The `**` node reached from here without consuming a key. */
  deep: PathNode | undefined;
  /** Whether this node is a `**` that may consume any number of keys. */
  readonly loop: boolean;
  /** Tags (rule indices, format ids) of the paths that end here. */
  readonly ends: number[];
}

/**
 * Follows many pino-syntax paths at once through a payload, as a small automaton. Each path is
 * registered with a number (a rule index, a format index); `ends(state)` says which paths end at
 * a position.
 */
export class PathMatcher {
  readonly #root: PathNode;
  #count = 0;
  readonly #states = new Map<string, MatchState>();
  readonly #fold: (k: string) => string;
  /** The state with no path alive. */
  readonly empty: MatchState;

  constructor(fold: boolean) {
    this.#fold = fold ? (k) => k.toLowerCase() : (k) => k;
    this.#root = this.#node(false);
    this.empty = this.#intern([]);
  }

  #node(loop: boolean): PathNode {
    return { id: this.#count++, lit: new Map(), any: undefined, deep: undefined, loop, ends: [] };
  }

  /** Registers a path; `id` is reported by {@link PathMatcher.ends} where it ends. */
  add(path: string, id: number): void {
    let node = this.#root;
    for (const seg of parsePath(path) as Segment[]) {
      if ('key' in seg) {
        const k = this.#fold(seg.key);
        let next = node.lit.get(k);
        if (next === undefined) node.lit.set(k, (next = this.#node(false)));
        node = next;
      } else if ('any' in seg) {
        node = node.any ??= this.#node(false);
      } else {
        node = node.deep ??= this.#node(true);
      }
    }
    node.ends.push(id);
  }

  /** The state at the root of a payload. */
  start(): MatchState {
    return this.#intern(this.#closure([this.#root]));
  }

  #closure(nodes: PathNode[]): PathNode[] {
    const out = new Set<PathNode>();
    const add = (n: PathNode): void => {
      if (out.has(n)) return;
      out.add(n);
      if (n.deep !== undefined) add(n.deep);
    };
    for (const n of nodes) add(n);
    return [...out];
  }

  #intern(nodes: PathNode[]): MatchState {
    const sorted = [...nodes].sort((a, b) => a.id - b.id);
    const key = sorted.map((n) => n.id).join(',');
    let state = this.#states.get(key);
    if (state === undefined) this.#states.set(key, (state = { key, nodes: sorted, next: new Map(), other: undefined, ended: undefined }));
    return state;
  }

  /** The state after stepping into key `key`, or into any key not named by a path when `key` is undefined. */
  step(state: MatchState, key: string | undefined): MatchState {
    if (state.nodes.length === 0) return state;
    const next: PathNode[] = [];
    for (const n of state.nodes) {
      if (key !== undefined) {
        const lit = n.lit.get(this.#fold(key));
        if (lit !== undefined) next.push(lit);
      }
      if (n.any !== undefined) next.push(n.any);
      if (n.loop) next.push(n);
    }
    return this.#intern(this.#closure(next));
  }

  /** Keys named literally by the paths alive in `state`. */
  literals(state: MatchState): string[] {
    const out = new Set<string>();
    for (const n of state.nodes) for (const k of n.lit.keys()) out.add(k);
    return [...out];
  }

  /** The ids of the paths that end at `state`. */
  ends(state: MatchState): readonly number[] {
    if (state.ended !== undefined) return state.ended;
    const out: number[] = [];
    for (const n of state.nodes) out.push(...n.ends);
    return (state.ended = out);
  }

  /**
   * {@link PathMatcher.step} with memoized transitions, for walks that follow paths per payload
   * (the log redactor): a key no path names shares one cached transition.
   */
  stepCached(state: MatchState, key: string): MatchState {
    if (state.nodes.length === 0) return state;
    const folded = this.#fold(key);
    const hit = state.next.get(folded);
    if (hit !== undefined) return hit;
    let named = false;
    for (const n of state.nodes) if (n.lit.has(folded)) named = true;
    if (!named) return (state.other ??= this.step(state, undefined));
    const next = this.step(state, folded);
    state.next.set(folded, next);
    return next;
  }
}
