// Plants fresh canaries in every kind of position of the hunt schema — values and keys, at random depths — and records, for each, what the schema makes of it.
import fc from 'fast-check';
import type { Sensitivity } from '../../../src/index.js';
import { canaries, type CanaryKind } from '../canaries.js';
import { CLEAR_LEVELS } from './schema.js';

/** What a position is to a plan: allowed in clear by the default policies, tagged sensitive, or covered by no tag. */
export type Cls = 'clear' | 'sensitive' | 'untagged';

/** Where in the schema a canary was planted, for the known-leak table and for messages. */
export type Site =
  | 'field' // a tagged scalar field (id, customer.email, items[*].note, grid[*][*], …)
  | 'profile-key' // a key inside the personal `profile` subtree
  | 'profile-value'
  | 'meta-key' // a key of the public `meta` record
  | 'meta-value'
  | 'counts-key' // a key of `counts`, whose keys the schema tags personal
  | 'counts-value'
  | 'tree-label' // the recursive tree's public label, at some depth
  | 'tree-condition' // the recursive tree's health condition, at some depth
  | 'extra-key' // keys no schema names
  | 'extra-value'
  | 'shapeless' // below a position the schema says is a scalar
  | 'proto' // under __proto__ / constructor.prototype
  | 'decoy' // an earlier duplicate of a JSON key: JSON.parse keeps the later one
  | 'header'; // a request header (segments: ['(header)', name])

/** One canary planted in the payload. */
export interface Plant {
  readonly id: number;
  readonly kind: CanaryKind;
  /** The fresh canary, as generated: what the scanner looks for, in every encoding. */
  readonly canary: string;
  /** What the server reads at the position: the canary, or its digits when planted as a JSON number. */
  readonly text: string;
  /** Planted as a JSON number (a card or an SSN as digits). */
  readonly number: boolean;
  readonly where: 'value' | 'key';
  /** The concrete path of the value (of the entry, for a key), as the parsed body holds it. */
  readonly segments: ReadonlyArray<string | number>;
  readonly site: Site;
  /** Nesting below the site's own root (tree and profile depth). */
  readonly depth: number;
  /** What the position is with the schema as declared (case-sensitive keys)… */
  readonly cls: Cls;
  /** …and with `caseInsensitiveKeys: true`. */
  readonly clsCI: Cls;
  /** Only sent in JSON bodies (duplicate keys, `__proto__`). */
  readonly jsonOnly: boolean;
}

/** A payload as an ordered tree, so duplicate keys and `__proto__` survive until serialization. */
export type JNode =
  | { readonly t: 'obj'; readonly entries: Array<readonly [string, JNode]> }
  | { readonly t: 'arr'; readonly items: JNode[] }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly v: number };

/** A planted payload: its tree and every canary in it. */
export interface Planted {
  readonly root: JNode & { t: 'obj' };
  readonly plants: readonly Plant[];
  /** Every key the sender chose that is not a canary (canary keys are plants): none may appear in a report or flows(). */
  readonly senderKeys: readonly string[];
}

export const KINDS: readonly CanaryKind[] = ['email', 'card', 'ssn', 'iban', 'jwt', 'apiKey', 'health', 'phone', 'name'];

/** Draws from fast-check's generator, so every choice is seeded and replayable. */
export class Draw {
  constructor(private readonly g: fc.GeneratorValue) {}
  int(min: number, max: number): number {
    return this.g(fc.integer, { min, max });
  }
  chance(percent: number): boolean {
    return this.int(0, 99) < percent;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }
}

const clsOf = (level: Sensitivity | undefined): Cls => (level === undefined ? 'untagged' : CLEAR_LEVELS.has(level) ? 'clear' : 'sensitive');

/** Where the builder is: the concrete path so far, and whether a key on the way was case-varied (untagged under a case-sensitive schema). */
interface Ctx {
  readonly segs: ReadonlyArray<string | number>;
  readonly varied: boolean;
}

const BENIGN_KEYS = ['ref', 'comment', 'x_note', 'label2', 'origin', 'tags'];

/**
 * Builds a payload with fresh canaries in every sensitive position of the hunt schema (and in
 * public, internal and untagged ones), choosing with `g` which positions are filled, how deep
 * the profile and the tree go, which keys are canaries, which keys change case, and which values
 * are JSON numbers.
 */
export function plantPayload(g: fc.GeneratorValue, opts: { proto: boolean; caseVariants: boolean; decoys: boolean }): Planted {
  const d = new Draw(g);
  const plants: Plant[] = [];
  let benign = 0;
  const benignText = (): string => `benign-${++benign}`;

  const record = (p: Omit<Plant, 'id' | 'canary' | 'text' | 'number'> & { kind: CanaryKind; asNumber: boolean }): JNode => {
    const canary = canaries()[p.kind];
    const digits = canary.replace(/\D/g, '');
    // Digits that start with 0 would lose it as a number, and the scanner looks for the digits as written.
    const number = p.asNumber && (p.kind === 'card' || p.kind === 'ssn') && !digits.startsWith('0');
    const text = number ? digits : canary;
    const { asNumber: _ignored, ...rest } = p;
    plants.push({ ...rest, id: plants.length, canary, text, number });
    return number ? { t: 'num', v: Number(text) } : { t: 'str', v: text };
  };
  const classes = (ctx: Ctx, level: Sensitivity | undefined): { cls: Cls; clsCI: Cls } => ({ cls: ctx.varied ? 'untagged' : clsOf(level), clsCI: clsOf(level) });
  const canaryValue = (ctx: Ctx, site: Site, level: Sensitivity | undefined, depth = 0, jsonOnly = false): JNode =>
    record({ kind: d.pick(KINDS), asNumber: d.chance(25), where: 'value', segments: ctx.segs, site, depth, ...classes(ctx, level), jsonOnly });
  /** A value slot: omitted, benign, or a canary. */
  const slot = (ctx: Ctx, site: Site, level: Sensitivity | undefined, depth = 0): JNode | undefined => {
    const r = d.int(0, 99);
    if (r < 20) return undefined;
    if (r < 32) return { t: 'str', v: benignText() };
    return canaryValue(ctx, site, level, depth);
  };
  const senderKeys: string[] = [];
  const keyOf = (ctx: Ctx, site: Site, level: Sensitivity | undefined, depth = 0): string => {
    if (!d.chance(55)) {
      // The `k` ends each name, so no key is a part of another (ref_1k, ref_11k).
      const key = `${d.pick(BENIGN_KEYS)}_${++benign}k`;
      senderKeys.push(key);
      return key;
    }
    const kind = d.pick(KINDS);
    const canary = canaries()[kind];
    plants.push({ id: plants.length, kind, canary, text: canary, number: false, where: 'key', segments: [...ctx.segs, canary], site, depth, ...classes(ctx, level), jsonOnly: false });
    return canary;
  };
  const at = (ctx: Ctx, key: string | number, varied = false): Ctx => ({ segs: [...ctx.segs, key], varied: ctx.varied || varied });
  const vary = (key: string): { key: string; varied: boolean } => {
    if (!opts.caseVariants || !d.chance(25)) return { key, varied: false };
    const variant = d.chance(50) ? key.toUpperCase() : key[0]!.toUpperCase() + key.slice(1);
    return variant === key ? { key, varied: false } : { key: variant, varied: true };
  };
  const obj = (entries: Array<readonly [string, JNode | undefined]>): JNode & { t: 'obj' } => ({
    t: 'obj',
    entries: entries.filter((e): e is readonly [string, JNode] => e[1] !== undefined),
  });

  /** Keys no schema names, with canaries as keys, as values, and in untagged subtrees. */
  const extras = (ctx: Ctx, max: number): Array<readonly [string, JNode]> => {
    const out: Array<readonly [string, JNode]> = [];
    const n = d.int(0, max);
    for (let i = 0; i < n; i++) {
      const key = keyOf(ctx, 'extra-key', undefined);
      out.push([key, untaggedValue(at(ctx, key), d.int(0, 3))]);
    }
    return out;
  };
  const untaggedValue = (ctx: Ctx, depth: number): JNode => {
    if (depth === 0 || d.chance(40)) return d.chance(80) ? canaryValue({ ...ctx, varied: true }, 'extra-value', undefined) : { t: 'str', v: benignText() };
    if (d.chance(25)) return { t: 'arr', items: [untaggedValue(at(ctx, 0), depth - 1)] };
    return { t: 'obj', entries: extras(ctx, 2) };
  };

  /** The personal subtree: any keys, any depth; everything in it is personal. */
  const profile = (ctx: Ctx, depth: number): JNode & { t: 'obj' } => {
    const entries: Array<readonly [string, JNode]> = [];
    const n = d.int(1, 2);
    for (let i = 0; i < n; i++) {
      const key = keyOf(ctx, 'profile-key', 'personal', depth);
      const here = at(ctx, key);
      const r = d.int(0, 99);
      if (depth < 6 && r < 45) entries.push([key, profile(here, depth + 1)]);
      else if (r < 55) entries.push([key, { t: 'arr', items: [canaryValue(at(here, 0), 'profile-value', 'personal', depth + 1)] }]);
      else entries.push([key, canaryValue(here, 'profile-value', 'personal', depth + 1)]);
    }
    return { t: 'obj', entries };
  };

  /** The recursive tree: a public label and a special condition at every depth. */
  const tree = (ctx: Ctx, depth: number): JNode => {
    const label = d.chance(70) ? canaryValue(at(ctx, 'label'), 'tree-label', 'public', depth) : { t: 'str' as const, v: benignText() };
    const entries: Array<readonly [string, JNode | undefined]> = [
      ['label', label],
      ['condition', d.chance(75) ? canaryValue(at(ctx, 'condition'), 'tree-condition', 'special', depth) : undefined],
    ];
    if (depth < 5 && d.chance(70)) {
      const kids = d.int(1, 2);
      const c = at(ctx, 'children');
      entries.push(['children', { t: 'arr', items: Array.from({ length: kids }, (_, i) => tree(at(c, i), depth + 1)) }]);
    }
    return obj(entries);
  };

  const root: Ctx = { segs: [], varied: false };
  const top: Array<readonly [string, JNode | undefined]> = [];
  const field = (name: string, build: (ctx: Ctx) => JNode | undefined): void => {
    const { key, varied } = vary(name);
    top.push([key, build(at(root, key, varied))]);
  };

  field('id', (c) => (d.chance(15) ? { t: 'arr', items: [canaryValue({ ...at(c, 0), varied: true }, 'shapeless', undefined)] } : slot(c, 'field', 'public')));
  field('status', (c) => (d.chance(15) ? obj([['ref', canaryValue({ ...at(c, 'ref'), varied: true }, 'shapeless', undefined)]]) : slot(c, 'field', 'internal')));
  field('qty', (c) => (d.chance(60) ? record({ kind: 'card', asNumber: true, where: 'value', segments: c.segs, site: 'field', depth: 0, ...classes(c, 'public'), jsonOnly: false }) : { t: 'num', v: d.int(0, 99) }));
  field('email', (c) => slot(c, 'field', 'personal'));
  field('customer', (c) =>
    obj([
      ['id', slot(at(c, 'id'), 'field', 'internal')],
      ['email', slot(at(c, 'email'), 'field', 'personal')],
      ['name', slot(at(c, 'name'), 'field', 'personal')],
      ['phone', slot(at(c, 'phone'), 'field', 'personal')],
      ['ssn', slot(at(c, 'ssn'), 'field', 'special')],
      ...extras(c, 1),
    ]),
  );
  field('payment', (c) => obj([['card', slot(at(c, 'card'), 'field', 'secret')], ['iban', slot(at(c, 'iban'), 'field', 'personal')]]));
  field('auth', (c) => obj([['bearer', slot(at(c, 'bearer'), 'field', 'secret')], ['apiKey', slot(at(c, 'apiKey'), 'field', 'secret')]]));
  field('diagnosis', (c) => slot(c, 'field', 'special'));
  field('items', (c) => ({
    t: 'arr',
    items: Array.from({ length: d.int(0, 3) }, (_, i) => {
      const e = at(c, i);
      const sku = slot(at(e, 'sku'), 'field', 'public') ?? { t: 'str', v: benignText() };
      return obj([['sku', sku], ['note', slot(at(e, 'note'), 'field', 'personal')], ...extras(e, 1)]);
    }),
  }));
  field('grid', (c) => ({
    t: 'arr',
    items: Array.from({ length: d.int(0, 2) }, (_, i) => ({
      t: 'arr' as const,
      items: Array.from({ length: d.int(1, 3) }, (_, j) => canaryValue(at(at(c, i), j), 'field', 'personal')),
    })),
  }));
  field('profile', (c) => (d.chance(85) ? profile(c, 0) : undefined));
  field('meta', (c) => {
    const entries: Array<readonly [string, JNode]> = [];
    for (let i = d.int(0, 2); i > 0; i--) {
      const key = keyOf(c, 'meta-key', 'public');
      entries.push([key, slot(at(c, key), 'meta-value', 'public') ?? { t: 'str', v: benignText() }]);
    }
    return { t: 'obj', entries };
  });
  field('counts', (c) => {
    const entries: Array<readonly [string, JNode]> = [];
    for (let i = d.int(0, 3); i > 0; i--) {
      const kind = d.pick(KINDS);
      const canary = canaries()[kind];
      plants.push({ id: plants.length, kind, canary, text: canary, number: false, where: 'key', segments: [...c.segs, canary], site: 'counts-key', depth: 0, ...classes(c, 'personal'), jsonOnly: false });
      entries.push([canary, { t: 'num', v: d.int(1, 9) }]);
    }
    return { t: 'obj', entries };
  });
  field('tree', (c) => (d.chance(85) ? tree(c, 0) : undefined));
  top.push(...extras(root, 2));
  if (opts.proto) {
    top.push(['__proto__', obj([['polluted', record({ kind: d.pick(KINDS), asNumber: false, where: 'value', segments: ['__proto__', 'polluted'], site: 'proto', depth: 0, cls: 'untagged', clsCI: 'untagged', jsonOnly: true })]])]);
    top.push([
      'constructor',
      obj([['prototype', obj([['polluted', record({ kind: d.pick(KINDS), asNumber: false, where: 'value', segments: ['constructor', 'prototype', 'polluted'], site: 'proto', depth: 0, cls: 'untagged', clsCI: 'untagged', jsonOnly: true })]])]]),
    ]);
  }
  const rootNode = obj(top);
  if (opts.decoys) addDecoys(rootNode, d, plants);
  return { root: rootNode, plants, senderKeys };
}

/** Before some string fields, an earlier entry with the same key and another canary: JSON.parse keeps the later value, the earlier must vanish. */
function addDecoys(node: JNode & { t: 'obj' }, d: Draw, plants: Plant[]): void {
  const bySegs = new Map(plants.filter((p) => p.where === 'value' && !p.number).map((p) => [JSON.stringify(p.segments), p]));
  const visit = (n: JNode): void => {
    if (n.t === 'arr') return n.items.forEach(visit);
    if (n.t !== 'obj') return;
    for (let i = n.entries.length - 1; i >= 0; i--) {
      const [key, child] = n.entries[i]!;
      visit(child);
      if (child.t !== 'str') continue;
      const original = [...bySegs.values()].find((p) => p.text === child.v);
      if (original === undefined || !d.chance(30)) continue;
      const kind = d.pick(KINDS);
      const canary = canaries()[kind];
      plants.push({ ...original, id: plants.length, kind, canary, text: canary, site: 'decoy', jsonOnly: true });
      n.entries.splice(i, 0, [key, { t: 'str', v: canary }]);
    }
  };
  visit(node);
}

/** The payload as the parsed body holds it: the later of duplicate keys, `__proto__` as an own key. */
export function toValue(n: JNode): unknown {
  switch (n.t) {
    case 'str':
    case 'num':
      return n.v;
    case 'arr':
      return n.items.map(toValue);
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of n.entries) Object.defineProperty(out, k, { value: toValue(v), enumerable: true, writable: true, configurable: true });
      return out;
    }
  }
}

/** How a JSON body's strings are written: as they are, with some characters as `\uXXXX`, or every one. */
export type JsonEscape = 'none' | 'some' | 'all';

function jsonString(s: string, d: Draw, escape: JsonEscape): string {
  if (escape === 'none') return JSON.stringify(s);
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 0x10000 && (escape === 'all' || d.chance(30))) {
      const hex = code.toString(16).padStart(4, '0');
      out += `\\u${d.chance(50) ? hex.toUpperCase() : hex}`;
    } else {
      out += JSON.stringify(ch).slice(1, -1);
    }
  }
  return out + '"';
}

/** Serializes the tree as JSON text, keeping duplicate keys, with the chosen escapes and random whitespace. */
export function toJson(n: JNode, d: Draw, escape: JsonEscape): string {
  const ws = (): string => (d.chance(15) ? d.pick([' ', '\n', '\t', '  ']) : '');
  switch (n.t) {
    case 'str':
      return jsonString(n.v, d, escape);
    case 'num':
      return String(n.v);
    case 'arr':
      return `[${ws()}${n.items.map((i) => toJson(i, d, escape)).join(`,${ws()}`)}]`;
    case 'obj':
      return `{${ws()}${n.entries.map(([k, v]) => `${jsonString(k, d, escape)}${ws()}:${ws()}${toJson(v, d, escape)}`).join(`,${ws()}`)}}`;
  }
}

/** How a form or query component is percent-encoded by the client. */
export type UrlEncoding = 'standard' | 'plus' | 'minimal' | 'every';

const MUST = /[%&=+#[\]\s"<>\\^`{|}]/;

function encodeComponent(s: string, enc: UrlEncoding, d: Draw): string {
  switch (enc) {
    case 'standard':
      return encodeURIComponent(s);
    case 'plus':
      return encodeURIComponent(s).replace(/%20/g, '+');
    case 'minimal':
      // What a careless client sends: only what would break the syntax is encoded.
      return [...s].map((ch) => (ch === ' ' ? '+' : MUST.test(ch) || ch.charCodeAt(0) > 0x7e ? encodeURIComponent(ch) : ch)).join('');
    case 'every':
      return [...Buffer.from(s, 'utf8')].map((b) => {
        const hex = b.toString(16).padStart(2, '0');
        return `%${d.chance(50) ? hex.toUpperCase() : hex}`;
      }).join('');
  }
}

/** Serializes the tree (see {@link formTree}) as a query string or URL-encoded form in qs's bracket syntax. */
export function toForm(n: JNode, d: Draw, enc: UrlEncoding): string {
  const pairs: string[] = [];
  const brackets = d.chance(30) ? ['%5B', '%5D'] : ['[', ']'];
  const walk = (node: JNode, key: string): void => {
    switch (node.t) {
      case 'str':
      case 'num':
        pairs.push(`${key}=${encodeComponent(String(node.v), enc, d)}`);
        return;
      case 'arr':
        node.items.forEach((item, i) => walk(item, `${key}${brackets[0]}${i}${brackets[1]}`));
        return;
      case 'obj':
        for (const [k, v] of node.entries) {
          const part = encodeComponent(k, enc, d);
          walk(v, key === '' ? part : `${key}${brackets[0]}${part}${brackets[1]}`);
        }
    }
  };
  walk(n, '');
  return pairs.join('&');
}

/** Removes JSON-only entries (duplicate decoys are earlier entries with the same key; `__proto__`, `constructor`), for forms. */
export function formTree(n: JNode): JNode {
  if (n.t === 'arr') return { t: 'arr', items: n.items.map(formTree) };
  if (n.t !== 'obj') return n;
  const seen = new Map<string, JNode>();
  for (const [k, v] of n.entries) if (k !== '__proto__' && k !== 'constructor') seen.set(k, formTree(v));
  return { t: 'obj', entries: [...seen.entries()] };
}

/**
 * Canaries logged beside a payload as a message template's arguments: a `%s` string (free text, so
 * only the detectors can see it) and `%o` / `%j` objects whose fields the schema tags.
 */
export function logArgPlants(first: number, d: Draw): { plants: Plant[]; args: readonly [string, unknown, unknown] } {
  const make = (id: number, kind: CanaryKind, segments: string[], cls: Cls): Plant => {
    const canary = canaries()[kind];
    return { id, kind, canary, text: canary, number: false, where: 'value', segments, site: 'field', depth: 0, cls, clsCI: cls, jsonOnly: false };
  };
  const s = make(first, d.pick(KINDS), ['(message %s)'], 'untagged');
  const o = make(first + 1, d.pick(KINDS), ['(message %o)', 'customer', 'ssn'], 'sensitive');
  const j = make(first + 2, d.pick(KINDS), ['(message %j)', 'diagnosis'], 'sensitive');
  return { plants: [s, o, j], args: [s.text, { customer: { ssn: o.text } }, { diagnosis: j.text }] };
}

/** Header names that carry credentials, in the spellings clients use; each value is a secret wherever it is logged. */
export const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token', 'x-access-token', 'x-session-id', 'x-goog-api-key', 'x-csrf-token'] as const;

/** Canaries in request headers: credentials under credential names, and an email under a header no list names. */
export function headerPlants(first: number, d: Draw): { plants: Plant[]; headers: Record<string, string> } {
  const plants: Plant[] = [];
  const headers: Record<string, string> = {};
  const names = CREDENTIAL_HEADERS.filter(() => d.chance(45));
  for (const name of names) {
    const kind = d.pick<CanaryKind>(['apiKey', 'jwt']);
    const canary = canaries()[kind];
    const value = name === 'authorization' ? `Bearer ${canary}` : name === 'proxy-authorization' ? `Basic ${Buffer.from(`svc:${canary}`).toString('base64')}` : name === 'cookie' ? `theme=dark; sid=${canary}` : canary;
    headers[name] = value;
    plants.push({ id: first + plants.length, kind, canary, text: value, number: false, where: 'value', segments: ['(header)', name], site: 'header', depth: 0, cls: 'sensitive', clsCI: 'sensitive', jsonOnly: false });
  }
  const kind = d.pick(KINDS);
  const canary = canaries()[kind];
  headers['x-customer-ref'] = canary.replace(/[^\x20-\x7e]/g, '');
  plants.push({ id: first + plants.length, kind, canary, text: headers['x-customer-ref'], number: false, where: 'value', segments: ['(header)', 'x-customer-ref'], site: 'header', depth: 0, cls: 'untagged', clsCI: 'untagged', jsonOnly: false });
  return { plants, headers };
}

/** A free-text canary: a log message, a `%s` argument, an error message — only the detectors can see it. */
export function freeText(id: number, d: Draw): Plant {
  const kind = d.pick(KINDS);
  const canary = canaries()[kind];
  return { id, kind, canary, text: canary, number: false, where: 'value', segments: ['(free text)'], site: 'field', depth: 0, cls: 'untagged', clsCI: 'untagged', jsonOnly: false };
}
