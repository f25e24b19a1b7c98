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
  const tags = new Map<SchemaObject, FieldTag>();
  const anchors = new Map<string, SchemaObject>();
  const issues: Issue[] = [];

  // Pass 1 (json-schema-traverse visits every subschema keyword): validate annotations, index anchors and ids, check refs.
  const refs: Array<{ ref: string; at: string }> = [];
  const visit = (base: string) =>
    function pre(schema: SchemaObject, jsonPtr: string): void {
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
        const checked = checkTag(raw as { sensitivity: unknown });
        if (Array.isArray(checked)) {
          for (const message of checked) issues.push({ path: pointerPath(at), message });
        } else {
          tags.set(schema, checked);
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
  if (document !== root && isObject(document)) {
    // Index the anchors and tags of the document refs resolve against; its problems are reported under `$document`.
    traverse(document, { cb: { pre: visit('/$document') } });
  }

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
  for (const { ref, at } of refs) {
    if (resolve(ref) === undefined) {
      issues.push({ path: pointerPath(at), message: `$ref ${JSON.stringify(ref)} does not resolve to a schema in this document` });
    }
  }
  if (issues.length > 0) {
    const first = issues[0]!;
    const where = first.path.length === 0 ? 'the root' : '/' + first.path.join('/');
    throw new FieldguardError(
      'ERR_INVALID_SCHEMA',
      `invalid schema at ${where}: ${first.message}` + (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''),
      { issues },
    );
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
    for (const s of flat) own = moreSensitive(own, tags.get(s));
    const tag = own ?? inherited;
    const key = flat.map(schemaId).sort((a, b) => a - b).join(',') + '|' + tagId(tag);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const node: TrieNode = { id: nextId++, tag, own: own !== undefined, children: new Map(), any: undefined, anyIsItems: false };
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

  return build([root], undefined);
}
