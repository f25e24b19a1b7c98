// Positions: where in a payload a plan node applies, named only by schema keys, `*` and `[*]` — never by a key the sender chose.
import { appendIndex, appendKey } from '../schema/path.js';
import type { Kind } from '../schema/tags.js';

/** Most positions a plan keeps between payloads; past it, positions are made per walk and forgotten. */
const MAX_INTERNED = 4096;

/** The interning budget of one plan, shared by all its positions. */
export interface PositionBudget {
  interned: number;
}

/**
 * One position of a payload, as the walk reaches it: its parent and the edge it came by — a key
 * the schema or a selection names, `*` for any other key, `[*]` for an array item, `[n]` for a
 * tuple index. Labels (report paths), mask contexts and the associated data of field encryption
 * all come from the position, so a node shared by two paths (a `$ref` used twice, a recursive
 * schema) still reports, masks and encrypts as the path where it applies.
 */
export class Position {
  readonly parent: Position | undefined;
  readonly edge: string;
  readonly #budget: PositionBudget;
  #label: string | undefined;
  #aad: Map<string, string> | undefined;
  #context: Map<string, { readonly path: string; readonly kind: Kind | undefined }> | undefined;
  /** The context made first, asked for again on every value masked here (a position mostly masks one kind). */
  #firstContext: { readonly path: string; readonly kind: Kind | undefined } | undefined;
  #named: Map<string, Position> | undefined;
  #star: Position | undefined;
  #items: Position | undefined;
  #slots: Position[] | undefined;
  /** Per-walk tally; valid only while `stamp` equals the walk's stamp. */
  count = 0;
  stamp = 0;
  /** Per-walk: the JSON types of the values counted here, as bits (see report.ts `TYPE_BITS`); valid with `stamp`. */
  types = 0;
  /** The node last reported here and the maker of its report entry (see report.ts), so reports build no look-ups. */
  reportNode: object | undefined = undefined;
  reportMaker: unknown = undefined;

  constructor(parent: Position | undefined, edge: string, budget: PositionBudget) {
    this.parent = parent;
    this.edge = edge;
    this.#budget = budget;
  }

  /** The root position of a plan. */
  static root(): Position {
    return new Position(undefined, '', { interned: 0 });
  }

  /** The path in pino syntax, arrays as `[*]`, other keys as `*`: `customer.email`, `items[*].sku`, `attributes.*`. */
  get label(): string {
    if (this.#label !== undefined) return this.#label;
    const p = this.parent;
    let label: string;
    if (p === undefined) label = '';
    else if (this.edge === '[*]') label = appendIndex(p.label, '*');
    else if (this.edge === '*') label = p.label === '' ? '*' : `${p.label}.*`;
    else if (this.edge.startsWith('[')) label = `${p.label}${this.edge}`;
    else label = appendKey(p.label, this.edge);
    return (this.#label = label);
  }

  /** The associated data that binds a field ciphertext to this position and kind. */
  aad(kind: string | undefined): string {
    const k = kind ?? '';
    let hit = this.#aad?.get(k);
    if (hit === undefined) {
      hit = `fieldguard/field\0${this.label}\0${k}`;
      (this.#aad ??= new Map()).set(k, hit);
    }
    return hit;
  }

  /** What a built-in mask format is told about this position, made once per kind. */
  context(kind: Kind | undefined): { readonly path: string; readonly kind: Kind | undefined } {
    const first = this.#firstContext;
    if (first !== undefined && first.kind === kind) return first;
    const k = kind ?? '';
    let hit = this.#context?.get(k);
    if (hit === undefined) {
      hit = Object.freeze({ path: this.label, kind });
      (this.#context ??= new Map()).set(k, hit);
      this.#firstContext ??= hit;
    }
    return hit;
  }

  #make(edge: string): { pos: Position; keep: boolean } {
    // Past the budget, a position is still correct, only not remembered for the next payload.
    const keep = this.#budget.interned < MAX_INTERNED;
    if (keep) this.#budget.interned++;
    return { pos: new Position(this, edge, this.#budget), keep };
  }

  #lookup(mapKey: string, edge: string): Position {
    const hit = this.#named?.get(mapKey);
    if (hit !== undefined) return hit;
    const { pos, keep } = this.#make(edge);
    if (keep) (this.#named ??= new Map()).set(mapKey, pos);
    return pos;
  }

  /** The position of a key the schema (or a selection) names. */
  named(key: string): Position {
    return this.#lookup(key, key);
  }

  /** The position of the child in a node's slot `slot` (the key it stands for): an array look-up after the first time. */
  slot(slot: number, key: string): Position {
    const hit = this.#slots?.[slot];
    // A position reached by two different nodes (a log's re-anchored keys) must not mix their slots.
    if (hit !== undefined && hit.edge === key) return hit;
    const pos = this.named(key);
    if (this.#budget.interned < MAX_INTERNED || this.#named?.get(key) === pos) (this.#slots ??= [])[slot] = pos;
    return pos;
  }

  /** The position of a tuple index the schema names. */
  index(i: string): Position {
    return this.#lookup(`\u0000${i}`, `[${i}]`);
  }

  /** The position of every key no schema or selection names. */
  star(): Position {
    if (this.#star !== undefined) return this.#star;
    const { pos, keep } = this.#make('*');
    if (keep) this.#star = pos;
    return pos;
  }

  /** The position of array items. */
  items(): Position {
    if (this.#items !== undefined) return this.#items;
    const { pos, keep } = this.#make('[*]');
    if (keep) this.#items = pos;
    return pos;
  }
}
