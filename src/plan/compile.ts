// compilePlan's engine: a schema's trie plus rules become a graph of plan nodes with the action resolved at every node, once.
import { FieldguardError } from '../errors.js';
import { defaultMask, type MaskFn } from '../mask/formats.js';
import { isFieldSchema, schemaRoot, type FieldSchema } from '../schema/define.js';
import type { FieldTag, Kind } from '../schema/tags.js';
import { appendKey } from '../schema/path.js';
import type { TrieNode } from '../schema/trie.js';
import { stdoutAudit, type AuditSink } from '../vault/audit.js';
import type { KeyRing } from '../vault/keys.js';
import type { Vault } from '../vault/vault.js';
import { resolveTechnique, shiftsOf, type Technique, type TechniqueOptions } from '../techniques/leaf.js';
import type { ResolvedShift } from '../techniques/shift-dates.js';
import { checkFpeKinds, compileFpe, type FpeConfig, type FpeOptions } from '../techniques/fpe.js';
import { compileTagTest, PathMatcher, type MatchState, type Selection, type TagTest } from './select.js';
import { embeddedJsonScan } from './embedded.js';
import { applyPlan } from './walk.js';

/** Every action a rule can name, in one list. */
export const ACTIONS = ['keep', 'drop', 'mask', 'hash', 'encrypt', 'decrypt', 'tokenize', 'detokenize', 'generalize', 'shiftDates', 'fpe'] as const;

/**
 * What a rule does to the fields it selects: `keep`, `drop`, `mask`; `hash` (keyed HMAC pseudonym),
 * `encrypt` / `decrypt` (field-level AES-256-GCM, needs `keys`); `tokenize` / `detokenize`
 * (through a vault, needs `vault`); `generalize` (irreversible coarsening per kind, options in the rule),
 * `shiftDates` (every date of one subject moved by one keyed offset, needs `keys` and the rule's `options.subject`)
 * and `fpe` (FF1 format-preserving encryption, needs `keys`, reversed by `decrypt` where the `fpe` option
 * names the position).
 */
export type Action = (typeof ACTIONS)[number];

/** Every mode for fields no tag covers, in one list. */
export const UNTAGGED_MODES = ['drop', 'keep', 'reject', 'scan'] as const;

/**
 * What happens to a field no tag covers: `'drop'` it, `'keep'` it, `'reject'` the payload, or
 * `'scan'` it — keep it after the free-text detectors masked what they find in its strings and
 * in the keys the sender chose.
 */
export type UntaggedMode = (typeof UNTAGGED_MODES)[number];

/** One rule: the fields it selects and what to do with them. The first matching rule wins. */
export interface Rule {
  readonly select: Selection;
  readonly action: Action;
  /** Options of the action: `generalize` and `shiftDates` take theirs here (see docs/anonymization.md). */
  readonly options?: TechniqueOptions;
}

/** Mask functions that replace the default format, per kind and per path. */
export interface MaskFormats {
  /** By kind: `{ email: (v) => '…' }`. */
  readonly kinds?: Readonly<Partial<Record<Kind, MaskFn>>>;
  /** By path in pino syntax: `{ 'customer.phone': (v) => '…' }`; a path format wins over a kind format. */
  readonly paths?: Readonly<Record<string, MaskFn>>;
}

/** Options of `compilePlan`. */
export interface PlanOptions {
  /** The compiled schema, from `defineSchema`. */
  readonly schema: FieldSchema;
  /** Rules in order; the first that selects a field decides its action. */
  readonly rules: readonly Rule[];
  /** Fields no rule selects: `'drop'` (default, fail closed), `'keep'`, `'reject'` or `'scan'`. */
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
  /** Formats of `fpe` by kind and path, its key id, and where `decrypt` reverses FF1 (docs/techniques.md). */
  readonly fpe?: FpeOptions;
}

/** A rule as the engine takes it: a selected field with no tag of its own may be given the kind it masks as. */
export interface RuleSpec extends Rule {
  readonly kind?: Kind | undefined;
}

/** Everything a plan is built from, fully defaulted: what every factory hands the engine. */
export interface PlanSpec {
  /** The schema, or `undefined` when nothing is known about the payload (every position is untagged). */
  readonly schema: FieldSchema | undefined;
  readonly rules: readonly RuleSpec[];
  readonly untagged: UntaggedMode;
  readonly formats: MaskFormats | undefined;
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly keys?: KeyRing | undefined;
  readonly vault?: Vault | undefined;
  readonly namespace?: string | undefined;
  readonly audit?: AuditSink | undefined;
  readonly fpe?: FpeOptions | undefined;
  /** Match keys regardless of case. Default: the schema's setting. */
  readonly fold?: boolean | undefined;
  /** Key names whose values are always credentials, wherever they appear (logs). */
  readonly secretKey?: ((key: string) => boolean) | undefined;
  /** What a secret key's value becomes: masked as a credential (default) or removed. */
  readonly secretAction?: 'mask' | 'drop' | undefined;
  /** The mask for secret keys' values. Default: the `credential` format (`[REDACTED]`). */
  readonly secretMask?: MaskFn | undefined;
  /** Free-text redaction for `scan` (strings, and keys the sender chose). Required when anything scans. */
  readonly scanText?: ((text: string) => string) | undefined;
  /**
   * Logs: never throw on a value — cycles, throwing getters, depth and exotic values become
   * placeholders (`[Circular]`, `[Unreadable]`, `[Too deep]`, `[Binary: n bytes]`), Maps and Sets
   * become objects and arrays, Errors their fields.
   */
  readonly lenient?: boolean | undefined;
  /** Logs: where the schema says nothing about a key, a key of the schema's root starts the schema again, at any depth. */
  readonly anchorAnywhere?: boolean | undefined;
  /** Internal: the plan that reads JSON held in a scanned string; it does not read JSON inside JSON again. */
  readonly embedded?: boolean | undefined;
  /** One mask for every masked value and key (a log censor), instead of the kinds' formats. */
  readonly maskAll?: MaskFn | undefined;
  /** Refuse numbers JSON cannot carry exactly (beyond 2^53, or not finite) where they are kept or transformed. */
  readonly exactNumbers?: boolean | undefined;
}

/** What a plan does with the value found at one node. `reject` refuses the payload; `scan` runs the detectors. */
export type LeafAction = Action | 'reject' | 'scan';

/** One node of a compiled plan: the behaviour at a schema position, shared by every path that reaches it. */
export interface PlanNode {
  readonly id: number;
  readonly tag: FieldTag | undefined;
  /** The kind its mask, token format and key binding use: its tag's, or the selecting rule's. */
  readonly kind: Kind | undefined;
  /** Whether no tag covers this node (it follows `untagged`). */
  readonly untagged: boolean;
  /**
   * A schema position with no tag of its own or inherited (an object that only groups tagged
   * fields). It is never dropped whole: when all its fields are dropped it stays as `{}`.
   */
  readonly structural: boolean;
  readonly action: LeafAction;
  readonly mask: MaskFn | undefined;
  /**
   * Whether the mask is the app's own and can read its context: it is then told the concrete path.
   * A format that cannot read it (see {@link readsContext}) is handed the position's shared context.
   */
  readonly customMask: boolean;
  /** Apply `action` to the whole value, objects and arrays included, without descending. */
  whole: boolean;
  /** Children by (folded) key; numeric keys are also tuple indices. */
  readonly children: ReadonlyMap<string, PlanNode> | undefined;
  /** The same children by slot number (`slots` maps a key to it), so a walk finds node and position with one look-up. */
  readonly slots: ReadonlyMap<string, number> | undefined;
  readonly childList: readonly PlanNode[];
  /** Each slot's (folded) key. */
  readonly childKeys: readonly string[];
  /** Each slot's key as the text walk writes it before a value (`"email":`), made once. */
  readonly keyTexts: readonly string[];
  /**
   * The same key texts after a comma (`,"email":`), and both opening a string value (`"email":"`,
   * `,"email":"`): the text walk writes an entry with one piece of text fewer per piece it can take whole.
   */
  readonly commaKeyTexts: readonly string[];
  readonly keyOpenTexts: readonly string[];
  readonly commaKeyOpenTexts: readonly string[];
  /** The comma texts after a string whose closing quote is still to be written (`","email":`, `","email":"`). */
  readonly quoteCommaKeyTexts: readonly string[];
  readonly quoteCommaKeyOpenTexts: readonly string[];
  /**
   * Each slot's key as a step of a concrete path, for the app's own mask formats: after a parent's
   * path (`.email`, `["x-y"]`) and at the root (`email`, `["x-y"]`), spelled once per plan.
   */
  readonly pathSteps: readonly string[];
  readonly rootPathSteps: readonly string[];
  /**
   * For each slot whose node masks, its number among all such slots of the plan (else -1): the
   * text walk keeps the entry it wrote for a masked leaf (`,"email":"[REDACTED]"`) by that number.
   */
  entryIndex: readonly number[];
  /** Every key no schema or selection names. */
  other: PlanNode;
  /**
   * Array items. Usually `other`; for an object schema met by an array (a list endpoint
   * answering `[order, …]` with the order's schema) the node itself, so each element is treated
   * as the object the schema describes rather than as unknown data.
   */
  items: PlanNode;
  /**
   * Where the schema says a scalar (string, number, …) but the payload holds an object or array:
   * the untagged node that applies below instead. A scalar's tag is never inherited by a subtree
   * the schema did not describe.
   */
  shapeless: PlanNode | undefined;
  /**
   * Where the schema describes an object or list but the payload holds a scalar: the node whose
   * action applies to it — the most protective action the schema gives anything below, so a
   * string where the schema has a list of diagnoses is masked like a diagnosis.
   */
  scalarNode: PlanNode | undefined;
  /**
   * What happens to the keys of this object that the schema does not name (keys the sender
   * chose): the action the keys' tag (`propertyNames`, zod's `z.record(tag(z.email(), 'personal'), …)`)
   * gets, else the object's own tag's, else `untagged`'s. Kept, masked or scanned as key text, or
   * as a keyed pseudonym where the value is hashed, encrypted or tokenized; dropped or refused.
   */
  keyAction: LeafAction | undefined;
  /** The mask of such keys. */
  keyMask: MaskFn | undefined;
  /** The kind of such keys. */
  keyKind: Kind | undefined;
  /** The resolved options of `generalize` / `shiftDates` at this node. */
  readonly technique?: Technique | undefined;
}

/** A compiled plan: its root node and everything the walk needs. */
export interface CompiledPlan {
  readonly root: PlanNode;
  readonly keys: KeyRing | undefined;
  readonly vault: Vault | undefined;
  readonly namespace: string;
  readonly audit: AuditSink;
  /** Whether any node tokenizes or detokenizes (the plan then needs a vault round trip). */
  readonly async: boolean;
  readonly nodes: readonly PlanNode[];
  readonly fold: boolean;
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly untagged: UntaggedMode;
  readonly secretKey: ((key: string) => boolean) | undefined;
  readonly secretNode: PlanNode | undefined;
  readonly scanText: ((text: string) => string) | undefined;
  /** Whether sender-chosen keys are scanned (the plan scans untagged data). */
  readonly scanKeys: boolean;
  /** Whether any mask is the app's own, so walks track concrete paths for it. */
  readonly concretePaths: boolean;
  readonly lenient: boolean;
  readonly exactNumbers: boolean;
  /** The shiftDates rules, whose subjects are read from each payload's root before the walk. */
  readonly shifts: readonly ResolvedShift[];
  /** The compiled `fpe` option (formats, key id, positions `decrypt` reverses with FF1). */
  readonly fpe: FpeConfig;
  /** How many slots of the plan's nodes hold a node that masks (see `PlanNode.entryIndex`). */
  readonly entryCount: number;
}

const NEEDS_KEYS: ReadonlySet<string> = new Set<Action>(['hash', 'encrypt', 'decrypt', 'shiftDates', 'fpe']);
const NEEDS_VAULT: ReadonlySet<string> = new Set<Action>(['tokenize', 'detokenize']);
const ACTION_SET: ReadonlySet<string> = new Set(ACTIONS);
/** Actions that pass a value on as it is (or as it was before it left). */
const PASSING: ReadonlySet<LeafAction> = new Set<LeafAction>(['keep', 'scan', 'decrypt', 'detokenize']);
/** How much each action protects a value, least to most. */
const PROTECTS: Readonly<Record<LeafAction, number>> = { keep: 0, decrypt: 0, detokenize: 0, scan: 1, hash: 2, encrypt: 2, fpe: 2, tokenize: 2, mask: 3, drop: 4, reject: 5, shiftDates: 2, generalize: 3 };
const DIGITS = /^\d+$/;
/** The entry numbers of a node none of whose slots masks: shared. */
const NO_ENTRIES: readonly number[] = Object.freeze([]);

/** `Function.prototype.toString` as the module found it: a function's own `toString` does not answer for it. */
const functionSource = Function.prototype.toString;
/**
 * The start of an arrow function of at most one plain parameter, as its source text begins:
 * `() =>`, `(v) =>`, `v =>`, each maybe `async`. Anything else — a second parameter, a rest or
 * default parameter, destructuring, a comment, `function`, a method, a bound function or a proxy
 * (whose source reads `[native code]`) — does not match.
 */
const ARROW_OF_ONE = /^(?:async\s*)?(?:\(\s*(?:[A-Za-z_$][\w$]*\s*)?\)|[A-Za-z_$][\w$]*)\s*=>/;

/**
 * Whether a mask format can read the context it is called with (its second argument). An arrow
 * function whose parameter list is `()`, `(v)` or `v` cannot: it names no second parameter, and an
 * arrow function has no `arguments` of its own (`arguments` in its body is an enclosing
 * function's). Every other function is assumed to read it. The answer changes only what a format
 * is told, never whether a value is masked: a format that cannot read its context is not told the
 * concrete path, which costs a string per masked value and a reference per container to spell.
 */
export function readsContext(fn: MaskFn): boolean {
  let source: string;
  try {
    source = functionSource.call(fn);
  } catch {
    return true;
  }
  return !ARROW_OF_ONE.test(source);
}

/** Builds the plan graph. Throws `ERR_INVALID_OPTIONS` / `ERR_INVALID_PATH` at start-up, never per request. */
export function buildPlan(spec: PlanSpec): CompiledPlan {
  if (spec.schema !== undefined && !isFieldSchema(spec.schema)) {
    throw new FieldguardError(
      'ERR_INVALID_OPTIONS',
      'schema must be a compiled FieldSchema: wrap a zod or JSON Schema in defineSchema(…) once, at start-up',
    );
  }
  const fold = spec.fold ?? spec.schema?.caseInsensitiveKeys ?? false;
  const keys = spec.keys ?? spec.vault?.keys;
  const matcher = new PathMatcher(fold);
  const tests: Array<TagTest | undefined> = [];
  const techniques: Array<Technique | undefined> = [];
  spec.rules.forEach((rule, i) => {
    if (!ACTION_SET.has(rule.action)) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `rule ${i}: unknown action ${JSON.stringify(rule.action)}; use one of ${ACTIONS.join(', ')}`);
    }
    if (NEEDS_KEYS.has(rule.action) && keys === undefined) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `rule ${i}: the action ${rule.action} needs keys (a keyRing) or a vault`);
    }
    if (NEEDS_VAULT.has(rule.action) && spec.vault === undefined) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `rule ${i}: the action ${rule.action} needs a vault (createVault)`);
    }
    techniques.push(resolveTechnique(rule, i, keys));
    tests.push(compileTagTest(rule.select));
    for (const p of rule.select.paths ?? []) matcher.add(p, i);
  });
  const pathFormats = Object.entries(spec.formats?.paths ?? {});
  pathFormats.forEach(([p], i) => matcher.add(p, -1 - i));
  const kindFormats = spec.formats?.kinds ?? {};
  const maskCache = new Map<Kind | undefined, MaskFn>();
  const defaultFor = (kind: Kind | undefined): MaskFn => {
    let fn = maskCache.get(kind);
    if (fn === undefined) maskCache.set(kind, (fn = defaultMask(kind)));
    return fn;
  };
  if (spec.untagged === 'scan' && spec.scanText === undefined) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', "untagged: 'scan' needs the detectors (scanText)");
  }

  const rootTrie = spec.schema === undefined ? undefined : schemaRoot(spec.schema);
  const nodes: PlanNode[] = [];
  const memo = new Map<string, PlanNode>();
  const tagIds = new Map<FieldTag, number>();
  const tagKey = (t: FieldTag | undefined): number => {
    if (t === undefined) return -1;
    let id = tagIds.get(t);
    if (id === undefined) tagIds.set(t, (id = tagIds.size));
    return id;
  };

  const build = (trie: TrieNode | undefined, tag: FieldTag | undefined, state: MatchState): PlanNode => {
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
    const action: LeafAction = rule >= 0 ? spec.rules[rule]!.action : spec.untagged;
    const kind = tag?.kind ?? (rule >= 0 ? spec.rules[rule]!.kind : undefined);
    const custom = action === 'mask' ? (spec.maskAll ?? format ?? (kind !== undefined ? kindFormats[kind] : undefined)) : undefined;
    // Keys the sender chose are data of the keys' tag when the schema gives one (propertyNames),
    // else of the object's own tag; an object no tag covers has untagged keys, whatever its values are.
    const keyTag = trie?.keyTag ?? tag;
    let keyAction: LeafAction = spec.untagged;
    if (keyTag !== undefined) {
      const r = tests.findIndex((t) => t?.(keyTag) === true);
      keyAction = r >= 0 ? spec.rules[r]!.action : spec.untagged;
    }
    const keyKind = keyTag?.kind;
    // A scalar the schema tags never lends a kept tag to a subtree (below it is untagged); a scalar
    // that is transformed or dropped takes an object or list put there as a whole.
    const scalarWhole = trie?.scalar === true && !PASSING.has(action);
    const node: PlanNode = {
      keyAction,
      keyKind,
      keyMask: keyAction === 'mask' ? (spec.maskAll ?? (keyKind !== undefined ? kindFormats[keyKind] : undefined) ?? defaultFor(keyKind)) : undefined,
      id: nodes.length,
      structural: trie !== undefined && tag === undefined,
      tag,
      kind,
      untagged: tag === undefined && rule < 0,
      action,
      mask: action === 'mask' ? (custom ?? defaultFor(kind)) : undefined,
      customMask: custom !== undefined && readsContext(custom),
      // A path format applies to the value found there only where that value is masked; elsewhere it changes nothing.
      // A position (`{ lat, lon }`) is generalized as one value; a list or record of them, item by item.
      whole: byPath || scalarWhole || (format !== undefined && action === 'mask') || (action === 'generalize' && kind === 'geo' && trie?.any === undefined),
      technique: rule >= 0 ? techniques[rule] : undefined,
      children: undefined,
      slots: undefined,
      childList: [],
      keyTexts: [],
      commaKeyTexts: [],
      keyOpenTexts: [],
      commaKeyOpenTexts: [],
      quoteCommaKeyTexts: [],
      quoteCommaKeyOpenTexts: [],
      pathSteps: [],
      rootPathSteps: [],
      entryIndex: NO_ENTRIES,
      childKeys: [],
      other: undefined as unknown as PlanNode,
      items: undefined as unknown as PlanNode,
      shapeless: undefined,
      scalarNode: undefined,
    };
    nodes.push(node);
    memo.set(key, node);

    const names = new Set<string>(trie === undefined ? [] : trie.children.keys());
    for (const lit of matcher.literals(state)) names.add(lit);
    // Logs nest payloads anywhere (`log.info({ order })`): where the schema says nothing about a key,
    // a key of the schema's root starts the schema again.
    const anchor = spec.anchorAnywhere === true && rootTrie !== undefined && trie?.any === undefined ? rootTrie : undefined;
    if (anchor !== undefined) for (const k of anchor.children.keys()) names.add(k);
    if (names.size > 0) {
      const children = new Map<string, PlanNode>();
      for (const name of names) {
        const child = trie?.children.get(name) ?? trie?.any ?? anchor?.children.get(name);
        // A plan that folds keys (logs) over a schema that does not is looked up by the folded key.
        children.set(fold ? name.toLowerCase() : name, build(child, child?.tag ?? tag, matcher.step(state, name)));
      }
      const writable = node as unknown as {
        children: Map<string, PlanNode>;
        slots: Map<string, number>;
        childList: PlanNode[];
        keyTexts: string[];
        commaKeyTexts: string[];
        keyOpenTexts: string[];
        commaKeyOpenTexts: string[];
        quoteCommaKeyTexts: string[];
        quoteCommaKeyOpenTexts: string[];
        pathSteps: string[];
        rootPathSteps: string[];
        childKeys: string[];
      };
      writable.children = children;
      writable.slots = new Map([...children.keys()].map((k, i) => [k, i]));
      writable.childList = [...children.values()];
      writable.childKeys = [...children.keys()];
      writable.keyTexts = writable.childKeys.map((k) => `${JSON.stringify(k)}:`);
      writable.commaKeyTexts = writable.keyTexts.map((t) => `,${t}`);
      writable.keyOpenTexts = writable.keyTexts.map((t) => `${t}"`);
      writable.commaKeyOpenTexts = writable.keyTexts.map((t) => `,${t}"`);
      writable.quoteCommaKeyTexts = writable.keyTexts.map((t) => `",${t}`);
      writable.quoteCommaKeyOpenTexts = writable.keyTexts.map((t) => `",${t}"`);
      writable.rootPathSteps = writable.childKeys.map((k) => appendKey('', k));
      writable.pathSteps = writable.childKeys.map((k) => appendKey('.', k).slice(1));
    }
    // A key an object's schema does not name, where it names others, is not described by the schema:
    // its value is untagged. Only where the schema names no key (a tagged blob, a record) does it inherit.
    const closed = trie !== undefined && trie.any === undefined && trie.children.size > 0;
    node.other = build(trie?.any, trie?.any?.tag ?? (closed ? undefined : tag), matcher.step(state, undefined));
    const objectOnly = trie !== undefined && trie.any === undefined && trie.children.size > 0 && ![...trie.children.keys()].some((k) => DIGITS.test(k));
    node.items = objectOnly ? node : node.other;
    if (trie?.scalar === true && !scalarWhole) node.shapeless = build(undefined, undefined, state);
    return node;
  };

  const root = build(rootTrie, rootTrie?.tag, matcher.start());
  markUniform(nodes);
  checkFpeKinds(nodes);
  // Logs re-anchor the schema anywhere, so a log value is not the payload the schema describes: not there.
  if (spec.lenient !== true) markScalarFallbacks(nodes);
  let secretNode: PlanNode | undefined;
  if (spec.secretKey !== undefined) {
    const secretAction = spec.secretAction ?? 'mask';
    secretNode = {
      slots: undefined,
      childList: [],
      keyTexts: [],
      commaKeyTexts: [],
      keyOpenTexts: [],
      commaKeyOpenTexts: [],
      quoteCommaKeyTexts: [],
      quoteCommaKeyOpenTexts: [],
      pathSteps: [],
      rootPathSteps: [],
      entryIndex: NO_ENTRIES,
      childKeys: [],
      scalarNode: undefined,
      keyAction: undefined,
      keyMask: undefined,
      keyKind: undefined,
      id: nodes.length,
      tag: undefined,
      kind: 'credential',
      untagged: false,
      structural: false,
      action: secretAction,
      mask: secretAction === 'mask' ? (spec.secretMask ?? defaultFor('credential')) : undefined,
      customMask: spec.secretMask !== undefined && readsContext(spec.secretMask),
      whole: true,
      children: undefined,
      other: undefined as unknown as PlanNode,
      items: undefined as unknown as PlanNode,
      shapeless: undefined,
    };
    secretNode.other = secretNode;
    secretNode.items = secretNode;
    nodes.push(secretNode);
  }
  let entryCount = 0;
  for (const n of nodes) {
    if (n.childList.some((c) => c.action === 'mask')) n.entryIndex = n.childList.map((c) => (c.action === 'mask' ? entryCount++ : -1));
  }
  const async = nodes.some((n) => NEEDS_VAULT.has(n.action));
  return {
    root,
    keys,
    vault: spec.vault,
    namespace: spec.namespace ?? 'default',
    audit: spec.audit ?? (spec.vault === undefined ? stdoutAudit : (event) => spec.vault!.audit(event)),
    async,
    nodes,
    fold,
    maxDepth: spec.maxDepth,
    maxNodes: spec.maxNodes,
    untagged: spec.untagged,
    secretKey: spec.secretKey,
    secretNode,
    scanText: embeddedScan(spec, async),
    scanKeys: spec.untagged === 'scan',
    concretePaths: nodes.some((n) => n.customMask),
    lenient: spec.lenient === true,
    exactNumbers: spec.exactNumbers === true,
    shifts: shiftsOf(techniques),
    fpe: compileFpe(spec.fpe, keys),
    entryCount,
  };
}

/**
 * Marks nodes whose whole subtree gets the same keep, drop or reject, so the walk can act on
 * the whole value at once: a dropped tagged object disappears, a kept one is copied without
 * resolving each key. Structural nodes are excluded, so an object whose fields are all dropped
 * stays `{}`; so are nodes below which a scalar could meet an undescribed subtree. Computed as a
 * greatest fixpoint, which is right for recursive schemas.
 */
function markUniform(nodes: readonly PlanNode[]): void {
  const uniform = new Map<PlanNode, boolean>();
  // A node whose keys the schema tags differently from its values is walked, so the keys get their own action.
  for (const n of nodes) uniform.set(n, (n.action === 'keep' || n.action === 'drop' || n.action === 'reject') && !n.structural && (n.keyAction === undefined || n.keyAction === n.action));
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of nodes) {
      if (!uniform.get(n)) continue;
      const kids = [...(n.children?.values() ?? []), n.other, n.items];
      if (n.shapeless !== undefined) kids.push(n.shapeless);
      if (kids.some((k) => !uniform.get(k) || k.action !== n.action)) {
        uniform.set(n, false);
        changed = true;
      }
    }
  }
  for (const n of nodes) if (uniform.get(n)) n.whole = true;
}

/**
 * For each schema container no tag covers, the node below it with the most protective action, used
 * when the payload puts a scalar there instead (computed as a fixpoint, right on cycles).
 */
function markScalarFallbacks(nodes: readonly PlanNode[]): void {
  const best = new Map<PlanNode, PlanNode | undefined>();
  const kids = (n: PlanNode): PlanNode[] => [...(n.children?.values() ?? []), n.other, n.items].filter((k) => k !== n);
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of nodes) {
      let top = best.get(n);
      for (const k of kids(n)) {
        for (const c of [k, best.get(k)]) {
          if (c !== undefined && (top === undefined || PROTECTS[c.action] > PROTECTS[top.action])) {
            top = c;
            changed = true;
          }
        }
      }
      best.set(n, top);
    }
  }
  for (const n of nodes) {
    const top = best.get(n);
    if (n.structural && !n.whole && top !== undefined && PROTECTS[top.action] > PROTECTS[n.action]) n.scalarNode = top;
  }
}

/** The node a concrete or wildcard path leads to, as the walk would reach it (`items[3].note`, `items[*].note`, `attributes.*`). */
export function nodeAt(plan: CompiledPlan, segments: ReadonlyArray<{ readonly key: string } | { readonly any: true }>): PlanNode {
  let node = plan.root;
  for (const seg of segments) {
    if (node.whole) return node;
    if ('key' in seg) {
      const k = plan.fold ? seg.key.toLowerCase() : seg.key;
      if (plan.secretKey?.(seg.key) === true && plan.secretNode !== undefined) return plan.secretNode;
      node = node.children?.get(k) ?? (DIGITS.test(seg.key) ? node.items : node.other);
    } else {
      node = node.other;
    }
  }
  return node;
}


/**
 * The scan of a plan's untagged strings. A string holding a JSON object or array (a webhook's payload
 * kept as text) is parsed and passed through the same rules with the schema's keys recognized at any
 * depth, then written back as JSON; logs do this in their own redactor. Plans that wait for the vault
 * scan with the detectors only.
 */
function embeddedScan(spec: PlanSpec, async: boolean): ((text: string) => string) | undefined {
  const scan = spec.scanText;
  if (scan === undefined || spec.lenient === true || spec.embedded === true || async) return scan;
  let inner: CompiledPlan | undefined;
  return embeddedJsonScan(scan, (value) => applyPlan((inner ??= buildPlan({ ...spec, anchorAnywhere: true, embedded: true })), value).value);
}
