// Compiles a JSON Schema (draft 2020-12, draft-07 or OpenAPI 3.x) into the trie of path segments every plan is built from.
import traverse from 'json-schema-traverse';
import { FieldguardError, type Issue } from '../errors.js';
import { checkTag, moreSensitive, type FieldTag } from './tags.js';

/**
 * One position in a payload. `children` holds named keys (and tuple indices), `any` the
 * position of every other key or array item. Recursive schemas make the trie a graph with
 * cycles, never an infinite tree.
 */
export interface TrieNode {
  readonly id: number;
  /** Effective tag: the node's own, or else the nearest ancestor's. */
  tag: FieldTag | undefined;
  /** Whether the tag was declared here rather than inherited. */
  own: boolean;
  readonly children: Map<string, TrieNode>;
  any: TrieNode | undefined;
  /** Whether `any` stands for array items (`[*]`) rather than object keys (`.*`). */
  anyIsItems: boolean;
  /** Whether the schema says a scalar here (string, number, boolean, null, or an enum/const of them). */
  readonly scalar?: boolean;
}

type SchemaObject = Record<string, unknown>;
type Schema = SchemaObject | boolean;

/** Options for compiling a JSON Schema. */
export interface TrieOptions {
  /** The document local `$ref`s resolve against (an OpenAPI document); default: the schema itself. */
  readonly document?: object;
  /** Fold keys to lower case. */
  readonly caseInsensitiveKeys: boolean;
}

const TAG_KEYS: ReadonlyArray<readonly [string, string, string]> = [
  ['sensitivity', 'x-sensitivity', 'sensitivity'],
  ['kind', 'x-kind', 'kind'],
  ['purpose', 'x-purpose', 'purpose'],
  ['retention', 'x-retention', 'retention'],
  ['lawfulBasis', 'x-lawful-basis', 'lawfulBasis'],
];

const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;
const BRANCHES = ['then', 'else'] as const;

/** A schema's own annotation: a whole tag, or parts of one (`x-kind` alone) that refine the inherited tag. */
type Annotation = { readonly full: FieldTag } | { readonly partial: Omit<FieldTag, 'sensitivity'>; readonly at: string };

function omitLevel(tag: FieldTag): Omit<FieldTag, 'sensitivity'> {
  const { sensitivity: _level, ...rest } = tag;
  return rest;
}

const STRUCTURE = ['properties', 'patternProperties', 'additionalProperties', 'items', 'prefixItems', 'additionalItems'] as const;

const SCALAR_TYPES: ReadonlySet<unknown> = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** Whether the schemas meeting at a position all say it holds a scalar, and at least one says so. */
function isScalar(flat: readonly SchemaObject[]): boolean {
  let typed = false;
  for (const s of flat) {
    if (STRUCTURE.some((k) => s[k] !== undefined)) return false;
    const t = s['type'];
    if (t !== undefined) {
      if (!(Array.isArray(t) ? t : [t]).every((x) => SCALAR_TYPES.has(x))) return false;
      typed = true;
    }
    const values = Array.isArray(s['enum']) ? (s['enum'] as unknown[]) : 'const' in s ? [s['const']] : undefined;
    if (values !== undefined) {
      if (values.some((v) => v !== null && typeof v === 'object')) return false;
      typed = true;
    }
  }
  return typed;
}

function isObject(v: unknown): v is SchemaObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function decodePointerSegment(s: string): string {
  return decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointerPath(ptr: string): string[] {
  return ptr === '' ? [] : ptr.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Compiles `root` into a trie. Throws `ERR_INVALID_SCHEMA` listing every problem found. */
export function buildTrie(root: Schema, opts: TrieOptions): TrieNode {
  const document: unknown = opts.document ?? root;
  const tags = new Map<SchemaObject, Annotation>();
  const anchors = new Map<string, SchemaObject>();
  const issues: Issue[] = [];

  // Pass 1 (json-schema-traverse visits every subschema keyword): validate annotations, index anchors and ids, check refs.
  const refs: Array<{ ref: string; at: string }> = [];
  const visited = new Set<SchemaObject>();
  const visit = (base: string) =>
    function pre(schema: SchemaObject, jsonPtr: string): void {
      if (visited.has(schema)) return;
      visited.add(schema);
      const at = base + jsonPtr;
      const raw: Record<string, unknown> = {};
      let tagged = false;
      for (const [field, xKey, plainKey] of TAG_KEYS) {
        const v = schema[xKey] ?? schema[plainKey];
        if (v !== undefined) {
          raw[field] = v;
          tagged = true;
        }
      }
      if (tagged) {
        // A kind (or purpose…) without a level refines the inherited tag; a placeholder level is checked here
        // and replaced by the inherited one when the trie is built.
        const checked = checkTag({ ...raw, sensitivity: raw['sensitivity'] ?? 'public' });
        if (Array.isArray(checked)) {
          for (const message of checked) issues.push({ path: pointerPath(at), message });
        } else {
          tags.set(schema, raw['sensitivity'] === undefined ? { partial: omitLevel(checked), at } : { full: checked });
        }
      }
      if (typeof schema['$anchor'] === 'string') anchors.set('#' + schema['$anchor'], schema);
      if (typeof schema['$id'] === 'string') anchors.set(schema['$id'], schema);
      if (schema['$ref'] !== undefined) {
        if (typeof schema['$ref'] === 'string') refs.push({ ref: schema['$ref'], at });
        else issues.push({ path: pointerPath(at), message: '$ref must be a string' });
      }
      for (const key of ['properties', 'patternProperties', '$defs', 'definitions'] as const) {
        if (schema[key] !== undefined && !isObject(schema[key])) {
          issues.push({ path: pointerPath(at + '/' + key), message: `${key} must be an object of schemas` });
        }
      }
      const prefix = schema['prefixItems'];
      if (Array.isArray(prefix)) {
        prefix.forEach((item, i) => {
          if (isObject(item)) traverse(item, { cb: { pre: visit(`${at}/prefixItems/${i}`) } });
        });
      }
    };
  if (isObject(root)) traverse(root, { cb: { pre: visit('') } });
  const resolve = (ref: string): SchemaObject | boolean | undefined => {
    if (ref === '#') return isObject(document) ? document : undefined;
    if (ref.startsWith('#/')) {
      let cur: unknown = document;
      for (const seg of ref.slice(2).split('/')) {
        const key = decodePointerSegment(seg);
        if (!isObject(cur) && !Array.isArray(cur)) return undefined;
        if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
        cur = (cur as Record<string, unknown>)[key];
      }
      return isObject(cur) || typeof cur === 'boolean' ? cur : undefined;
    }
    return anchors.get(ref);
  };
  // Schemas reached only through a $ref (an OpenAPI document's components) are visited when first referenced.
  for (let i = 0; i < refs.length; i++) {
    const { ref, at } = refs[i]!;
    const target = resolve(ref);
    if (target === undefined) {
      issues.push({ path: pointerPath(at), message: `$ref ${JSON.stringify(ref)} does not resolve to a schema in this document` });
    } else if (isObject(target) && !visited.has(target)) {
      traverse(target, { cb: { pre: visit(ref.startsWith('#/') ? ref.slice(1) : '') } });
    }
  }
  // Pass 2: build the trie. Positions are memoized by the set of schemas that meet there and the inherited tag,
  // so a recursive $ref closes into a cycle.
  const ids = new Map<SchemaObject, number>();
  const schemaId = (s: SchemaObject): number => {
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = ids.size));
    return id;
  };
  const tagIds = new Map<FieldTag, number>();
  const tagId = (t: FieldTag | undefined): number => {
    if (t === undefined) return -1;
    let id = tagIds.get(t);
    if (id === undefined) tagIds.set(t, (id = tagIds.size));
    return id;
  };
  const memo = new Map<string, TrieNode>();
  let nextId = 0;
  const fold = opts.caseInsensitiveKeys ? (k: string) => k.toLowerCase() : (k: string) => k;

  const flatten = (schemas: readonly Schema[]): SchemaObject[] => {
    const out: SchemaObject[] = [];
    const seen = new Set<SchemaObject>();
    const add = (s: Schema | undefined): void => {
      if (!isObject(s) || seen.has(s)) return;
      seen.add(s);
      out.push(s);
      if (typeof s['$ref'] === 'string') add(resolve(s['$ref']));
      for (const k of COMBINATORS) {
        const list = s[k];
        if (Array.isArray(list)) for (const sub of list) add(sub as Schema);
      }
      for (const k of BRANCHES) add(s[k] as Schema | undefined);
    };
    for (const s of schemas) add(s);
    return out;
  };

  const build = (schemas: readonly Schema[], inherited: FieldTag | undefined): TrieNode => {
    const flat = flatten(schemas);
    let own: FieldTag | undefined;
    let refine: { partial: Omit<FieldTag, 'sensitivity'>; at: string } | undefined;
    for (const s of flat) {
      const a = tags.get(s);
      if (a === undefined) continue;
      if ('full' in a) own = moreSensitive(own, a.full);
      else refine = { partial: { ...refine?.partial, ...a.partial }, at: a.at };
    }
    if (refine !== undefined) {
      const base = own ?? inherited;
      if (base === undefined) {
        issues.push({ path: pointerPath(refine.at), message: 'a kind, purpose, retention or lawful basis needs a sensitivity here or on an ancestor' });
      } else {
        own = Object.freeze({ ...base, ...refine.partial });
      }
    }
    const tag = own ?? inherited;
    // Only schemas that add a tag or structure identify a position: a bare `$ref` wrapper does not, so recursion closes.
    const key =
      flat
        .filter((s) => tags.has(s) || STRUCTURE.some((k) => s[k] !== undefined))
        .map(schemaId)
        .sort((a, b) => a - b)
        .join(',') +
      '|' +
      tagId(tag);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const node: TrieNode = { id: nextId++, tag, own: own !== undefined, children: new Map(), any: undefined, anyIsItems: false, scalar: isScalar(flat) };
    memo.set(key, node);

    const named = new Map<string, Schema[]>();
    const any: Schema[] = [];
    const push = (k: string, s: unknown): void => {
      if (!isObject(s) && typeof s !== 'boolean') return;
      const folded = fold(k);
      const list = named.get(folded);
      if (list === undefined) named.set(folded, [s]);
      else list.push(s);
    };
    let items = false;
    for (const s of flat) {
      const props = s['properties'];
      if (isObject(props)) for (const k of Object.keys(props)) push(k, props[k]);
      const pattern = s['patternProperties'];
      if (isObject(pattern)) for (const k of Object.keys(pattern)) any.push(pattern[k] as Schema);
      if (isObject(s['additionalProperties'])) any.push(s['additionalProperties']);
      const prefix = s['prefixItems'];
      if (Array.isArray(prefix)) prefix.forEach((p, i) => push(String(i), p));
      const it = s['items'];
      if (Array.isArray(it)) {
        it.forEach((p, i) => push(String(i), p));
        if (isObject(s['additionalItems'])) {
          any.push(s['additionalItems']);
          items = true;
        }
      } else if (isObject(it)) {
        any.push(it);
        items = true;
      }
    }
    for (const [k, list] of named) node.children.set(k, build(list, tag));
    if (any.length > 0) {
      node.any = build(any, tag);
      node.anyIsItems = items;
    }
    return node;
  };

  const trie = build([root], undefined);
  if (issues.length > 0) {
    const first = issues[0]!;
    const where = first.path.length === 0 ? 'the root' : '/' + first.path.join('/');
    throw new FieldguardError(
      'ERR_INVALID_SCHEMA',
      `invalid schema at ${where}: ${first.message}` + (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''),
      { issues },
    );
  }
  return trie;
}
