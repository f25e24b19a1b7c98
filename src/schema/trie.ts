// Compiles a JSON Schema (draft 2020-12, 2019-09, draft-07/04 or OpenAPI 3.x) into the trie of path segments every plan is built from.
import { FieldguardError, type Issue } from '../errors.js';
import { checkTag, moreSensitive, type FieldTag } from './tags.js';

/**
 * One position in a payload. `children` holds named keys (and tuple indices), `any` the
 * position of every other key or array item. Recursive schemas make the trie a graph with
 * cycles, never an infinite tree.
 * @example
 * ```ts
 * schemaRoot(defineSchema(z.record(tag(z.email(), 'personal'), z.number()))).keyTag; // { sensitivity: 'personal' }
 * ```
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
  /**
   * The tag of this object's keys, when its `propertyNames` schema carries one (zod's
   * `z.record(tag(z.email(), 'personal'), …)`): the keys themselves are data of that tag.
   * Absent when the schema says nothing about the keys.
   */
  keyTag?: FieldTag;
}

type SchemaObject = Record<string, unknown>;
type Schema = SchemaObject | boolean;

/**
 * Options for compiling a JSON Schema.
 * @example
 * ```ts
 * buildTrie(spec.components.schemas.Order, { document: spec, caseInsensitiveKeys: false });
 * ```
 */
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
  ['quasiIdentifier', 'x-quasi-identifier', 'quasiIdentifier'],
];
const TAG_KEY_SET: ReadonlySet<string> = new Set(TAG_KEYS.flatMap(([, x, plain]) => [x, plain]));
// Inside a keyword fieldguard does not know, these keys betray a tag; plain `kind` or `purpose` are too common in data to count.
const TAG_MARKERS: ReadonlySet<string> = new Set([...TAG_KEYS.map(([, x]) => x), 'sensitivity']);

/**
 * What each keyword that holds subschemas means for payload positions. Both passes read this one
 * table, so no keyword can be validated by one and forgotten by the other.
 * - `merge`: applies to the same value (its tags and fields meet at the position, most sensitive tag wins)
 * - `named`: named keys; `pattern`: keys matching a pattern (named ones too); `rest`: the keys not named
 * - `items`: array items past any tuple; `tuple`: items by index; `contains`: any item, tuple ones included
 * - `keys`: the object's keys (`keyTag`); `defs`: reached only through a `$ref`
 * - `refuse`: has no payload position; a tag below it would be lost, so the schema is refused
 */
type Role = 'merge' | 'named' | 'pattern' | 'rest' | 'items' | 'tuple' | 'contains' | 'keys' | 'defs' | 'refuse';
type Shape = 'schema' | 'array' | 'map' | 'schemaOrArray' | 'dependencies';

const KEYWORDS: Readonly<Record<string, { readonly shape: Shape; readonly role: Role }>> = {
  allOf: { shape: 'array', role: 'merge' },
  anyOf: { shape: 'array', role: 'merge' },
  oneOf: { shape: 'array', role: 'merge' },
  if: { shape: 'schema', role: 'merge' },
  then: { shape: 'schema', role: 'merge' },
  else: { shape: 'schema', role: 'merge' },
  dependentSchemas: { shape: 'map', role: 'merge' },
  dependencies: { shape: 'dependencies', role: 'merge' },
  properties: { shape: 'map', role: 'named' },
  patternProperties: { shape: 'map', role: 'pattern' },
  additionalProperties: { shape: 'schema', role: 'rest' },
  unevaluatedProperties: { shape: 'schema', role: 'rest' },
  items: { shape: 'schemaOrArray', role: 'items' },
  prefixItems: { shape: 'array', role: 'tuple' },
  additionalItems: { shape: 'schema', role: 'items' },
  unevaluatedItems: { shape: 'schema', role: 'items' },
  contains: { shape: 'schema', role: 'contains' },
  propertyNames: { shape: 'schema', role: 'keys' },
  $defs: { shape: 'map', role: 'defs' },
  definitions: { shape: 'map', role: 'defs' },
  not: { shape: 'schema', role: 'refuse' },
  contentSchema: { shape: 'schema', role: 'refuse' },
};

/** Keywords whose values are instance data (never schemas): a `sensitivity` key inside them is data, not a tag. */
const DATA_KEYWORDS: ReadonlySet<string> = new Set(['enum', 'const', 'default', 'examples', 'example']);
/** Keywords that reference schemas by a string, resolved in pass 1. */
const REF_KEYWORDS = ['$ref', '$dynamicRef', '$recursiveRef'] as const;

const REFUSALS: Readonly<Record<string, string>> = {
  not: 'it describes values that are refused, not a position of the payload',
  contentSchema: 'it describes the decoded content of a string, which fieldguard does not look into; tag the string itself',
};

const POSITION_ROLES: ReadonlySet<Role> = new Set(['named', 'pattern', 'rest', 'items', 'tuple', 'contains', 'keys']);

/** A schema's own annotation: a whole tag, or parts of one (`x-kind` alone) that refine the inherited tag. */
type Annotation = { readonly full: FieldTag } | { readonly partial: Omit<FieldTag, 'sensitivity'>; readonly at: string };

function omitLevel(tag: FieldTag): Omit<FieldTag, 'sensitivity'> {
  const { sensitivity: _level, ...rest } = tag;
  return rest;
}

/** Keywords that describe what is inside an object or array: a schema with one of them is not a scalar. */
const STRUCTURE = ['properties', 'patternProperties', 'additionalProperties', 'items', 'prefixItems', 'additionalItems', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'propertyNames', 'dependentSchemas'] as const;

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

function isSchema(v: unknown): v is Schema {
  return isObject(v) || typeof v === 'boolean';
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointerPath(ptr: string): string[] {
  return ptr === '' ? [] : ptr.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Every subschema a keyword's value holds, with its pointer suffix (`/allOf/0`, `/properties/name`). */
function subschemas(key: string, value: unknown): Array<readonly [Schema, string, string | undefined]> {
  const out: Array<readonly [Schema, string, string | undefined]> = [];
  const shape = KEYWORDS[key]?.shape;
  const base = '/' + key;
  if (Array.isArray(value) && (shape === 'array' || shape === 'schemaOrArray')) {
    value.forEach((v, i) => {
      if (isSchema(v)) out.push([v, `${base}/${i}`, String(i)]);
    });
  } else if (isObject(value) && (shape === 'map' || shape === 'dependencies')) {
    for (const name of Object.keys(value)) {
      const v = value[name];
      if (isSchema(v)) out.push([v, `${base}/${escapePointer(name)}`, name]);
    }
  } else if (isSchema(value) && (shape === 'schema' || shape === 'schemaOrArray')) {
    out.push([value, base, undefined]);
  }
  return out;
}

/** What is wrong with a keyword's value, if its shape is not the one JSON Schema gives it. */
function shapeProblem(key: string, value: unknown): Array<readonly [string, string]> {
  const shape = KEYWORDS[key]!.shape;
  const problems: Array<readonly [string, string]> = [];
  const base = '/' + key;
  if (shape === 'schema' && !isSchema(value)) problems.push([base, `${key} must be a schema`]);
  if (shape === 'schemaOrArray' && !isSchema(value) && !Array.isArray(value)) problems.push([base, `${key} must be a schema or an array of schemas`]);
  if (shape === 'array' || (shape === 'schemaOrArray' && Array.isArray(value))) {
    if (!Array.isArray(value)) problems.push([base, `${key} must be an array of schemas`]);
    else value.forEach((v, i) => isSchema(v) || problems.push([`${base}/${i}`, `${key} must be an array of schemas`]));
  }
  if (shape === 'map' || shape === 'dependencies') {
    if (!isObject(value)) {
      problems.push([base, `${key} must be an object of schemas`]);
    } else {
      for (const name of Object.keys(value)) {
        const v = value[name];
        const names = shape === 'dependencies' && Array.isArray(v) && v.every((n) => typeof n === 'string');
        if (!isSchema(v) && !names) {
          problems.push([
            `${base}/${escapePointer(name)}`,
            shape === 'dependencies' ? 'dependencies must map each property to a schema or an array of property names' : `${key} must be an object of schemas`,
          ]);
        }
      }
    }
  }
  return problems;
}

/** The pointer (below `at`) of the first object in a value that carries a tag key, or `undefined`. */
function findTagMarker(value: unknown, at: string): string | undefined {
  const stack: Array<readonly [unknown, string]> = [[value, at]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, `${p}/${i}`]));
      continue;
    }
    const keys = Object.keys(v);
    if (keys.some((k) => TAG_MARKERS.has(k))) return p;
    for (const k of keys) if (!DATA_KEYWORDS.has(k)) stack.push([(v as SchemaObject)[k], `${p}/${escapePointer(k)}`]);
  }
  return undefined;
}

/**
 * Compiles `root` into a trie. Throws `ERR_INVALID_SCHEMA` listing every problem found.
 * @example
 * ```ts
 * const trie = buildTrie({ properties: { email: { 'x-sensitivity': 'personal' } } }, { caseInsensitiveKeys: false });
 * trie.children.get('email')?.tag; // { sensitivity: 'personal' }
 * ```
 */
export function buildTrie(root: Schema, opts: TrieOptions): TrieNode {
  const document: SchemaObject | undefined = isObject(opts.document) ? opts.document : isObject(root) ? root : undefined;
  const issues: Issue[] = [];
  const issue = (at: string, message: string): void => {
    const path = pointerPath(at);
    if (!issues.some((i) => i.message === message && i.path.join('/') === path.join('/'))) issues.push({ path, message });
  };

  // Interned by content, so a refined tag met again down a recursive schema is the same object and the memo below closes the cycle.
  const interned = new Map<string, FieldTag>();
  const intern = (t: FieldTag): FieldTag => {
    const key = JSON.stringify([t.sensitivity, t.kind, t.purpose, t.retention, t.lawfulBasis, t.quasiIdentifier]);
    const known = interned.get(key);
    if (known !== undefined) return known;
    interned.set(key, t);
    return t;
  };

  // ---- Pass 1: visit every schema once; validate annotations and keyword shapes; index ids and anchors; resolve references.
  const tags = new Map<SchemaObject, Annotation>();
  const pointers = new Map<SchemaObject, string>();
  const resourceOf = new Map<SchemaObject, SchemaObject>();
  const ids = new Map<string, SchemaObject>();
  const anchors = new Map<SchemaObject, Map<string, SchemaObject>>();
  const dynamicAnchors = new Map<string, SchemaObject[]>();
  const recursiveAnchors: SchemaObject[] = [];
  const patterns = new Map<string, RegExp | null>();
  /** What a schema's `$ref`, `$dynamicRef` and `$recursiveRef` point at (merged at its position). */
  const targets = new Map<SchemaObject, SchemaObject[]>();
  /** The schemas an OpenAPI `discriminator` can stand for (mapping and implicit `allOf` subtypes). */
  const subtypes = new Map<SchemaObject, SchemaObject[]>();
  type Pending =
    | { readonly kind: 'ref'; readonly schema: SchemaObject; readonly keyword: (typeof REF_KEYWORDS)[number]; readonly ref: string; readonly at: string }
    | { readonly kind: 'discriminator'; readonly schema: SchemaObject; readonly value: unknown; readonly at: string };
  const pending: Pending[] = [];
  const refused: Array<{ readonly keyword: string; readonly schema: Schema; readonly at: string }> = [];
  const keySchemas: Array<{ readonly schema: Schema; readonly at: string }> = [];
  const visited = new Set<SchemaObject>();

  const anchorsIn = (resource: SchemaObject): Map<string, SchemaObject> => {
    let m = anchors.get(resource);
    if (m === undefined) anchors.set(resource, (m = new Map()));
    return m;
  };

  const visit = (schema: Schema, at: string, resource: SchemaObject): void => {
    if (!isObject(schema) || visited.has(schema)) return;
    visited.add(schema);
    pointers.set(schema, at);
    const id = schema['$id'];
    if (typeof id === 'string') {
      if (id.startsWith('#')) {
        // draft-06/07: an `$id` that is only a fragment names a plain anchor.
        anchorsIn(resource).set(id.slice(1), schema);
      } else {
        const uri = id.endsWith('#') ? id.slice(0, -1) : id;
        ids.set(uri, schema);
        // The root keeps the document as its resource, so `#/components/…` keeps resolving against an OpenAPI document.
        if (at !== '' || schema !== root) resource = schema;
      }
    }
    resourceOf.set(schema, resource);
    annotate(schema, at);
    if (typeof schema['$anchor'] === 'string') anchorsIn(resource).set(schema['$anchor'], schema);
    const dynamic = schema['$dynamicAnchor'];
    if (typeof dynamic === 'string') {
      anchorsIn(resource).set(dynamic, schema);
      const list = dynamicAnchors.get(dynamic);
      if (list === undefined) dynamicAnchors.set(dynamic, [schema]);
      else list.push(schema);
    }
    if (schema['$recursiveAnchor'] === true) recursiveAnchors.push(schema);
    for (const keyword of REF_KEYWORDS) {
      const ref = schema[keyword];
      if (ref === undefined) continue;
      if (typeof ref === 'string') pending.push({ kind: 'ref', schema, keyword, ref, at });
      else issue(at, `${keyword} must be a string`);
    }
    if (schema['discriminator'] !== undefined) pending.push({ kind: 'discriminator', schema, value: schema['discriminator'], at });
    for (const key of Object.keys(schema)) {
      const value = schema[key];
      const spec = KEYWORDS[key];
      if (spec === undefined) {
        if (DATA_KEYWORDS.has(key) || TAG_KEY_SET.has(key) || key === 'discriminator' || (REF_KEYWORDS as readonly string[]).includes(key)) continue;
        const marker = findTagMarker(value, `${at}/${escapePointer(key)}`);
        if (marker !== undefined) {
          issue(
            at + '/' + escapePointer(key),
            `the keyword ${JSON.stringify(key)} holds a tag (at ${marker}) where fieldguard knows no payload position; ` +
              'tags belong on schemas under properties, items, allOf/anyOf/oneOf and the other applicators',
          );
        }
        continue;
      }
      for (const [p, message] of shapeProblem(key, value)) issue(at + p, message);
      if (spec.role === 'pattern' && isObject(value)) {
        for (const pattern of Object.keys(value)) {
          if (!patterns.has(pattern)) {
            let re: RegExp | null;
            try {
              re = new RegExp(pattern, 'u');
            } catch {
              re = null;
              issue(`${at}/${key}/${escapePointer(pattern)}`, `patternProperties key ${JSON.stringify(pattern)} is not a valid regular expression`);
            }
            patterns.set(pattern, re);
          }
        }
      }
      for (const [sub, suffix] of subschemas(key, value)) {
        if (spec.role === 'refuse') refused.push({ keyword: key, schema: sub, at: at + suffix });
        if (spec.role === 'keys') keySchemas.push({ schema: sub, at: at + suffix });
        visit(sub, at + suffix, resource);
      }
    }
  };

  const annotate = (schema: SchemaObject, at: string): void => {
    const raw: Record<string, unknown> = {};
    let tagged = false;
    for (const [field, xKey, plainKey] of TAG_KEYS) {
      const v = schema[xKey] ?? schema[plainKey];
      if (v !== undefined) {
        raw[field] = v;
        tagged = true;
      }
    }
    if (!tagged) return;
    // A kind (or purpose…) without a level refines the inherited tag; a placeholder level is checked here
    // and replaced by the inherited one when the trie is built.
    const checked = checkTag({ ...raw, sensitivity: raw['sensitivity'] ?? 'public' });
    if (Array.isArray(checked)) {
      for (const message of checked) issue(at, message);
    } else {
      tags.set(schema, raw['sensitivity'] === undefined ? { partial: omitLevel(checked), at } : { full: intern(checked) });
    }
  };

  const rootResource: SchemaObject = document ?? {};
  const remote = (ref: string): string =>
    `$ref ${JSON.stringify(ref)} points outside this document: fieldguard does not fetch schemas; ` +
    'put the schema under $defs (or pass the OpenAPI document as { document })';

  /** Resolves a reference against the resource it appears in; `'remote'` when it names another document. */
  const resolve = (ref: string, resource: SchemaObject): { schema: SchemaObject; at: string; resource: SchemaObject } | 'remote' | undefined => {
    const hash = ref.indexOf('#');
    const uri = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? '' : ref.slice(hash + 1);
    let base: SchemaObject | undefined = uri === '' ? resource : ids.get(uri);
    if (base === undefined) return 'remote';
    const baseAt = base === rootResource ? '' : (pointers.get(base) ?? '');
    if (fragment === '') return { schema: base, at: baseAt, resource: base };
    if (!fragment.startsWith('/')) {
      const target = anchors.get(base)?.get(fragment);
      return target === undefined ? undefined : { schema: target, at: pointers.get(target) ?? baseAt, resource: resourceOf.get(target) ?? base };
    }
    let cur: unknown = base;
    let within = base;
    let path = baseAt;
    for (const raw of fragment.slice(1).split('/')) {
      let key: string;
      try {
        key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      } catch {
        return undefined;
      }
      if (!isObject(cur) && !Array.isArray(cur)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
      cur = (cur as Record<string, unknown>)[key];
      path += '/' + escapePointer(key);
      if (isObject(cur) && typeof cur['$id'] === 'string' && !cur['$id'].startsWith('#')) within = cur;
    }
    if (!isObject(cur)) return undefined;
    return { schema: cur, at: path, resource: within === cur ? (resourceOf.get(cur) ?? base) : within };
  };

  const follow = (target: { schema: SchemaObject; at: string; resource: SchemaObject }): SchemaObject => {
    if (!visited.has(target.schema)) visit(target.schema, target.at, target.resource);
    return target.schema;
  };

  const resolveRef = (p: Extract<Pending, { kind: 'ref' }>): void => {
    const resource = resourceOf.get(p.schema) ?? rootResource;
    const found = resolve(p.ref, resource);
    if (found === 'remote') return issue(p.at, remote(p.ref));
    if (found === undefined) return issue(p.at, `${p.keyword} ${JSON.stringify(p.ref)} does not resolve to a schema in this document`);
    const list = [follow(found)];
    // A dynamic reference can bind to any schema with the same dynamic anchor: take them all, so no binding's tags are missed.
    const name = p.keyword === '$dynamicRef' && p.ref.includes('#') ? p.ref.slice(p.ref.indexOf('#') + 1) : undefined;
    if (name !== undefined && found.schema['$dynamicAnchor'] === name) list.push(...(dynamicAnchors.get(name) ?? []));
    if (p.keyword === '$recursiveRef' && found.schema['$recursiveAnchor'] === true) list.push(...recursiveAnchors);
    const known = targets.get(p.schema) ?? [];
    targets.set(p.schema, [...known, ...list.filter((s) => !known.includes(s))]);
  };

  // OpenAPI's schema containers, where discriminator names and implicit subtypes live.
  const containers = (): Array<readonly [SchemaObject, string]> => {
    const out: Array<readonly [SchemaObject, string]> = [];
    const components = document?.['components'];
    if (isObject(components) && isObject(components['schemas'])) out.push([components['schemas'], '/components/schemas']);
    if (isObject(document?.['definitions'])) out.push([document['definitions'] as SchemaObject, '/definitions']);
    if (isObject(document?.['$defs'])) out.push([document['$defs'] as SchemaObject, '/$defs']);
    return out;
  };

  const resolveDiscriminator = (p: Extract<Pending, { kind: 'discriminator' }>): void => {
    const at = p.at + '/discriminator';
    const value = p.value;
    const resource = resourceOf.get(p.schema) ?? rootResource;
    if (typeof value !== 'string' && !(isObject(value) && typeof value['propertyName'] === 'string')) {
      return issue(at, 'discriminator must be an object with a propertyName');
    }
    const found: SchemaObject[] = [];
    const mapping = isObject(value) ? value['mapping'] : undefined;
    if (mapping !== undefined && !isObject(mapping)) issue(at + '/mapping', 'discriminator mapping must be an object of schema names or references');
    if (isObject(mapping)) {
      for (const key of Object.keys(mapping)) {
        const target = mapping[key];
        const where = `${at}/mapping/${escapePointer(key)}`;
        if (typeof target !== 'string') {
          issue(where, 'discriminator mapping must be an object of schema names or references');
          continue;
        }
        let hit: ReturnType<typeof resolve>;
        if (target.includes('#') || target.includes('/')) {
          hit = resolve(target, resource);
        } else {
          const container = containers().find(([c]) => isObject(c[target]));
          hit = container === undefined ? undefined : { schema: container[0][target] as SchemaObject, at: `${container[1]}/${escapePointer(target)}`, resource: rootResource };
        }
        if (hit === 'remote') issue(where, remote(target));
        else if (hit === undefined) issue(where, `discriminator mapping ${JSON.stringify(key)}: ${JSON.stringify(target)} does not resolve to a schema in this document`);
        else found.push(follow(hit));
      }
    }
    // A subtype that extends this schema through allOf stands for it without being listed (OpenAPI's implicit mapping).
    for (const [container, base] of containers()) {
      for (const name of Object.keys(container)) {
        const candidate = container[name];
        if (!isObject(candidate) || !Array.isArray(candidate['allOf'])) continue;
        const extendsThis = candidate['allOf'].some((item) => {
          if (!isObject(item) || typeof item['$ref'] !== 'string') return false;
          const hit = resolve(item['$ref'], rootResource);
          return hit !== undefined && hit !== 'remote' && hit.schema === p.schema;
        });
        if (extendsThis) found.push(follow({ schema: candidate, at: `${base}/${escapePointer(name)}`, resource: rootResource }));
      }
    }
    subtypes.set(p.schema, [...new Set(found)].filter((s) => s !== p.schema));
  };

  if (isObject(root)) visit(root, '', rootResource);
  // Schemas reached only through a reference (an OpenAPI document's components) are visited when first referenced.
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    if (p.kind === 'ref') resolveRef(p);
    else resolveDiscriminator(p);
  }

  // ---- Merging: the schemas that meet at one position.
  const roleOf = (key: string): Role | undefined => KEYWORDS[key]?.role;
  const structural = new Map<SchemaObject, boolean>();
  const isStructural = (s: SchemaObject): boolean => {
    let v = structural.get(s);
    if (v === undefined) structural.set(s, (v = Object.keys(s).some((k) => POSITION_ROLES.has(roleOf(k)!)) || subtypes.has(s)));
    return v;
  };

  const flatten = (schemas: readonly Schema[]): SchemaObject[] => {
    const out: SchemaObject[] = [];
    const seen = new Set<SchemaObject>();
    // `heir` is the schema whose allOf led here: a subtype reaching its own base does not stand for its siblings.
    const add = (s: Schema | undefined, heir: SchemaObject | undefined): void => {
      if (!isObject(s) || seen.has(s)) return;
      seen.add(s);
      out.push(s);
      for (const t of targets.get(s) ?? []) add(t, heir);
      const subs = subtypes.get(s);
      if (subs !== undefined && (heir === undefined || !subs.includes(heir))) for (const t of subs) add(t, undefined);
      for (const key of Object.keys(s)) {
        if (roleOf(key) !== 'merge') continue;
        for (const [sub] of subschemas(key, s[key])) add(sub, key === 'allOf' ? s : undefined);
      }
    };
    for (const s of schemas) add(s, undefined);
    return out;
  };

  /** The tag declared by the schemas meeting at a position (a partial one refines `inherited`), or `undefined`. */
  const declared = (flat: readonly SchemaObject[], inherited: FieldTag | undefined): FieldTag | undefined => {
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
        issue(refine.at, 'a kind, purpose, retention or lawful basis needs a sensitivity here or on an ancestor');
      } else {
        own = intern(Object.freeze({ ...base, ...refine.partial }));
      }
    }
    return own;
  };

  /** The pointer of a tagged schema reachable from `s` through any applicator or reference, or `undefined`. */
  const taggedBelow = (s: Schema): string | undefined => {
    const stack: Schema[] = [s];
    const seen = new Set<SchemaObject>();
    while (stack.length > 0) {
      const cur = stack.pop()!;
      if (!isObject(cur) || seen.has(cur)) continue;
      seen.add(cur);
      if (tags.has(cur)) return pointers.get(cur) ?? '';
      stack.push(...(targets.get(cur) ?? []), ...(subtypes.get(cur) ?? []));
      for (const key of Object.keys(cur)) {
        const role = roleOf(key);
        if (role !== undefined && role !== 'defs') for (const [sub] of subschemas(key, cur[key])) stack.push(sub);
      }
    }
    return undefined;
  };

  // Keywords without a payload position may not hide a tag.
  for (const r of refused) {
    const hit = taggedBelow(r.schema);
    if (hit !== undefined) {
      issue(r.at, `${r.keyword} cannot carry a tag (one is at ${hit === '' ? 'the root' : hit}): ${REFUSALS[r.keyword]}`);
    }
  }
  // Keys are strings: a tag on a position inside a propertyNames schema has nowhere to go.
  for (const k of keySchemas) {
    for (const s of flatten([k.schema])) {
      for (const key of Object.keys(s)) {
        if (!POSITION_ROLES.has(roleOf(key)!)) continue;
        for (const [sub, suffix] of subschemas(key, s[key])) {
          const hit = taggedBelow(sub);
          if (hit !== undefined) {
            issue((pointers.get(s) ?? k.at) + suffix, `propertyNames describes keys, which are strings: the tag at ${hit} below its ${key} has no position`);
          }
        }
      }
    }
  }

  // ---- Pass 2: build the trie. Positions are memoized by the schemas that meet there and the inherited tag,
  // so a recursive $ref closes into a cycle.
  const ids2 = new Map<SchemaObject, number>();
  const schemaId = (s: SchemaObject): number => {
    let id = ids2.get(s);
    if (id === undefined) ids2.set(s, (id = ids2.size));
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

  const build = (schemas: readonly Schema[], inherited: FieldTag | undefined): TrieNode => {
    const flat = flatten(schemas);
    const own = declared(flat, inherited);
    const tag = own ?? inherited;
    // Only schemas that add a tag or structure identify a position: a bare `$ref` wrapper does not, so recursion closes.
    const key =
      flat
        .filter((s) => tags.has(s) || isStructural(s))
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
    const original = new Map<string, string>();
    const tuple = new Set<string>();
    const rest: Schema[] = [];
    const anyItem: Schema[] = [];
    const pattern: Array<readonly [RegExp, Schema]> = [];
    const keys: Schema[] = [];
    const push = (k: string, s: Schema): void => {
      const folded = fold(k);
      if (!original.has(folded)) original.set(folded, k);
      const list = named.get(folded);
      if (list === undefined) named.set(folded, [s]);
      else list.push(s);
    };
    let items = false;
    for (const s of flat) {
      for (const keyword of Object.keys(s)) {
        const role = roleOf(keyword);
        if (role === undefined || !POSITION_ROLES.has(role)) continue;
        const value = s[keyword];
        if (role === 'named') {
          for (const [sub, , name] of subschemas(keyword, value)) push(name!, sub);
        } else if (role === 'pattern') {
          for (const [sub, , p] of subschemas(keyword, value)) {
            rest.push(sub);
            const re = patterns.get(p!);
            if (re) pattern.push([re, sub]);
          }
        } else if (role === 'rest') {
          // `additionalProperties: true` allows any key without describing it: no position of its own.
          for (const [sub] of subschemas(keyword, value)) if (isObject(sub)) rest.push(sub);
        } else if (role === 'tuple' || (role === 'items' && Array.isArray(value))) {
          for (const [sub, , i] of subschemas(keyword, value)) {
            push(i!, sub);
            tuple.add(fold(i!));
          }
        } else if (role === 'items' || role === 'contains') {
          for (const [sub] of subschemas(keyword, value)) {
            if (!isObject(sub)) continue;
            anyItem.push(sub);
            items = true;
          }
        } else if (role === 'keys') {
          for (const [sub] of subschemas(keyword, value)) keys.push(sub);
        }
      }
    }
    // `contains` can match any item, those of a tuple too; a pattern applies to the named keys it matches as well.
    const contained = flat.flatMap((s) => subschemas('contains', s['contains']).flatMap(([sub]) => (isObject(sub) ? [sub] : [])));
    for (const [k, list] of named) {
      const extra = [...(tuple.has(k) ? contained : []), ...pattern.filter(([re]) => re.test(original.get(k)!)).map(([, sub]) => sub)];
      node.children.set(k, build([...list, ...extra], tag));
    }
    const any = [...rest, ...anyItem];
    if (any.length > 0) {
      node.any = build(any, tag);
      node.anyIsItems = items;
    }
    if (keys.length > 0) {
      const keyTag = declared(flatten(keys), tag);
      if (keyTag !== undefined) node.keyTag = keyTag;
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
