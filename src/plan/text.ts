// The text walk: applies a plan and writes the result's JSON while walking, byte for byte what JSON.stringify would write of the value walk's result.
import { FieldguardError } from '../errors.js';
import type { AsyncPlan, Plan } from './api.js';
import type { CompiledPlan, PlanNode } from './compile.js';
import type { Position } from './position.js';
import type { Report, Tally } from './report.js';
import { lastViewed, view } from './view.js';
import {
  act,
  auditDecrypts,
  bracketed,
  checkNumber,
  checkRejected,
  tallyAt,
  DROP,
  DROP_KEY,
  LazyReport,
  maskSlot,
  masksLeaf,
  NONE_UNRESOLVED,
  newWalk,
  outKey,
  secretKeyText,
  distinctKey,
  PLACEHOLDER,
  ROOT_REF,
  rootOf,
  tally,
  tooDeep,
  tooLarge,
  walk,
  walkFailed,
  type PlanContext,
  type Ref,
  type Walk,
} from './walk.js';

/** The result of applying a plan as text: the JSON of the new value (`undefined` where `JSON.stringify` gives none) and what was done. */
export interface PlanText {
  readonly text: string | undefined;
  readonly report: Report;
}

/** Where a public plan keeps the compiled plan it applies. */
export const COMPILED = Symbol.for('fieldguard.compiledPlan');

/** The last string a mask format gave in a text walk, and its JSON text: formats that censor give the same string value after value. */
let lastMasked: string | undefined;
let lastMaskedText = '';

/** The text of a mask format's output under `key` of its holder: {@link toText}, remembering the last string. */
function maskedText(w: Walk, r: unknown, key: string): string | undefined {
  if (typeof r !== 'string') return toText(w, r, key);
  if (r !== lastMasked) {
    lastMaskedText = quote(r);
    lastMasked = r;
  }
  return lastMaskedText;
}

/**
 * The entries this text walk wrote for masked leaves, four per masked slot of its plan
 * (`PlanNode.entryIndex`): the masked string the slot gave last, then its entry as the object's
 * first (`"email":"[REDACTED]"`), after a comma (`,"email":"[REDACTED]"`) and after a kept string
 * still open (`","email":"[REDACTED]"`), each made when first needed. A censor gives the same string
 * value after value, so from the second time a slot gives it the entry is one piece of text, made
 * once per walk, instead of two pieces per value. They are the entries of one walk (`entryWalk`;
 * a walk begun inside a format starts afresh) and are cleared when it ends, as {@link lastMasked} is:
 * the array is all `undefined` whenever `entryWalk` is. Only the slots the walk used are cleared
 * (`entryUsed`): a log redactor's plan has hundreds of masked slots, of which a line uses a few.
 */
let entryWalk: Walk | undefined;
const entryTexts: Array<string | undefined> = [];
/**
 * How many values a walk reads before it keeps masked entries: a payload as small as a log line or a
 * 1 KB order masks each slot about once, and keeping its entries would cost more than it saves.
 */
const ENTRIES_AFTER = 128;
const entryUsed: number[] = [];

/**
 * The text of a masked string's entry under slot `slot` of `node` when the slot gave the same string
 * before in this walk; else `undefined` (the string is remembered, and the entry is written as the
 * key's text and the string's).
 */
function maskedEntry(w: Walk, node: PlanNode, slot: number, m: string, first: boolean, open: boolean): string | undefined {
  const texts = entryTexts;
  if (entryWalk !== w) {
    if (entryWalk !== undefined) clearEntries();
    for (let i = texts.length, n = w.plan.entryCount * 4; i < n; i++) texts.push(undefined);
    entryWalk = w;
  }
  const at = node.entryIndex[slot]! * 4;
  if (texts[at] !== m) {
    if (texts[at] === undefined) entryUsed.push(at);
    texts[at] = m;
    texts[at + 1] = undefined;
    texts[at + 2] = undefined;
    texts[at + 3] = undefined;
    return undefined;
  }
  const variant = at + (first ? 1 : open ? 3 : 2);
  let t = texts[variant];
  if (t === undefined) texts[variant] = t = keyBefore(node, slot, first, open) + maskedText(w, m, '')!;
  return t;
}

/** Clears the masked entries the walk that has them wrote. */
function clearEntries(): void {
  const texts = entryTexts;
  for (let i = 0; i < entryUsed.length; i++) {
    const at = entryUsed[i]!;
    texts[at] = texts[at + 1] = texts[at + 2] = texts[at + 3] = undefined;
  }
  entryUsed.length = 0;
  entryWalk = undefined;
}

/** Clears the masked entries of walk `w` when it ends. */
function endEntries(w: Walk): void {
  if (entryWalk === w) clearEntries();
}

/** A value's text, `undefined` where JSON leaves it out (an object's entry is omitted, an array's item is `null`), or DROP. */
type Out = string | undefined | typeof DROP;

const hasOwn = Object.prototype.hasOwnProperty;
/** Characters a JSON string escapes: quote, backslash, controls and surrogates (lone ones are escaped, pairs pass, so the native writer decides). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Whether JSON escapes a character of `s`; short strings (most keys and values) are read by a loop, which costs less than a regular expression's call. */
function needsEscape(s: string): boolean {
  if (s.length > 32) return NEEDS_ESCAPE.test(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

/** Past this many hundredths, two doubles with two decimals can be less than one unit in the last place apart (2^46). */
const MAX_CENTS = 7e15;

/**
 * A number as JSON writes it: `null` where it is not finite, else its shortest round-trip text,
 * as `String` gives it. Amounts with at most two decimals (`9.99`, `101.5`) are written from their
 * count of hundredths: while doubles lie closer together than 0.01 (below 2^46), no shorter
 * decimal reads back as the same double, so that text is the shortest one. It costs a fraction
 * of `String` of a double, which writes its digits and enters them in the engine's number cache.
 */
export function numberText(x: number): string {
  // Small integers: the engine's own number cache answers without writing anything.
  if ((x | 0) === x) return String(x);
  const n = Math.round(x * 100);
  if (n / 100 !== x || n > MAX_CENTS || n < -MAX_CENTS) return Number.isFinite(x) ? String(x) : 'null';
  // An amount met lately is the same text again: a walk's text keeps every piece it is made of until it ends.
  const i = n & (AMOUNTS - 1);
  if (amountCents[i] === n) return amountTexts[i]!;
  const a = n < 0 ? -n : n;
  const f = a % 100;
  const whole = n < 0 ? `-${(a - f) / 100}` : `${(a - f) / 100}`;
  const text = f === 0 ? whole : whole + (f % 10 === 0 ? `.${f / 10}` : f < 10 ? `.0${f}` : `.${f}`);
  amountCents[i] = n;
  amountTexts[i] = text;
  return text;
}

/** The texts of amounts written lately, by their hundredths modulo AMOUNTS (the slot's key beside it). */
const AMOUNTS = 256;
const amountCents = new Float64Array(AMOUNTS).fill(NaN);
const amountTexts = new Array<string>(AMOUNTS).fill('');

/** A string as JSON writes it; strings without characters JSON escapes are quoted without asking the native writer. */
export function quote(s: string): string {
  return needsEscape(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * The text of an output leaf, as `JSON.stringify` writes it under `key` of its holder: `toJSON`
 * called with that key. An error it throws is kept and raised after the walk, where the value
 * walk's caller would meet it in `JSON.stringify`.
 */
function exotic(w: Walk, v: object | bigint, key: string | number): string | undefined {
  try {
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      const k = String(key);
      const s = JSON.stringify({ [k]: v });
      return s === '{}' ? undefined : s.slice(JSON.stringify(k).length + 2, -1);
    }
    return JSON.stringify(v);
  } catch (e) {
    if (!w.serialFailed) {
      w.serialFailed = true;
      w.serialError = e;
    }
    return 'null';
  }
}

/** The JSON text of an output value under `key` of its holder. */
function toText(w: Walk, r: unknown, key: string | number): string | undefined {
  switch (typeof r) {
    case 'string':
      return quote(r);
    case 'number':
      return numberText(r);
    case 'boolean':
      return r ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      return r === null ? 'null' : exotic(w, r as object | bigint, key);
  }
}

/** The text of a value kept whole: what `copy` in the value walk builds, written as JSON. */
function copyText(w: Walk, value: unknown, depth: number, pos: Position, key: string, at: string | number): string | undefined {
  if (++w.nodes > w.plan.maxNodes) tooLarge(w.plan);
  if (value === null || typeof value !== 'object') {
    checkNumber(w, pos, value);
    return toText(w, value, at);
  }
  if (!view(w.plan.lenient, value, key)) {
    const leaf = lastViewed();
    if (leaf instanceof Date) return toText(w, new Date(leaf.getTime()), at);
    if (Buffer.isBuffer(leaf)) return toText(w, Buffer.from(leaf), at);
    checkNumber(w, pos, leaf);
    return toText(w, leaf, at);
  }
  const c = lastViewed() as Record<string, unknown> | unknown[];
  if (depth >= w.plan.maxDepth) tooDeep(w.plan, pos);
  if (Array.isArray(c)) {
    let s = '[';
    for (let i = 0; i < c.length; i++) {
      const t = copyText(w, c[i], depth + 1, pos, String(i), i);
      s += (i === 0 ? '' : ',') + (t === undefined ? 'null' : t);
    }
    return s + ']';
  }
  let s = '{';
  let first = true;
  const keys = Object.keys(c);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const t = copyText(w, c[k], depth + 1, pos, k, k);
    if (t === undefined) continue;
    if (needsEscape(k)) s += (first ? '' : ',') + JSON.stringify(k) + ':';
    else {
      s += first ? '"' : ',"';
      s += k;
      s += '":';
    }
    s += t;
    first = false;
  }
  return s + '}';
}

/** A node's action on a value not walked into, as text. */
function actText(w: Walk, node: PlanNode, pos: Position, value: unknown, container: boolean, depth: number, ref: Ref | undefined, key: string | number | undefined, at: string | number): Out {
  if (container && node.action === 'keep') {
    tallyAt(w, pos, node, value);
    return copyText(w, value, depth, pos, key === undefined ? '' : String(key), at);
  }
  const r = act(w, node, pos, value, container, depth, ref, key);
  return r === DROP ? DROP : toText(w, r, at);
}

/** Walks one value as `walk` does, returning its JSON text; `at` is the key its holder in the output gives it. */
function walkText(w: Walk, node: PlanNode, pos: Position, value: unknown, depth: number, ref: Ref | undefined, key: string | number | undefined, at: string | number): Out {
  if (++w.nodes > w.plan.maxNodes) {
    if (w.plan.lenient) return quote(PLACEHOLDER.large);
    tooLarge(w.plan);
  }
  let v = value;
  let container = false;
  if (v !== null && typeof v === 'object') {
    if (Array.isArray(v)) container = true;
    else if (Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function') container = true;
    else {
      container = view(w.plan.lenient, v, key === undefined ? '' : String(key));
      v = lastViewed();
    }
  }
  if (!container) {
    if (node.scalarNode !== undefined) node = node.scalarNode;
    const action = node.action;
    if (action === 'keep' && !w.plan.exactNumbers) {
      if (typeof v === 'string') {
        tallyAt(w, pos, node, v);
        return quote(v);
      }
      if (v === null || typeof v !== 'object') {
        tallyAt(w, pos, node, v);
        return toText(w, v, at);
      }
    }
    if (action === 'drop') {
      tallyAt(w, pos, node, v);
      return DROP;
    }
    return actText(w, node, pos, v, false, depth, ref, key, at);
  }
  let here = pos;
  if (node.shapeless !== undefined) {
    node = node.shapeless;
    here = pos.star();
  }
  if (node.whole) return actText(w, node, here, v, true, depth, ref, key, at);
  if (depth >= w.plan.maxDepth) {
    if (w.plan.lenient) return quote(PLACEHOLDER.deep);
    tooDeep(w.plan, pos);
  }
  const c = v as Record<string, unknown> | unknown[];
  const seen = w.seen;
  if (seen !== undefined) {
    if (seen.has(c)) return quote(PLACEHOLDER.circular);
    seen.add(c);
  }
  const inner: Ref | undefined = w.plan.concretePaths ? { parent: ref ?? ROOT_REF, key, path: undefined } : undefined;
  try {
    return Array.isArray(c) ? arrayText(w, node, here, c, depth, inner) : objectText(w, node, here, c, depth, inner);
  } finally {
    seen?.delete(c);
  }
}

function arrayText(w: Walk, node: PlanNode, pos: Position, c: readonly unknown[], depth: number, ref: Ref | undefined): string {
  let s = '[';
  let n = 0;
  const children = node.children;
  const lenient = w.plan.lenient;
  const secret = lenient ? w.plan.secretKey : undefined;
  for (let i = 0; i < c.length; i++) {
    const named = children === undefined ? undefined : children.get(String(i));
    let child = named ?? node.items;
    let childPos = named !== undefined ? pos.index(String(i)) : pos.items();
    const item = c[i];
    if (secret !== undefined && i % 2 === 1 && typeof item === 'string' && typeof c[i - 1] === 'string' && secret(c[i - 1] as string)) {
      child = w.plan.secretNode!;
      childPos = pos.items();
    }
    const r = walkText(w, child, childPos, item, depth + 1, ref, i, n);
    if (r === DROP) {
      if (lenient && (item === undefined || typeof item === 'function' || typeof item === 'symbol')) {
        s += n === 0 ? 'null' : ',null';
        n++;
      }
      continue;
    }
    if (n !== 0) s += ',';
    s += r === undefined ? 'null' : r;
    n++;
  }
  return s + ']';
}

/**
 * The text before a schema key's value in an object being written: the key (`"email":`) after a
 * comma unless it is the first entry, after the closing quote of a kept string still open.
 */
function keyBefore(node: PlanNode, slot: number, first: boolean, open: boolean): string {
  return first ? node.keyTexts[slot]! : open ? node.quoteCommaKeyTexts[slot]! : node.commaKeyTexts[slot]!;
}

/** The same, opening a string value (`"email":"`). */
function keyOpening(node: PlanNode, slot: number, first: boolean, open: boolean): string {
  return first ? node.keyOpenTexts[slot]! : open ? node.quoteCommaKeyOpenTexts[slot]! : node.commaKeyOpenTexts[slot]!;
}

/**
 * An object as text. Entries are written as they come while every key leaves as it came (then
 * the output's key order is the input's); from the first key that leaves renamed (masked,
 * scanned, pseudonymized) the entries are kept in an object of their own, so collisions,
 * overwrites and JSON's key order are exactly those of the value walk's result.
 */
function objectText(w: Walk, node: PlanNode, pos: Position, c: Record<string, unknown>, depth: number, ref: Ref | undefined): string {
  let s = '{';
  let first = true;
  /** Whether `s` ends inside a kept string the shortcut wrote, its closing quote not yet written. */
  let open = false;
  /** Once a key was renamed: the entries so far, by output name (`undefined` for a value JSON leaves out). */
  let held: Record<string, string | undefined> | undefined;
  /** Before that: the indices of entries JSON leaves out (still entries of the value walk's result). */
  let omitted: number[] | undefined;
  const keys = Object.keys(c);
  const { fold, secretKey, lenient, exactNumbers, maxNodes } = w.plan;
  const slots = node.slots;
  const keyTexts = node.keyTexts;
  const childKeys = node.childKeys;
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
    let keyText: string | undefined;
    const fk = fold ? k.toLowerCase() : k;
    const slot = next < childKeys.length && childKeys[next] === fk ? next : slots === undefined ? undefined : slots.get(fk);
    if (slot !== undefined) next = slot + 1;
    const named = slot === undefined ? undefined : node.childList[slot];
    if (secretKey !== undefined && (lenient || (named === undefined && node.other.action === 'scan')) && secretKey(k)) {
      child = w.plan.secretNode!;
      childPos = pos.star();
      name = secretKeyText(w, k);
      if (name !== k) {
        if (held === undefined) held = holdSoFar(open ? s + '"' : s, first, keys, i, omitted);
        name = distinctKey(held, name);
      }
    } else if (named !== undefined) {
      child = named;
      childPos = pos.slot(slot!, fk);
      if (fk === k) keyText = keyTexts[slot!];
    } else if (lenient && k.includes('[') && bracketed(w.plan, node, k) !== undefined) {
      child = bracketed(w.plan, node, k)!;
      childPos = pos.star();
    } else {
      child = node.other;
      childPos = pos.star();
      const as = outKey(w, node, pos, childPos, k);
      if (as === DROP_KEY) {
        // The value walk's own walk: the value is counted where it was and nothing of it is written.
        if (child.action === 'drop' || child.action === 'reject') walk(w, child, childPos, item, depth + 1, ref, k);
        continue;
      }
      name = as;
      if (name !== k) {
        if (held === undefined) held = holdSoFar(open ? s + '"' : s, first, keys, i, omitted);
        name = distinctKey(held, name);
      }
    }
    if (keyText !== undefined && held === undefined && child.action === 'keep' && child.scalarNode === undefined && !exactNumbers && w.nodes < maxNodes) {
      // A string or number the schema names and keeps: what walkText does for it, written in as few pieces as it can be.
      if (typeof item === 'string') {
        w.nodes++;
        tallyAt(w, childPos, child, item);
        if (needsEscape(item)) {
          s += keyBefore(node, slot!, first, open) + JSON.stringify(item);
          open = false;
        } else {
          // The closing quote is written with what comes next (the next key's text, or the brace).
          s += keyOpening(node, slot!, first, open);
          s += item;
          open = true;
        }
        first = false;
        continue;
      }
      if (typeof item === 'number') {
        w.nodes++;
        tallyAt(w, childPos, child, item);
        s += keyBefore(node, slot!, first, open);
        s += numberText(item);
        open = false;
        first = false;
        continue;
      }
    }
    let r: Out;
    if (keyText !== undefined && masksLeaf(w, child, item)) {
      const m = maskSlot(w, node, slot!, child, childPos, item, ref, k);
      if (typeof m === 'string' && held === undefined) {
        const entry = w.nodes > ENTRIES_AFTER ? maskedEntry(w, node, slot!, m, first, open) : undefined;
        if (entry !== undefined) s += entry;
        else {
          s += keyBefore(node, slot!, first, open);
          s += maskedText(w, m, name)!;
        }
        open = false;
        first = false;
        continue;
      }
      r = maskedText(w, m, name);
    } else {
      r = walkText(w, child, childPos, item, depth + 1, ref, k, name);
    }
    if (r === DROP) continue;
    if (held !== undefined) {
      held[name] = r;
    } else if (r === undefined) {
      (omitted ??= []).push(i);
    } else {
      if (keyText !== undefined) s += keyBefore(node, slot!, first, open);
      else s += (first ? '' : open ? '",' : ',') + quote(name) + ':';
      s += r;
      open = false;
      first = false;
    }
  }
  if (held === undefined) return open ? s + '"}' : s + '}';
  let out = '{';
  let none = true;
  for (const k of Object.keys(held)) {
    const t = held[k];
    if (t === undefined) continue;
    out += (none ? '' : ',') + quote(k) + ':' + t;
    none = false;
  }
  return out + '}';
}

/**
 * The entries written before the first renamed key, as an object of texts by name. Until then
 * every entry's name is its input key, so the text written so far (read back: JSON text
 * serializes to itself) and the indices of entries left out give them all, in order.
 */
function holdSoFar(s: string, first: boolean, keys: readonly string[], upTo: number, omitted: readonly number[] | undefined): Record<string, string | undefined> {
  const held = Object.create(null) as Record<string, string | undefined>;
  const written = first ? {} : (JSON.parse(s + '}') as Record<string, unknown>);
  const left = new Set(omitted);
  for (let j = 0; j < upTo; j++) {
    const k = keys[j]!;
    if (hasOwn.call(written, k)) held[k] = JSON.stringify(written[k]);
    else if (left.has(j)) held[k] = undefined;
  }
  return held;
}

/**
 * Applies a compiled plan and writes the new value's JSON in the same pass. The text is exactly
 * `JSON.stringify(applyPlan(plan, value).value)` — `undefined` where that is — and so are the
 * report, the limits and the errors; an error `JSON.stringify` would throw on the result (a BigInt
 * kept as it is) is thrown after the walk. Plans with vault actions have no text entry.
 *
 * @throws FieldguardError as {@link applyPlan}; `ERR_INVALID_OPTIONS` for a plan that tokenizes or detokenizes.
 */
export function applyCompiledText(plan: CompiledPlan, value: unknown, context?: PlanContext): PlanText {
  if (plan.async) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'this plan resolves tokens through a vault, so it has no text entry: apply it and serialize its value');
  }
  const w = newWalk(plan, value);
  let out: Out;
  try {
    out = walkText(w, plan.root, rootOf(plan), value, 0, undefined, undefined, '');
  } catch (e) {
    walkFailed(e);
  } finally {
    // No masked value is kept past its walk.
    lastMasked = undefined;
    lastMaskedText = '';
    endEntries(w);
  }
  checkRejected(w);
  auditDecrypts(w, context);
  if (w.serialFailed) throw w.serialError;
  const t = tally(w);
  return lazyText(out === DROP ? undefined : out, t, w.unresolved ?? NONE_UNRESOLVED, w.subjects);
}

/** A text walk's result: `text`, then `report` built when first read (see {@link LazyReport}). */
class LazyPlanText extends LazyReport implements PlanText {
  readonly text: string | undefined;
  declare readonly report: Report;
  constructor(text: string | undefined, t: Tally, unresolved: ReadonlyMap<Position, number>, subjects: readonly number[] | undefined) {
    super(t, unresolved, subjects);
    this.text = text;
    Object.defineProperty(this, 'report', LazyReport.descriptor);
  }
}

function lazyText(text: string | undefined, t: Tally, unresolved: ReadonlyMap<Position, number>, subjects: readonly number[] | undefined): PlanText {
  return new LazyPlanText(text, t, unresolved, subjects);
}

/**
 * Applies a plan and writes the new value's JSON in the same pass, for where the output is text
 * anyway (a forwarded body, an answer, a log line): no copy of the payload is built. The text is
 * byte for byte `JSON.stringify(plan(value).value)` (`undefined` where that is), the report the
 * same as the plan's own; limits and errors are those of the plan (an error `JSON.stringify`
 * would throw on the result, such as a kept BigInt, is thrown after the walk).
 *
 * @throws FieldguardError as the plan itself; `ERR_INVALID_OPTIONS` for a plan with vault actions
 *   (`compileTokenize`, `compileDetokenize`: apply those and serialize their value) or a function
 *   that is not a compiled plan.
 * @example
 * ```ts
 * const mask = compileMask({ schema });
 * const { text, report } = applyPlanText(mask, order); // '{"customer":{"email":"c***@example.com",…}}'
 * ```
 */
export function applyPlanText(plan: Plan | AsyncPlan, value: unknown, context?: PlanContext): PlanText {
  const compiled = typeof plan === 'function' ? (plan as { [COMPILED]?: CompiledPlan })[COMPILED] : undefined;
  if (compiled === undefined) throw new FieldguardError('ERR_INVALID_OPTIONS', 'applyPlanText takes a plan from compilePlan, compileScrub or compileMask');
  return applyCompiledText(compiled, value, context);
}
