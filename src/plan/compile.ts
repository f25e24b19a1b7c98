// compilePlan: a schema's trie plus rules become a plan tree with the action resolved at every position, once.
import { FieldguardError } from '../errors.js';
import { defaultMask, type MaskContext, type MaskFn } from '../mask/formats.js';
import { isFieldSchema, schemaRoot, type FieldSchema } from '../schema/define.js';
import type { FieldTag, Kind } from '../schema/tags.js';
import type { TrieNode } from '../schema/trie.js';
import { stdoutAudit, type AuditSink } from '../vault/audit.js';
import type { KeyRing } from '../vault/keys.js';
import type { Vault } from '../vault/vault.js';
import { appendIndex, appendKey } from '../schema/path.js';
import { compileTagTest, PathMatcher, type MatchState, type Selection, type TagTest } from './select.js';

/**
 * What a rule does to the fields it selects: `keep`, `drop`, `mask`; `hash` (keyed HMAC pseudonym),
 * `encrypt` / `decrypt` (field-level AES-256-GCM, needs `keys`); `tokenize` / `detokenize`
 * (through a vault, needs `vault`).
 */
export type Action = 'keep' | 'drop' | 'mask' | 'hash' | 'encrypt' | 'decrypt' | 'tokenize' | 'detokenize';

/** What happens to a field no tag covers (or a tagged field no rule selects). */
export type UntaggedMode = 'drop' | 'keep' | 'reject';

/** One rule: the fields it selects and what to do with them. The first matching rule wins. */
export interface Rule {
  readonly select: Selection;
  readonly action: Action;
}

/** Mask functions that replace the default format, per kind and per path. */
export interface MaskFormats {
  /** By kind: `{ email: (v) => '…' }`. */
  readonly kinds?: Readonly<Partial<Record<Kind, MaskFn>>>;
  /** By path in pino syntax: `{ 'customer.phone': (v) => '…' }`; a path format wins over a kind format. */
  readonly paths?: Readonly<Record<string, MaskFn>>;
}

/** Options of {@link compilePlan}. */
export interface PlanOptions {
  /** The compiled schema, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** Rules in order; the first that selects a field decides its action. */
  readonly rules: readonly Rule[];
  /** Fields no rule selects: `'drop'` (default, fail closed), `'keep'` or `'reject'`. */
  readonly untagged?: UntaggedMode;
  /** Mask format overrides. */
  readonly formats?: MaskFormats;
  /** Deepest nesting accepted; deeper payloads fail with `ERR_PAYLOAD_TOO_DEEP`. Default 64. */
  readonly maxDepth?: number;
  /** Most values (objects, arrays and leaves) walked; more fail with `ERR_PAYLOAD_TOO_LARGE`. Default 1,000,000. */
  readonly maxNodes?: number;
  /** Keys for `hash`, `encrypt` and `decrypt` rules. Default: the vault's key ring. */
  readonly keys?: KeyRing;
  /** The vault for `tokenize` and `detokenize` rules; with a vault the plan is asynchronous. */
  readonly vault?: Vault;
  /** Namespace of tokens and hashes. Default `'default'`. */
  readonly namespace?: string;
  /** Where `decrypt` audit events go. Default: the vault's sink, else a JSON line on standard output. */
  readonly audit?: AuditSink;
}

/** Plan options with nothing left to default: what {@link buildPlan} takes from every factory. */
export interface PlanSpec {
  readonly schema: FieldSchema;
  readonly rules: readonly Rule[];
  readonly untagged: UntaggedMode;
  readonly formats: MaskFormats | undefined;
  readonly maxDepth: number | undefined;
  readonly maxNodes: number | undefined;
  /** Keys for `hash`, `encrypt` and `decrypt` (default: the vault's). */
  readonly keys?: KeyRing | undefined;
  /** The vault for `tokenize` and `detokenize`. */
  readonly vault?: Vault | undefined;
  /** Token and hash namespace. Default `'default'`. */
  readonly namespace?: string | undefined;
  /** Where decrypt audit events go (default: the vault's sink, else a JSON line on stdout). */
  readonly audit?: AuditSink | undefined;
}

/** What a plan does with the value found at one position. `reject` refuses the payload. */
export type LeafAction = Action | 'reject';

/** One position of a compiled plan. */
export interface PlanNode {
  readonly id: number;
  /** The position's path for reports, arrays as `[*]`. */
  readonly label: string;
  readonly tag: FieldTag | undefined;
  /** Whether no tag covers this position (it follows `untagged`). */
  readonly untagged: boolean;
  /**
   * A schema position with no tag of its own or inherited (an object that only groups tagged fields).
   * It is never dropped whole: when all its fields are dropped it stays as `{}`.
   */
  readonly structural: boolean;
  readonly action: LeafAction;
  readonly mask: MaskFn | undefined;
  /** The associated data binding a field ciphertext to this position: its path and kind. */
  readonly cryptoContext: string;
  /** What the mask function is told, built once. */
  readonly maskContext: MaskContext | undefined;
  /** Apply `action` to the whole value, objects and arrays included, without descending. */
  whole: boolean;
  readonly children: Map<string, PlanNode> | undefined;
  other: PlanNode;
  /**
   * The position of array items. Usually `other`; for an object schema met by an array (a list
   * endpoint answering `[order, …]` with the order's schema) it is the position itself, so each
   * element is treated as the object the schema describes rather than as unknown data.
   */
  items: PlanNode;
}

/** A compiled plan: its root, size, and the limits its walk enforces. */
export interface CompiledPlan {
  readonly root: PlanNode;
  readonly keys: KeyRing | undefined;
  readonly vault: Vault | undefined;
  readonly namespace: string;
  readonly audit: AuditSink;
  /** Whether any position tokenizes or detokenizes (the plan then needs a vault round trip). */
  readonly async: boolean;
  readonly size: number;
  readonly nodes: readonly PlanNode[];
  readonly fold: boolean;
  readonly maxDepth: number;
  readonly maxNodes: number;
}

const ACTIONS: ReadonlySet<string> = new Set<Action>(['keep', 'drop', 'mask', 'hash', 'encrypt', 'decrypt', 'tokenize', 'detokenize']);
const NEEDS_KEYS: ReadonlySet<string> = new Set<Action>(['hash', 'encrypt', 'decrypt']);
const NEEDS_VAULT: ReadonlySet<string> = new Set<Action>(['tokenize', 'detokenize']);

/** Builds the plan tree. Throws `ERR_INVALID_OPTIONS` / `ERR_INVALID_PATH` at start-up, never per request. */
export function buildPlan(options: PlanSpec): CompiledPlan {
  if (!isFieldSchema(options.schema)) {
    throw new FieldguardError(
      'ERR_INVALID_OPTIONS',
      'schema must be a compiled FieldSchema: wrap a zod or JSON Schema in defineSchema(…) once, at start-up',
    );
  }
  const schema = options.schema;
  const fold = schema.caseInsensitiveKeys;
  const untagged = options.untagged;
  const keys = options.keys ?? options.vault?.keys;
  const matcher = new PathMatcher(fold);
  const tests: Array<TagTest | undefined> = [];
  options.rules.forEach((rule, i) => {
    if (!ACTIONS.has(rule.action)) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `rule ${i}: unknown action ${JSON.stringify(rule.action)}`);
    }
    if (NEEDS_KEYS.has(rule.action) && keys === undefined) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `rule ${i}: the action ${rule.action} needs keys (a keyRing) or a vault`);
    }
    if (NEEDS_VAULT.has(rule.action) && options.vault === undefined) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `rule ${i}: the action ${rule.action} needs a vault (createVault)`);
    }
    tests.push(compileTagTest(rule.select));
    for (const p of rule.select.paths ?? []) matcher.add(p, i);
  });
  const pathFormats = Object.entries(options.formats?.paths ?? {});
  pathFormats.forEach(([p], i) => matcher.add(p, -1 - i));
  const kindFormats = options.formats?.kinds ?? {};
  const maskCache = new Map<Kind | undefined, MaskFn>();
  const maskFor = (kind: Kind | undefined): MaskFn => {
    let fn = maskCache.get(kind);
    if (fn === undefined) maskCache.set(kind, (fn = (kind !== undefined ? kindFormats[kind] : undefined) ?? defaultMask(kind)));
    return fn;
  };

  const nodes: PlanNode[] = [];
  const memo = new Map<string, PlanNode>();
  const tagIds = new Map<FieldTag, number>();
  const tagKey = (t: FieldTag | undefined): number => {
    if (t === undefined) return -1;
    let id = tagIds.get(t);
    if (id === undefined) tagIds.set(t, (id = tagIds.size));
    return id;
  };

  const build = (trie: TrieNode | undefined, tag: FieldTag | undefined, state: MatchState, label: string): PlanNode => {
    const key = `${trie?.id ?? 'u'}|${tagKey(tag)}|${state.key}`;
    const known = memo.get(key);
    if (known !== undefined) return known;

    let rule = -1;
    let byPath = false;
    let format: MaskFn | undefined;
    for (const end of matcher.ends(state)) {
      if (end >= 0 && (rule < 0 || end < rule)) rule = end;
      else if (end < 0 && format === undefined) format = pathFormats[-1 - end]![1];
    }
    if (rule >= 0) byPath = true;
    if (tag !== undefined) {
      for (let i = 0; i < (rule < 0 ? tests.length : rule); i++) {
        if (tests[i]?.(tag) === true) {
          rule = i;
          byPath = false;
          break;
        }
      }
    }
    const action: LeafAction = rule >= 0 ? options.rules[rule]!.action : untagged;
    const node: PlanNode = {
      id: nodes.length,
      structural: trie !== undefined && tag === undefined,
      label,
      tag,
      untagged: tag === undefined,
      action,
      mask: action === 'mask' ? (format ?? maskFor(tag?.kind)) : undefined,
      maskContext: action === 'mask' ? Object.freeze({ path: label, kind: tag?.kind }) : undefined,
      cryptoContext: `${label}\0${tag?.kind ?? ''}`,
      whole: byPath || format !== undefined,
      children: undefined,
      other: undefined as unknown as PlanNode,
      items: undefined as unknown as PlanNode,
    };
    nodes.push(node);
    memo.set(key, node);

    const names = new Set<string>(trie === undefined ? [] : trie.children.keys());
    for (const lit of matcher.literals(state)) names.add(lit);
    if (names.size > 0) {
      const children = new Map<string, PlanNode>();
      for (const name of names) {
        const child = trie?.children.get(name) ?? trie?.any;
        const childLabel = /^\d+$/.test(name) ? appendIndex(label, Number(name)) : appendKey(label, name);
        children.set(name, build(child, child?.tag ?? tag, matcher.step(state, name), childLabel));
      }
      (node as { children: Map<string, PlanNode> }).children = children;
    }
    const otherLabel = trie?.any !== undefined && !trie.anyIsItems ? (label === '' ? '*' : `${label}.*`) : appendIndex(label, '*');
    node.other = build(trie?.any, trie?.any?.tag ?? tag, matcher.step(state, undefined), otherLabel);
    const objectOnly = trie !== undefined && trie.any === undefined && trie.children.size > 0 && ![...trie.children.keys()].some((k) => /^\d+$/.test(k));
    node.items = objectOnly ? node : node.other;
    return node;
  };

  const root = build(schemaRoot(schema), schemaRoot(schema).tag, matcher.start(), '');
  markUniform(nodes);
  return {
    root,
    keys,
    vault: options.vault,
    namespace: options.namespace ?? 'default',
    audit: options.audit ?? (options.vault === undefined ? stdoutAudit : (event) => options.vault!.audit(event)),
    async: nodes.some((n) => NEEDS_VAULT.has(n.action)),
    size: nodes.length,
    nodes,
    fold,
    maxDepth: options.maxDepth ?? 64,
    maxNodes: options.maxNodes ?? 1_000_000,
  };
}

/**
 * Marks positions whose whole subtree gets the same keep, drop or reject, so the walk can act on
 * the whole value at once: a dropped tagged object disappears, a kept one is copied without
 * resolving each key. Structural positions are excluded, so an object whose fields are all
 * dropped stays `{}`. Computed as a greatest fixpoint, which is right for recursive schemas.
 */
function markUniform(nodes: readonly PlanNode[]): void {
  const uniform = new Map<PlanNode, boolean>();
  for (const n of nodes) uniform.set(n, (n.action === 'keep' || n.action === 'drop' || n.action === 'reject') && !n.structural);
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of nodes) {
      if (!uniform.get(n)) continue;
      const kids = n.children === undefined ? [n.other, n.items] : [...n.children.values(), n.other, n.items];
      if (kids.some((k) => !uniform.get(k) || k.action !== n.action)) {
        uniform.set(n, false);
        changed = true;
      }
    }
  }
  for (const n of nodes) if (uniform.get(n)) n.whole = true;
}
