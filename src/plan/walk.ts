// Applies a compiled plan: one walk over the payload that builds a new value and a report, never mutating the input.
import { FieldguardError } from '../errors.js';
import type { Kind, Sensitivity } from '../schema/tags.js';
import type { CompiledPlan, LeafAction, PlanNode } from './compile.js';
import { appendIndex, appendKey } from './path.js';

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
  readonly fields: readonly ReportField[];
}

/** The result of applying a plan: the new value and what was done. */
export interface PlanResult<T = unknown> {
  readonly value: T;
  readonly report: Report;
}

const DROP = Symbol('fieldguard.drop');

interface Walk {
  readonly plan: CompiledPlan;
  readonly counts: Uint32Array;
  readonly dynamic: Map<string, { node: PlanNode; count: number }>;
  readonly rejected: string[];
  nodes: number;
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
function copy(w: Walk, value: unknown, depth: number, path: string): unknown {
  if (++w.nodes > w.plan.maxNodes) tooLarge(w.plan);
  const c = containerOf(value);
  if (c === undefined) {
    if (value instanceof Date) return new Date(value.getTime());
    if (Buffer.isBuffer(value)) return Buffer.from(value);
    return value;
  }
  if (TO_JSON_LEAF in c) return (c as unknown as Record<symbol, unknown>)[TO_JSON_LEAF];
  if (depth >= w.plan.maxDepth) tooDeep(w.plan, path);
  if (Array.isArray(c)) {
    const out = new Array<unknown>(c.length);
    const p = appendIndex(path, '*');
    for (let i = 0; i < c.length; i++) out[i] = copy(w, c[i], depth + 1, p);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(c)) setKey(out, key, copy(w, c[key], depth + 1, appendKey(path, key)));
  return out;
}

function leaf(w: Walk, node: PlanNode, value: unknown, depth: number, base: string, key: string | undefined): unknown {
  const path = key === undefined ? base : appendKey(base, key);
  if (node.untagged) {
    const entry = w.dynamic.get(path);
    if (entry === undefined) w.dynamic.set(path, { node, count: 1 });
    else entry.count++;
  } else {
    w.counts[node.id]!++;
  }
  switch (node.action) {
    case 'keep':
      return copy(w, value, depth, path);
    case 'drop':
      return DROP;
    case 'reject':
      if (w.rejected.length < 100) w.rejected.push(path);
      return DROP;
    case 'mask': {
      let masked: unknown;
      try {
        const c = containerOf(value);
        const v = c !== undefined && TO_JSON_LEAF in c ? (c as unknown as Record<symbol, unknown>)[TO_JSON_LEAF] : value;
        masked = node.mask!(v, { path: node.label, kind: node.tag?.kind });
      } catch {
        throw new FieldguardError('ERR_MASK_FAILED', `the mask format for ${node.label || 'the root'} threw`, {
          paths: [node.label],
        });
      }
      return masked;
    }
  }
}

/**
 * Walks one value. Its path is `base` followed by `key` (or `base` alone when `key` is undefined),
 * joined only when needed, so known leaves cost no string work.
 */
function walk(w: Walk, node: PlanNode, value: unknown, depth: number, base: string, key: string | undefined): unknown {
  if (++w.nodes > w.plan.maxNodes) tooLarge(w.plan);
  const c = node.whole ? undefined : containerOf(value);
  if (c === undefined || TO_JSON_LEAF in c) {
    if (!node.untagged && node.action === 'drop') {
      w.counts[node.id]!++;
      return DROP;
    }
    return leaf(w, node, value, depth, base, key);
  }
  const path = key === undefined ? base : appendKey(base, key);
  if (depth >= w.plan.maxDepth) tooDeep(w.plan, path);
  const children = node.children;
  const fold = w.plan.fold;
  if (Array.isArray(c)) {
    const out: unknown[] = [];
    const itemPath = appendIndex(path, '*');
    for (let i = 0; i < c.length; i++) {
      const child = children === undefined ? node.other : (children.get(String(i)) ?? node.other);
      const v = walk(w, child, c[i], depth + 1, itemPath, undefined);
      if (v !== DROP) out.push(v);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(c)) {
    const child = children === undefined ? node.other : (children.get(fold ? k.toLowerCase() : k) ?? node.other);
    const v = walk(w, child, c[k], depth + 1, path, k);
    if (v !== DROP) setKey(out, k, v);
  }
  return out;
}

function report(w: Walk): Report {
  let kept = 0;
  let dropped = 0;
  let masked = 0;
  let rejected = 0;
  let untagged = 0;
  const fields: ReportField[] = [];
  const add = (node: PlanNode, path: string, count: number): void => {
    if (node.action === 'keep') kept += count;
    else if (node.action === 'drop') dropped += count;
    else if (node.action === 'mask') masked += count;
    else rejected += count;
    if (node.untagged) untagged += count;
    const field: { -readonly [K in keyof ReportField]: ReportField[K] } = { path, action: node.action, count };
    if (node.tag !== undefined) {
      field.sensitivity = node.tag.sensitivity;
      if (node.tag.kind !== undefined) field.kind = node.tag.kind;
    } else {
      field.untagged = true;
    }
    fields.push(field);
  };
  const { counts, plan } = w;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) add(plan.nodes[i]!, plan.nodes[i]!.label, counts[i]!);
  for (const [path, { node, count }] of w.dynamic) add(node, path, count);
  return { kept, dropped, masked, rejected, untagged, fields };
}

/**
 * Applies a compiled plan to a value: one synchronous walk that returns a new value and a report.
 *
 * @throws FieldguardError `ERR_PAYLOAD_TOO_DEEP`, `ERR_PAYLOAD_TOO_LARGE`, `ERR_UNTAGGED_FIELD`
 *   (under `untagged: 'reject'`), `ERR_MASK_FAILED`, or `ERR_UNREADABLE_VALUE` when a getter or
 *   proxy throws. Messages carry paths, never values.
 */
export function applyPlan(plan: CompiledPlan, value: unknown): PlanResult {
  const w: Walk = { plan, counts: new Uint32Array(plan.size), dynamic: new Map(), rejected: [], nodes: 0 };
  let out: unknown;
  try {
    out = walk(w, plan.root, value, 0, '', undefined);
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
  return { value: out === DROP ? undefined : out, report: report(w) };
}
