// Applies a compiled plan: one walk over the payload that builds a new value and a report, never mutating the input.
import { FieldguardError } from '../errors.js';
import type { Kind, Sensitivity } from '../schema/tags.js';
import { emitAudit } from '../vault/audit.js';
import { decryptField, encryptField, hmacPseudonym } from '../vault/crypto.js';
import type { CompiledPlan, LeafAction, PlanNode } from './compile.js';
import { appendIndex, appendKey } from '../schema/path.js';

/** What a walk did at one path: how many values got which action. Never a value. */
export interface ReportField {
  /** The path in pino syntax, array positions as `[*]`. */
  readonly path: string;
  readonly action: LeafAction;
  readonly count: number;
  readonly sensitivity?: Sensitivity;
  readonly kind?: Kind;
  /** Set when no tag covers the path. */
  readonly untagged?: true;
  /** Tokens or ciphertexts at this path that did not resolve (unknown, expired, erased, moved). */
  readonly unresolved?: number;
}

/** Counts of what one application of a plan did, for metrics and audits. Paths and kinds only, never values. */
export interface Report {
  readonly kept: number;
  readonly dropped: number;
  readonly masked: number;
  /** Untagged fields refused under `untagged: 'reject'`. */
  readonly rejected: number;
  /** How many of the fields above no tag covered. */
  readonly untagged: number;
  readonly hashed: number;
  readonly encrypted: number;
  /** Ciphertexts decrypted (those that did not authenticate are in `unresolved`). */
  readonly decrypted: number;
  readonly tokenized: number;
  /** Tokens resolved (those that did not are in `unresolved`). */
  readonly detokenized: number;
  readonly unresolved: number;
  readonly fields: readonly ReportField[];
}

/** The result of applying a plan: the new value and what was done. */
export interface PlanResult<T = unknown> {
  readonly value: T;
  readonly report: Report;
}

const DROP = Symbol('fieldguard.drop');

/** A value waiting for the vault, and where its answer goes. */
class Pending {
  holder: Record<string, unknown> | unknown[] | undefined;
  key: string | number = '';
  constructor(
    readonly node: PlanNode,
    readonly value: string,
    readonly original: unknown,
  ) {}
}

/** Who re-identifies, and why; recorded in audit events of `decrypt` and `detokenize`. */
export interface PlanContext {
  readonly actor?: string;
  readonly purpose?: string;
}

interface Walk {
  readonly plan: CompiledPlan;
  readonly counts: Uint32Array;
  readonly unresolved: Uint32Array;
  readonly dynamic: Map<string, { node: PlanNode; count: number }>;
  readonly rejected: string[];
  readonly pending: Pending[];
  readonly decrypted: Set<PlanNode>;
  nodes: number;
}

/** Non-string values travel through hashes, ciphertexts and tokens as a NUL-prefixed JSON text, so they come back typed. */
const TYPED = '\u0000';

function encodeValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'bigint') return TYPED + JSON.stringify(v.toString());
  return TYPED + (JSON.stringify(v) ?? 'null');
}

function decodeValue(s: string): unknown {
  if (!s.startsWith(TYPED)) return s;
  try {
    return JSON.parse(s.slice(1)) as unknown;
  } catch {
    return s;
  }
}

type Container = Record<string, unknown> | unknown[];

function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  // An own "__proto__" key is copied as data; assigning it would replace the object's prototype.
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Classifies a value: containers are walked, anything else is a leaf. Objects with `toJSON` are walked as their JSON form. */
function containerOf(value: unknown): Container | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return value as Record<string, unknown>;
  if (value instanceof Date || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) return undefined;
  if (value instanceof RegExp || value instanceof Promise) return undefined;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    return containerOf(json) ?? ({ [TO_JSON_LEAF]: json } as unknown as Container);
  }
  return value as Record<string, unknown>;
}

const TO_JSON_LEAF = Symbol('fieldguard.toJSONLeaf');

/**
 * Where a value sits, as a linked list built only for containers: a leaf's path is joined from
 * its parent and key only when a report or an error needs it.
 */
interface PathRef {
  readonly parent: PathRef | undefined;
  /** The key, or `undefined` for an array item (`[*]`). */
  readonly key: string | undefined;
}

const ROOT: PathRef = { parent: undefined, key: '' };

function pathOf(parent: PathRef | undefined, key: string | undefined): string {
  const keys: Array<string | undefined> = [key];
  for (let p = parent; p !== undefined && p !== ROOT; p = p.parent) keys.push(p.key);
  if (parent === undefined) return '';
  let out = '';
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i];
    out = k === undefined ? appendIndex(out, '*') : appendKey(out, k);
  }
  return out;
}

function tooDeep(plan: CompiledPlan, path: string): never {
  throw new FieldguardError(
    'ERR_PAYLOAD_TOO_DEEP',
    `the payload nests deeper than ${plan.maxDepth} levels (or is circular) at ${path === '' ? 'the root' : path}`,
    { paths: [path] },
  );
}

function tooLarge(plan: CompiledPlan): never {
  throw new FieldguardError('ERR_PAYLOAD_TOO_LARGE', `the payload has more than ${plan.maxNodes} values`);
}

/** Deep copy of a value that is kept whole: plain data copied, exotic leaves copied or shared. */
function copy(w: Walk, value: unknown, depth: number, parent: PathRef | undefined, key: string | undefined): unknown {
  if (++w.nodes > w.plan.maxNodes) tooLarge(w.plan);
  if (value === null || typeof value !== 'object') return value;
  const c = containerOf(value);
  if (c === undefined) {
    if (value instanceof Date) return new Date(value.getTime());
    if (Buffer.isBuffer(value)) return Buffer.from(value);
    return value;
  }
  if (TO_JSON_LEAF in c) return (c as unknown as Record<symbol, unknown>)[TO_JSON_LEAF];
  if (depth >= w.plan.maxDepth) tooDeep(w.plan, pathOf(parent, key));
  const here: PathRef = { parent, key };
  if (Array.isArray(c)) {
    const out = new Array<unknown>(c.length);
    for (let i = 0; i < c.length; i++) out[i] = copy(w, c[i], depth + 1, here, undefined);
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(c);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    setKey(out, k, copy(w, c[k], depth + 1, here, k));
  }
  return out;
}

function leaf(w: Walk, node: PlanNode, value: unknown, depth: number, parent: PathRef | undefined, key: string | undefined): unknown {
  if (node.untagged) {
    const path = pathOf(parent, key);
    const entry = w.dynamic.get(path);
    if (entry === undefined) w.dynamic.set(path, { node, count: 1 });
    else entry.count++;
  } else {
    w.counts[node.id]!++;
  }
  switch (node.action) {
    case 'keep':
      return value === null || typeof value !== 'object' ? value : copy(w, value, depth, parent, key);
    case 'drop':
      return DROP;
    case 'reject':
      if (w.rejected.length < 100) w.rejected.push(pathOf(parent, key));
      return DROP;
    case 'mask': {
      try {
        const c = value !== null && typeof value === 'object' ? containerOf(value) : undefined;
        const v = c !== undefined && TO_JSON_LEAF in c ? (c as unknown as Record<symbol, unknown>)[TO_JSON_LEAF] : value;
        return node.mask!(v, node.maskContext!);
      } catch {
        throw new FieldguardError('ERR_MASK_FAILED', `the mask format for ${node.label || 'the root'} threw`, {
          paths: [node.label],
        });
      }
    }
    case 'hash': {
      const text = encodeValue(jsonLeaf(value));
      return text === undefined ? value : hmacPseudonym(w.plan.keys!, text, w.plan.namespace);
    }
    case 'encrypt': {
      const text = encodeValue(jsonLeaf(value));
      return text === undefined ? value : encryptField(w.plan.keys!, text, node.cryptoContext);
    }
    case 'decrypt': {
      if (typeof value !== 'string') return value;
      w.decrypted.add(node);
      const text = decryptField(w.plan.keys!, value, node.cryptoContext);
      if (text === undefined) {
        w.unresolved[node.id]!++;
        return value;
      }
      return decodeValue(text);
    }
    case 'tokenize': {
      const text = encodeValue(jsonLeaf(value));
      if (text === undefined) return value;
      const p = new Pending(node, text, value);
      w.pending.push(p);
      return p;
    }
    case 'detokenize': {
      if (typeof value !== 'string') return value;
      const p = new Pending(node, value, value);
      w.pending.push(p);
      return p;
    }
  }
}

/** A leaf as JSON would see it: the result of its `toJSON` when it has one. */
function jsonLeaf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const c = containerOf(value);
  return c !== undefined && TO_JSON_LEAF in c ? (c as unknown as Record<symbol, unknown>)[TO_JSON_LEAF] : value;
}

/** Walks one value found at `key` under `parent` (`key` undefined: an array item; `parent` undefined: the root). */
function walk(w: Walk, node: PlanNode, value: unknown, depth: number, parent: PathRef | undefined, key: string | undefined): unknown {
  if (++w.nodes > w.plan.maxNodes) tooLarge(w.plan);
  const c = node.whole || value === null || typeof value !== 'object' ? undefined : containerOf(value);
  if (c === undefined || TO_JSON_LEAF in c) {
    if (node.action === 'drop' && !node.untagged) {
      w.counts[node.id]!++;
      return DROP;
    }
    if (node.action === 'keep' && !node.untagged && (value === null || typeof value !== 'object')) {
      w.counts[node.id]!++;
      return value;
    }
    return leaf(w, node, value, depth, parent, key);
  }
  if (depth >= w.plan.maxDepth) tooDeep(w.plan, pathOf(parent, key));
  const here: PathRef = parent === undefined ? ROOT : { parent, key };
  const children = node.children;
  if (Array.isArray(c)) {
    const out: unknown[] = [];
    for (let i = 0; i < c.length; i++) {
      const child = children === undefined ? node.items : (children.get(String(i)) ?? node.items);
      const v = walk(w, child, c[i], depth + 1, here, undefined);
      if (v === DROP) continue;
      if (v instanceof Pending) {
        v.holder = out;
        v.key = out.length;
      }
      out.push(v);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(c);
  const fold = w.plan.fold;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const child = children === undefined ? node.other : (children.get(fold ? k.toLowerCase() : k) ?? node.other);
    const v = walk(w, child, c[k], depth + 1, here, k);
    if (v === DROP) continue;
    if (v instanceof Pending) {
      v.holder = out;
      v.key = k;
    }
    if (k === '__proto__') setKey(out, k, v);
    else out[k] = v;
  }
  return out;
}

const COUNTER: Readonly<Record<LeafAction, keyof Counts>> = {
  keep: 'kept',
  drop: 'dropped',
  mask: 'masked',
  reject: 'rejected',
  hash: 'hashed',
  encrypt: 'encrypted',
  decrypt: 'decrypted',
  tokenize: 'tokenized',
  detokenize: 'detokenized',
};

type Counts = { -readonly [K in Exclude<keyof Report, 'fields'>]: number };

function report(w: Walk): Report {
  const counts: Counts = { kept: 0, dropped: 0, masked: 0, rejected: 0, untagged: 0, hashed: 0, encrypted: 0, decrypted: 0, tokenized: 0, detokenized: 0, unresolved: 0 };
  const fields: ReportField[] = [];
  const add = (node: PlanNode, path: string, count: number, unresolved: number): void => {
    counts[COUNTER[node.action]] += count - unresolved;
    counts.unresolved += unresolved;
    if (node.untagged) counts.untagged += count;
    const field: { -readonly [K in keyof ReportField]: ReportField[K] } = { path, action: node.action, count };
    if (node.tag !== undefined) {
      field.sensitivity = node.tag.sensitivity;
      if (node.tag.kind !== undefined) field.kind = node.tag.kind;
    } else {
      field.untagged = true;
    }
    if (unresolved > 0) field.unresolved = unresolved;
    fields.push(field);
  };
  const { plan } = w;
  for (let i = 0; i < w.counts.length; i++) if (w.counts[i]! > 0) add(plan.nodes[i]!, plan.nodes[i]!.label, w.counts[i]!, w.unresolved[i]!);
  for (const [path, { node, count }] of w.dynamic) add(node, path, count, 0);
  return { ...counts, fields };
}

function unique(values: Iterable<string | undefined>): string[] {
  return [...new Set([...values].filter((v): v is string => v !== undefined))];
}

function start(plan: CompiledPlan, value: unknown): { w: Walk; out: unknown } {
  const w: Walk = {
    plan,
    counts: new Uint32Array(plan.size),
    unresolved: new Uint32Array(plan.size),
    dynamic: new Map(),
    rejected: [],
    pending: [],
    decrypted: new Set(),
    nodes: 0,
  };
  let out: unknown;
  try {
    out = walk(w, plan.root, value, 0, undefined, undefined);
  } catch (e) {
    if (e instanceof FieldguardError) throw e;
    throw new FieldguardError('ERR_UNREADABLE_VALUE', 'a value in the payload could not be read (a getter or proxy threw)');
  }
  if (w.rejected.length > 0) {
    throw new FieldguardError(
      'ERR_UNTAGGED_FIELD',
      `the payload has fields no tag covers: ${w.rejected.slice(0, 5).join(', ')}${w.rejected.length > 5 ? ', …' : ''}`,
      { paths: w.rejected },
    );
  }
  return { w, out: out === DROP ? undefined : out };
}

function auditDecrypts(w: Walk, context: PlanContext | undefined): void {
  if (w.decrypted.size === 0) return;
  const nodes = [...w.decrypted];
  const count = nodes.reduce((n, node) => n + w.counts[node.id]!, 0);
  const failed = nodes.reduce((n, node) => n + w.unresolved[node.id]!, 0);
  emitAudit(w.plan.audit, {
    at: new Date().toISOString(),
    actor: context?.actor ?? 'unknown',
    purpose: context?.purpose ?? 'unspecified',
    paths: unique(nodes.map((n) => n.label)),
    kinds: unique(nodes.map((n) => n.tag?.kind)),
    count,
    outcome: failed === 0 ? 'resolved' : failed === count ? 'unresolved' : 'partial',
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
 *   (under `untagged: 'reject'`), `ERR_MASK_FAILED`, or `ERR_UNREADABLE_VALUE` when a getter or
 *   proxy throws. Messages carry paths, never values.
 */
export function applyPlan(plan: CompiledPlan, value: unknown, context?: PlanContext): PlanResult {
  const { w, out } = start(plan, value);
  auditDecrypts(w, context);
  return { value: out, report: report(w) };
}

/**
 * Applies a plan with vault actions: the walk collects every value to tokenize or detokenize, then
 * one vault batch resolves them (one store round trip per direction), then they are put in place.
 * If the vault fails, the whole call rejects with `ERR_VAULT_UNAVAILABLE` and no partial value escapes.
 */
export async function applyPlanAsync(plan: CompiledPlan, value: unknown, context?: PlanContext): Promise<PlanResult> {
  const { w, out } = start(plan, value);
  auditDecrypts(w, context);
  const root = { out };
  const toTokenize = w.pending.filter((p) => p.node.action === 'tokenize');
  const toDetokenize = w.pending.filter((p) => p.node.action === 'detokenize');
  if (toTokenize.length > 0) {
    const tokens = await plan.vault!.tokenizeMany(
      toTokenize.map((p) => ({ value: p.value, kind: p.node.tag?.kind, ttl: p.node.tag?.retention })),
      plan.namespace,
    );
    toTokenize.forEach((p, i) => place(p, tokens[i], root));
  }
  if (toDetokenize.length > 0) {
    // Scoped: a token resolves only in the plan's namespace and at a position of the kind it was made with.
    const values = await plan.vault!.detokenizeMany(
      toDetokenize.map((p) => ({ token: p.value, kind: p.node.tag?.kind ?? null })),
      {
        namespace: plan.namespace,
        actor: context?.actor ?? 'unknown',
        purpose: context?.purpose ?? 'unspecified',
        paths: unique(toDetokenize.map((p) => p.node.label)),
        kinds: unique(toDetokenize.map((p) => p.node.tag?.kind)),
      },
    );
    toDetokenize.forEach((p, i) => {
      const v = values[i];
      if (v === null || v === undefined) {
        w.unresolved[p.node.id]!++;
        place(p, p.original, root);
      } else {
        place(p, decodeValue(v), root);
      }
    });
  }
  return { value: root.out, report: report(w) };
}
