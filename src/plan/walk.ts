// Applies a compiled plan: one walk over the payload that builds a new value and a report, never mutating the input.
import { FieldguardError } from '../errors.js';
import type { MaskContext } from '../mask/formats.js';
import { appendIndex, appendKey } from '../schema/path.js';
import { emitAudit } from '../vault/audit.js';
import { decryptField, encryptField, pseudonymDigest, pseudonymOf } from '../vault/crypto.js';
import { digestSubject, subjectHash } from './subjects.js';
import type { CompiledPlan, PlanNode } from './compile.js';
import { Position } from './position.js';
import { applyTechnique, subjectOffsets, type Offsets } from '../techniques/leaf.js';
import { fpeDecrypt, fpeEncrypt } from '../techniques/fpe.js';
import { decodeValue, encodeValue } from './values.js';
import { lastViewed, setKey, view } from './view.js';
import { buildReport, MAX_SUBJECTS, typeBit, type Report, type ReportField, type Tally } from './report.js';

export type { Report, ReportField };

/** The result of applying a plan: the new value and what was done; `P` the paths its report may name. */
export interface PlanResult<T = unknown, P extends string = string> {
  readonly value: T;
  readonly report: Report<P>;
}

/** Who re-identifies, and why; recorded in audit events of `decrypt` and `detokenize`. */
export interface PlanContext {
  readonly actor?: string;
  readonly purpose?: string;
}

/** What a walk returns for a value that leaves nothing behind (internal to the plan engine). */
export const DROP = Symbol('fieldguard.drop');

/** Placeholders the lenient (log) walk writes instead of values it cannot or must not copy. */
export const PLACEHOLDER = Object.freeze({
  circular: '[Circular]',
  unreadable: '[Unreadable]',
  deep: '[Too deep]',
  large: '[Too large]',
  redacted: '[REDACTED]',
});

/** A value waiting for the vault, and where its answer goes. */
class Pending {
  holder: Record<string, unknown> | unknown[] | undefined;
  key: string | number = '';
  constructor(
    readonly node: PlanNode,
    readonly pos: Position,
    readonly value: string,
    readonly original: unknown,
  ) {}
}

/** Where a container sits, by its concrete keys: built only when an app-supplied mask needs the concrete path. */
export interface Ref {
  readonly parent: Ref | undefined;
  readonly key: string | number | undefined;
  /** The container's own concrete path, spelled out the first time a value inside it needs it. */
  path: string | undefined;
}

/** What the root container's ref hangs from: the empty path, shared by every walk (never written: `refPath` stops at it). */
export const ROOT_REF: Ref = Object.freeze({ parent: undefined, key: undefined, path: undefined });

export interface Walk {
  readonly plan: CompiledPlan;
  readonly stamp: number;
  /** Positions counted by this walk, and the node counted at each (parallel arrays: no tuple per position). */
  readonly touched: Position[];
  readonly touchedNodes: PlanNode[];
  /** Bookkeeping made only when the walk first needs it (most walks reject, defer and decrypt nothing). */
  rejected: string[] | undefined;
  pending: Pending[] | undefined;
  decrypted: Array<readonly [Position, PlanNode]> | undefined;
  unresolved: Map<Position, number> | undefined;
  /** The subject hashes of the keyed hashes and tokens this walk made (at most MAX_SUBJECTS), kept beside its report for the monitor. */
  subjects: number[] | undefined;
  readonly seen: Set<object> | undefined;
  /** shiftDates: each subject's offset, read from the payload's root before the walk. */
  readonly offsets: Offsets | undefined;
  nodes: number;
  /** The text walk: the first error serializing an output leaf threw, raised after the walk as `JSON.stringify` would. */
  serialFailed: boolean;
  serialError: unknown;
}

let stamps = 0;
const roots = new WeakMap<CompiledPlan, Position>();

export function rootOf(plan: CompiledPlan): Position {
  let root = roots.get(plan);
  if (root === undefined) roots.set(plan, (root = Position.root()));
  return root;
}

export function tallyAt(w: Walk, pos: Position, node: PlanNode, value: unknown): void {
  const bit = typeBit(value);
  if (pos.stamp !== w.stamp) {
    pos.stamp = w.stamp;
    pos.count = 0;
    pos.types = bit;
    w.touched.push(pos);
    w.touchedNodes.push(node);
  } else pos.types |= bit;
  pos.count++;
}

/** The unresolved counts of a walk that resolved everything: shared, never written. */
export const NONE_UNRESOLVED: ReadonlyMap<Position, number> = new Map();

/** Records a refused position (the first hundred, once each). */
function reject(w: Walk, label: string): void {
  const rejected = (w.rejected ??= []);
  if (rejected.length < 100 && !rejected.includes(label)) rejected.push(label);
}

/** Counts a token or ciphertext that did not resolve at a position. */
function unresolvedAt(w: Walk, pos: Position): void {
  const unresolved = (w.unresolved ??= new Map());
  unresolved.set(pos, (unresolved.get(pos) ?? 0) + 1);
}

export function tooDeep(plan: CompiledPlan, pos: Position): never {
  throw new FieldguardError(
    'ERR_PAYLOAD_TOO_DEEP',
    `the payload nests deeper than ${plan.maxDepth} levels (or is circular) at ${pos.label === '' ? 'the root' : pos.label}`,
    { paths: [pos.label] },
  );
}

export function tooLarge(plan: CompiledPlan): never {
  throw new FieldguardError('ERR_PAYLOAD_TOO_LARGE', `the payload has more than ${plan.maxNodes} values`);
}

function unsafeNumber(pos: Position): never {
  throw new FieldguardError(
    'ERR_UNSAFE_NUMBER',
    `the number at ${pos.label === '' ? 'the root' : pos.label} cannot be forwarded exactly (beyond 2^53 or not finite); send it as a string`,
    { paths: [pos.label] },
  );
}

export function checkNumber(w: Walk, pos: Position, v: unknown): void {
  if (w.plan.exactNumbers && typeof v === 'number' && (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)))) unsafeNumber(pos);
}

/** The concrete path of a container, made once per container and walk (its values' paths extend it). */
function refPath(ref: Ref | undefined): string {
  if (ref === undefined || ref.parent === undefined) return '';
  if (ref.path !== undefined) return ref.path;
  const base = refPath(ref.parent);
  const k = ref.key;
  return (ref.path = k === undefined ? base : typeof k === 'number' ? appendIndex(base, k) : appendKey(base, k));
}

function concretePath(ref: Ref | undefined, key: string | number | undefined): string {
  const base = refPath(ref);
  if (key === undefined) return base;
  return typeof key === 'number' ? appendIndex(base, key) : appendKey(base, key);
}

/** Deep copy of a value that is kept whole: plain data copied, exotic leaves copied or shared. */
function copy(w: Walk, value: unknown, depth: number, pos: Position, key: string): unknown {
  if (++w.nodes > w.plan.maxNodes) tooLarge(w.plan);
  if (value === null || typeof value !== 'object') {
    checkNumber(w, pos, value);
    return value;
  }
  if (!view(w.plan.lenient, value, key)) {
    const leaf = lastViewed();
    if (leaf instanceof Date) return new Date(leaf.getTime());
    if (Buffer.isBuffer(leaf)) return Buffer.from(leaf);
    checkNumber(w, pos, leaf);
    return leaf;
  }
  const c = lastViewed() as Record<string, unknown> | unknown[];
  if (depth >= w.plan.maxDepth) tooDeep(w.plan, pos);
  if (Array.isArray(c)) {
    const out = new Array<unknown>(c.length);
    for (let i = 0; i < c.length; i++) out[i] = copy(w, c[i], depth + 1, pos, String(i));
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(c);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    setKey(out, k, copy(w, c[k], depth + 1, pos, k));
  }
  return out;
}

function maskContext(node: PlanNode, pos: Position, ref: Ref | undefined, key: string | number | undefined): MaskContext {
  return node.customMask ? { path: concretePath(ref, key), kind: node.kind } : pos.context(node.kind);
}

/** A value through its node's mask format; a format that throws refuses the payload (in logs, the value is withheld). */
function masked(w: Walk, node: PlanNode, pos: Position, value: unknown, context: MaskContext): unknown {
  try {
    return node.mask!(value, context);
  } catch {
    if (w.plan.lenient) return PLACEHOLDER.redacted;
    throw new FieldguardError('ERR_MASK_FAILED', `the mask format for ${pos.label || 'the root'} threw`, { paths: [pos.label] });
  }
}

/**
 * Whether the value under slot `child` of an object is a leaf to mask, which {@link maskSlot}
 * does without `walk`: a value that is not an object (a scalar where the schema has a container
 * goes the protective way, through `walk`), within the node limit.
 */
export function masksLeaf(w: Walk, child: PlanNode, value: unknown): boolean {
  return child.action === 'mask' && child.scalarNode === undefined && (value === null || typeof value !== 'object') && w.nodes < w.plan.maxNodes;
}

/**
 * What `walk` does for a leaf {@link masksLeaf} accepts, found under the key `key` of slot `slot`
 * of `node`: counted and masked. The app's own format is told the concrete path, its last step
 * taken from the texts the plan made for the slot.
 */
export function maskSlot(w: Walk, node: PlanNode, slot: number, child: PlanNode, pos: Position, value: unknown, ref: Ref | undefined, key: string): unknown {
  w.nodes++;
  tallyAt(w, pos, child, value);
  if (!child.customMask) return masked(w, child, pos, value, pos.context(child.kind));
  let path: string;
  const base = refPath(ref);
  if (key !== node.childKeys[slot]) path = appendKey(base, key);
  else path = base === '' ? node.rootPathSteps[slot]! : base + node.pathSteps[slot]!;
  return masked(w, child, pos, value, { path, kind: child.kind });
}

/** A text through the detectors; a detector that fails refuses the payload (or, in logs, withholds the text). */
function scan(w: Walk, text: string): string {
  try {
    return w.plan.scanText!(text);
  } catch {
    if (w.plan.lenient) return PLACEHOLDER.redacted;
    throw new FieldguardError('ERR_MASK_FAILED', 'the detectors failed on a value; nothing was sent');
  }
}

/** A renamed key that is not yet in `holder`, or the same name numbered (`name #2`, …): two keys masked alike stay two entries. */
export function distinctKey(holder: object, name: string): string {
  if (!Object.prototype.hasOwnProperty.call(holder, name)) return name;
  let n = 2;
  while (Object.prototype.hasOwnProperty.call(holder, `${name} #${n}`)) n++;
  return `${name} #${n}`;
}

/**
 * The key written for a key that names a credential: the key itself may carry one (`pwd=hunter2`, a
 * query string parsed into keys), so it is read by the detectors like any key they scan.
 */
export function secretKeyText(w: Walk, key: string): string {
  return w.plan.scanText === undefined ? key : scan(w, key);
}

/** Applies a node's action to a value that is not walked into: a leaf, or a container the node takes whole. */
export function act(w: Walk, node: PlanNode, pos: Position, value: unknown, container: boolean, depth: number, ref: Ref | undefined, key: string | number | undefined): unknown {
  tallyAt(w, pos, node, value);
  switch (node.action) {
    case 'keep':
      if (container) return copy(w, value, depth, pos, key === undefined ? '' : String(key));
      checkNumber(w, pos, value);
      if (value instanceof Date) return new Date(value.getTime());
      if (Buffer.isBuffer(value)) return Buffer.from(value);
      return value;
    case 'drop':
      return DROP;
    case 'reject':
      reject(w, pos.label);
      return DROP;
    case 'scan':
      switch (typeof value) {
        case 'string':
          return scan(w, value);
        case 'number': {
          if (!Number.isInteger(value) || Math.abs(value) < 1e6) return value;
          const text = String(value);
          const out = scan(w, text);
          return out === text ? value : out;
        }
        case 'bigint': {
          const text = value.toString();
          const out = scan(w, text);
          return w.plan.lenient || out !== text ? out : value;
        }
        case 'undefined':
        case 'function':
        case 'symbol':
          return w.plan.lenient ? DROP : value;
        default:
          // Binary data serializes as its bytes: what they spell is read like text, and withheld when it holds a finding.
          if (ArrayBuffer.isView(value)) {
            const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
            const texts = [bytes.toString('latin1')];
            if ((value as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT === 2) texts.push(bytes.toString('utf16le'));
            return texts.every((t) => scan(w, t) === t) ? value : PLACEHOLDER.redacted;
          }
          return value;
      }
    case 'mask':
      return masked(w, node, pos, value, maskContext(node, pos, ref, key));
    case 'hash': {
      checkNumber(w, pos, value);
      const text = encodeValue(value);
      if (text === undefined) return value;
      return keyedPseudonym(w, text);
    }
    case 'encrypt': {
      checkNumber(w, pos, value);
      const text = encodeValue(value);
      return text === undefined ? value : encryptField(w.plan.keys!, text, pos.aad(node.kind));
    }
    case 'decrypt': {
      if (typeof value !== 'string') return value;
      (w.decrypted ??= []).push([pos, node]);
      const text = decryptField(w.plan.keys!, value, pos.aad(node.kind));
      if (text === undefined) {
        // Not an `enc_` envelope: where the plan's `fpe` option names the position, it is an FF1 ciphertext.
        const clear = fpeDecrypt(w.plan.fpe, value, { label: pos.label, kind: node.kind });
        if (clear !== undefined) return clear;
        unresolvedAt(w, pos);
        return value;
      }
      return decodeValue(text);
    }
    case 'fpe':
      checkNumber(w, pos, value);
      return fpeEncrypt(w.plan.fpe, value, { label: pos.label, kind: node.kind });
    case 'tokenize': {
      checkNumber(w, pos, value);
      const text = encodeValue(value);
      if (text === undefined) return value;
      const p = new Pending(node, pos, text, value);
      (w.pending ??= []).push(p);
      return p;
    }
    case 'detokenize': {
      if (typeof value !== 'string') return value;
      const p = new Pending(node, pos, value, value);
      (w.pending ??= []).push(p);
      return p;
    }
    case 'generalize':
    case 'shiftDates': {
      // What cannot be generalized or shifted is dropped, never kept.
      const out = applyTechnique(node.technique!, node.kind, value, w.offsets);
      return out === undefined ? DROP : out;
    }
  }
}

export const DROP_KEY = Symbol('fieldguard.dropKey');

/**
 * A key the sender chose, as it may leave: it is data of the object's keys (docs/plans.md), so it
 * gets their action — kept, scanned, masked, or a keyed pseudonym where values are hashed, encrypted
 * or tokenized (deterministic, so the same key is the same name in every payload); dropped with its
 * entry, or refused.
 */
export function outKey(w: Walk, node: PlanNode, pos: Position, at: Position, key: string): string | typeof DROP_KEY {
  switch (node.keyAction) {
    case 'scan':
      return scan(w, key);
    case 'mask':
      try {
        return String(node.keyMask!(key, { path: pos.label, kind: node.keyKind }));
      } catch {
        if (w.plan.lenient) return PLACEHOLDER.redacted;
        throw new FieldguardError('ERR_MASK_FAILED', `the mask format for the keys of ${pos.label || 'the root'} threw`, { paths: [pos.label] });
      }
    case 'hash':
    case 'encrypt':
    case 'fpe':
    case 'tokenize': {
      // A key the sender chose that names a person is a subject too, like a hashed value.
      return keyedPseudonym(w, key);
    }
    case 'drop':
    case 'generalize':
    case 'shiftDates':
      return DROP_KEY;
    case 'reject':
      reject(w, at.label);
      return DROP_KEY;
    default:
      return key;
  }
}

/** Walks one value found at `key` of its parent (`key` undefined at the root). */
export function walk(w: Walk, node: PlanNode, pos: Position, value: unknown, depth: number, ref: Ref | undefined, key: string | number | undefined): unknown {
  if (++w.nodes > w.plan.maxNodes) {
    if (w.plan.lenient) return PLACEHOLDER.large;
    tooLarge(w.plan);
  }
  let v = value;
  let container = false;
  if (v !== null && typeof v === 'object') {
    // Arrays and plain objects without toJSON are the common case: seen as they are without asking view().
    if (Array.isArray(v)) container = true;
    else if (Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function') container = true;
    else {
      container = view(w.plan.lenient, v, key === undefined ? '' : String(key));
      v = lastViewed();
    }
  }
  if (!container) {
    // A scalar where the schema describes an object or list is treated as protectively as anything below.
    if (node.scalarNode !== undefined) node = node.scalarNode;
    if (node.action === 'keep' && (v === null || typeof v !== 'object') && !w.plan.exactNumbers) {
      tallyAt(w, pos, node, v);
      return v;
    }
    if (node.action === 'drop') {
      tallyAt(w, pos, node, v);
      return DROP;
    }
    return act(w, node, pos, v, false, depth, ref, key);
  }
  let here = pos;
  if (node.shapeless !== undefined) {
    // The schema says a scalar here; what the payload put below it is not described, so it is untagged.
    node = node.shapeless;
    here = pos.star();
  }
  if (node.whole) return act(w, node, here, v, true, depth, ref, key);
  if (depth >= w.plan.maxDepth) {
    if (w.plan.lenient) return PLACEHOLDER.deep;
    tooDeep(w.plan, pos);
  }
  const c = v as Record<string, unknown> | unknown[];
  const seen = w.seen;
  if (seen !== undefined) {
    if (seen.has(c)) return PLACEHOLDER.circular;
    seen.add(c);
  }
  const inner: Ref | undefined = w.plan.concretePaths ? { parent: ref ?? ROOT_REF, key, path: undefined } : undefined;
  try {
    return Array.isArray(c) ? walkArray(w, node, here, c, depth, inner) : walkObject(w, node, here, c, depth, inner);
  } finally {
    seen?.delete(c);
  }
}

function walkArray(w: Walk, node: PlanNode, pos: Position, c: readonly unknown[], depth: number, ref: Ref | undefined): unknown[] {
  const out: unknown[] = [];
  const children = node.children;
  const secret = w.plan.lenient ? w.plan.secretKey : undefined;
  for (let i = 0; i < c.length; i++) {
    const named = children?.get(String(i));
    let child = named ?? node.items;
    let childPos = named !== undefined ? pos.index(String(i)) : pos.items();
    const item = c[i];
    // A flat name/value list such as Node's req.rawHeaders: the value after a secret name is a secret.
    if (secret !== undefined && i % 2 === 1 && typeof item === 'string' && typeof c[i - 1] === 'string' && secret(c[i - 1] as string)) {
      child = w.plan.secretNode!;
      childPos = pos.items();
    }
    const r = walk(w, child, childPos, item, depth + 1, ref, i);
    if (r === DROP) {
      if (w.plan.lenient && (item === undefined || typeof item === 'function' || typeof item === 'symbol')) out.push(null);
      continue;
    }
    if (r instanceof Pending) {
      r.holder = out;
      r.key = out.length;
    }
    out.push(r);
  }
  return out;
}

function walkObject(w: Walk, node: PlanNode, pos: Position, c: Record<string, unknown>, depth: number, ref: Ref | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const keys = Object.keys(c);
  const { fold, secretKey, lenient } = w.plan;
  const slots = node.slots;
  const childKeys = node.childKeys;
  // Payloads mostly list an object's keys in the schema's order: the next slot is tried before the look-up.
  let next = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    let item: unknown;
    if (lenient) {
      try {
        item = c[k];
      } catch {
        item = PLACEHOLDER.unreadable;
      }
    } else {
      item = c[k];
    }
    let child: PlanNode;
    let childPos: Position;
    let name = k;
    const fk = fold ? k.toLowerCase() : k;
    const slot = next < childKeys.length && childKeys[next] === fk ? next : slots?.get(fk);
    if (slot !== undefined) next = slot + 1;
    const named = slot === undefined ? undefined : node.childList[slot];
    // Logs censor credential names everywhere; answers, only where the schema does not name the key.
    if (secretKey !== undefined && (lenient || (named === undefined && node.other.action === 'scan')) && secretKey(k)) {
      child = w.plan.secretNode!;
      childPos = pos.star();
      name = secretKeyText(w, k);
      if (name !== k) name = distinctKey(result, name);
    } else {
      if (named !== undefined) {
        child = named;
        childPos = pos.slot(slot!, fk);
      } else if (lenient && k.includes('[') && bracketed(w.plan, node, k) !== undefined) {
        // A query logged as a framework parsed it flat (`customer[name]`) is read as the path it names.
        child = bracketed(w.plan, node, k)!;
        childPos = pos.star();
      } else {
        child = node.other;
        childPos = pos.star();
        const as = outKey(w, node, pos, childPos, k);
        if (as === DROP_KEY) {
          // The entry goes with its key; a value that goes anyway is still counted where it was.
          if (child.action === 'drop' || child.action === 'reject') walk(w, child, childPos, item, depth + 1, ref, k);
          continue;
        }
        name = as;
        // Two keys masked alike stay two entries.
        if (name !== k) name = distinctKey(result, name);
      }
    }
    const r = slot !== undefined && child === named && masksLeaf(w, child, item) ? maskSlot(w, node, slot, child, childPos, item, ref, k) : walk(w, child, childPos, item, depth + 1, ref, k);
    if (r === DROP) continue;
    if (r instanceof Pending) {
      r.holder = result;
      r.key = name;
    }
    if (name === '__proto__') setKey(result, name, r);
    else result[name] = r;
  }
  return result;
}

// `customer[name]`, and `[1][children][0][note]`: the rest of a key qs left unparsed past its depth.
const BRACKETS = /^([^[\]]*)((?:\[[^[\]]*\])+)$/;

/** The node a flat bracket key (`customer[name]`, `items[0][note]`) names, when it names a schema position. */
export function bracketed(plan: CompiledPlan, node: PlanNode, key: string): PlanNode | undefined {
  const m = BRACKETS.exec(key);
  if (m === null) return undefined;
  const segs = [...(m[1] === '' ? [] : [m[1]!]), ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)];
  let n = node;
  let named = false;
  for (const seg of segs) {
    const k = plan.fold ? seg.toLowerCase() : seg;
    const next = n.children?.get(k);
    if (next !== undefined) named = true;
    n = next ?? (seg === '' || /^\d+$/.test(seg) ? n.items : n.other);
  }
  return named ? n : undefined;
}


export function tally(w: Walk): Tally {
  const positions = w.touched;
  const counts = new Array<number>(positions.length);
  const types = new Array<number>(positions.length);
  for (let i = 0; i < positions.length; i++) {
    counts[i] = positions[i]!.count;
    types[i] = positions[i]!.types;
  }
  return { positions, nodes: w.touchedNodes, counts, types };
}

function unique(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => v !== undefined))];
}

/** A fresh walk of a plan over one payload (its shiftDates offsets read from the payload's root). */
export function newWalk(plan: CompiledPlan, value: unknown): Walk {
  return {
    plan,
    stamp: ++stamps,
    touched: [],
    touchedNodes: [],
    rejected: undefined,
    pending: undefined,
    decrypted: undefined,
    unresolved: undefined,
    subjects: undefined,
    seen: plan.lenient ? new Set() : undefined,
    offsets: plan.shifts.length === 0 ? undefined : subjectOffsets(plan.shifts, value, plan.namespace),
    nodes: 0,
    serialFailed: false,
    serialError: undefined,
  };
}

/** The keyed pseudonym of a value or key the walk sends, its subject kept (read from the digest, see `digestSubject`). */
function keyedPseudonym(w: Walk, text: string): string {
  const digest = pseudonymDigest(w.plan.keys!, text, w.plan.namespace);
  subject(w, digestSubject(digest));
  return pseudonymOf(w.plan.keys!, digest);
}

/** Keeps the subject hash of a pseudonym the walk sent, for the monitor's distinct subjects. */
function subject(w: Walk, hash: number): void {
  const list = (w.subjects ??= []);
  if (list.length < MAX_SUBJECTS) list.push(hash);
}

/** Fails a walk that threw: fieldguard's own errors as they are, anything else (a getter, toJSON or proxy) as unreadable. */
export function walkFailed(e: unknown): never {
  if (e instanceof FieldguardError) throw e;
  throw new FieldguardError('ERR_UNREADABLE_VALUE', 'a value in the payload could not be read (a getter, toJSON or proxy threw)');
}

/** Refuses the payload when the walk met untagged fields under `untagged: 'reject'`. */
export function checkRejected(w: Walk): void {
  if (w.rejected !== undefined && w.rejected.length > 0) {
    throw new FieldguardError(
      'ERR_UNTAGGED_FIELD',
      `the payload has fields no tag covers: ${w.rejected.slice(0, 5).map((p) => p || '(root)').join(', ')}${w.rejected.length > 5 ? ', …' : ''}`,
      { paths: w.rejected },
    );
  }
}

function start(plan: CompiledPlan, value: unknown): { w: Walk; out: unknown; t: Tally } {
  const w = newWalk(plan, value);
  let out: unknown;
  try {
    out = walk(w, plan.root, rootOf(plan), value, 0, undefined, undefined);
  } catch (e) {
    walkFailed(e);
  }
  checkRejected(w);
  return { w, out: out === DROP ? undefined : out, t: tally(w) };
}

export function auditDecrypts(w: Walk, context: PlanContext | undefined): void {
  if (w.decrypted === undefined || w.decrypted.length === 0) return;
  const failed = w.unresolved === undefined ? 0 : [...w.unresolved.values()].reduce((n, k) => n + k, 0);
  const total = w.decrypted.length;
  emitAudit(w.plan.audit, {
    at: new Date().toISOString(),
    actor: context?.actor ?? 'unknown',
    purpose: context?.purpose ?? 'unspecified',
    paths: unique(w.decrypted.map(([pos]) => pos.label)),
    kinds: unique(w.decrypted.map(([, node]) => node.kind)),
    count: total,
    outcome: failed === 0 ? 'resolved' : failed === total ? 'unresolved' : 'partial',
    action: 'decrypt',
  });
}

function place(p: Pending, v: unknown, root: { out: unknown }): void {
  if (p.holder === undefined) root.out = v;
  else if (Array.isArray(p.holder)) p.holder[p.key as number] = v;
  else setKey(p.holder, p.key as string, v);
}

/**
 * Applies a compiled plan to a value: one synchronous walk that returns a new value and a report.
 *
 * @throws FieldguardError `ERR_PAYLOAD_TOO_DEEP`, `ERR_PAYLOAD_TOO_LARGE`, `ERR_UNTAGGED_FIELD`
 *   (under `untagged: 'reject'`), `ERR_MASK_FAILED`, `ERR_UNSAFE_NUMBER`, or `ERR_UNREADABLE_VALUE`
 *   when a getter, `toJSON` or proxy throws. Messages carry schema paths, never values or keys the sender chose.
 */
export function applyPlan(plan: CompiledPlan, value: unknown, context?: PlanContext): PlanResult {
  const { w, out, t } = start(plan, value);
  auditDecrypts(w, context);
  return lazyReport(out, t, w.unresolved ?? NONE_UNRESOLVED, w.subjects);
}

/**
 * A report built from a walk's tally when it is first read. Its state lives in private fields, and
 * `report` is an own, enumerable accessor like any other property, defined from one shared
 * descriptor: every result has the same hidden class and no per-call closure. (An object literal
 * with a getter makes a closure and a hidden class per call, which the garbage collector keeps —
 * with everything the closure holds — until the next full collection.)
 */
export class LazyReport {
  #tally: Tally | undefined;
  #unresolved: ReadonlyMap<Position, number>;
  #subjects: readonly number[] | undefined;
  #report: Report | undefined;

  static readonly descriptor: PropertyDescriptor = {
    get(this: LazyReport): Report {
      return this.read();
    },
    enumerable: true,
    configurable: true,
  };

  constructor(t: Tally, unresolved: ReadonlyMap<Position, number>, subjects: readonly number[] | undefined) {
    this.#tally = t;
    this.#unresolved = unresolved;
    this.#subjects = subjects;
  }

  /** The report, built on the first call. */
  read(): Report {
    if (this.#report === undefined) {
      this.#report = buildReport(this.#tally!, this.#unresolved, this.#subjects);
      this.#tally = undefined;
      this.#subjects = undefined;
    }
    return this.#report;
  }
}

/** A value walk's result: `value`, then `report` built when first read. */
class LazyPlanResult extends LazyReport implements PlanResult {
  readonly value: unknown;
  declare readonly report: Report;
  constructor(value: unknown, t: Tally, unresolved: ReadonlyMap<Position, number>, subjects: readonly number[] | undefined) {
    super(t, unresolved, subjects);
    this.value = value;
    Object.defineProperty(this, 'report', LazyReport.descriptor);
  }
}

/**
 * A result whose report is built from the walk's tally when it is first read (an own, enumerable
 * property like any other): a caller that only wants the value — a log line — pays nothing for it.
 */
export function lazyReport(value: unknown, t: Tally, unresolved: ReadonlyMap<Position, number>, subjects?: readonly number[]): PlanResult {
  return new LazyPlanResult(value, t, unresolved, subjects);
}

/**
 * Applies a plan with vault actions: the walk collects every value to tokenize or detokenize, then
 * one vault batch resolves them (one store round trip per direction), then they are put in place.
 * If the vault fails, the whole call rejects with `ERR_VAULT_UNAVAILABLE` and no partial value escapes.
 * A token resolves only in the plan's namespace and at a position of the kind it was made for.
 */
export async function applyPlanAsync(plan: CompiledPlan, value: unknown, context?: PlanContext): Promise<PlanResult> {
  const { w, out, t } = start(plan, value);
  auditDecrypts(w, context);
  const root = { out };
  const pending = w.pending ?? [];
  const toTokenize = pending.filter((p) => p.node.action === 'tokenize');
  const toDetokenize = pending.filter((p) => p.node.action === 'detokenize');
  if (toTokenize.length > 0) {
    const tokens = await plan.vault!.tokenizeMany(
      toTokenize.map((p) => ({ value: p.value, kind: p.node.kind, ttl: p.node.tag?.retention })),
      plan.namespace,
    );
    toTokenize.forEach((p, i) => {
      place(p, tokens[i], root);
      if (typeof tokens[i] === 'string') subject(w, subjectHash(tokens[i]));
    });
  }
  if (toDetokenize.length > 0) {
    const values = await plan.vault!.detokenizeMany(
      toDetokenize.map((p) => ({ token: p.value, kind: p.node.kind ?? null })),
      {
        namespace: plan.namespace,
        actor: context?.actor ?? 'unknown',
        purpose: context?.purpose ?? 'unspecified',
        paths: unique(toDetokenize.map((p) => p.pos.label)),
        kinds: unique(toDetokenize.map((p) => p.node.kind)),
      },
    );
    toDetokenize.forEach((p, i) => {
      const v = values[i];
      if (v === null || v === undefined) {
        unresolvedAt(w, p.pos);
        place(p, p.original, root);
      } else {
        place(p, decodeValue(v), root);
      }
    });
  }
  return { value: root.out, report: buildReport(t, w.unresolved ?? NONE_UNRESOLVED, w.subjects) };
}
