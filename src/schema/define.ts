// defineSchema: zod v4, JSON Schema or OpenAPI in; one compiled, immutable FieldSchema out.
import type { $ZodType } from 'zod/v4/core';
import { zodCore } from '../zod.js';
import { FieldguardError, type Issue } from '../errors.js';
import { appendIndex, appendKey, parsePath } from '../schema/path.js';
import { TAG_META_KEYS, zodGlobalMeta, zodTagMeta } from './registry.js';
import type { FieldTag } from './tags.js';
import { buildTrie, type TrieNode } from './trie.js';

const ROOT = Symbol.for('fieldguard.schema.root');
// Only a key that reads back as itself prints as an index: "007" as [7] would select the key "7".
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,14})$/;

/** One tagged field of a schema, with its inherited tag resolved. */
export interface FieldEntry {
  /** The field's path in pino syntax: `customer.email`, `items[*].note`, `attributes.*`. */
  readonly path: string;
  /** The effective tag (its own or the nearest ancestor's). */
  readonly tag: FieldTag;
}

/** Options of {@link defineSchema}. */
export interface DefineSchemaOptions {
  /** Match payload keys regardless of case (`Email` matches `email`). Default `false`. */
  readonly caseInsensitiveKeys?: boolean;
  /**
   * The document that local `$ref`s point into, for an OpenAPI schema object taken out of its
   * document (`#/components/schemas/Address`). Default: the schema itself.
   */
  readonly document?: object;
}

/**
 * A compiled, immutable field schema: which payload positions carry which tags. Made by
 * {@link defineSchema}; every plan and middleware takes one. `Z` is the zod schema it was defined
 * from (`unknown` for JSON Schema and OpenAPI), which types what plans over it return.
 */
export interface FieldSchema<Z = unknown> {
  /** The zod schema's type, in types only: never set at run time. */
  readonly '~schema'?: Z;
  /** Whether keys are matched regardless of case. */
  readonly caseInsensitiveKeys: boolean;
  /** Every tagged leaf and tagged container, inherited tags resolved, in pino path syntax. */
  fields(): FieldEntry[];
  /**
   * The effective tag at a path (`items[3].note` or `items[*].note`), or `undefined` when no tag covers it.
   * @throws FieldguardError `ERR_INVALID_PATH` for a malformed path.
   */
  tagAt(path: string): FieldTag | undefined;
  /** @internal The compiled trie. */
  readonly [ROOT]: TrieNode;
}

/** Whether a value is a FieldSchema made by {@link defineSchema} (from any copy of fieldguard). */
export function isFieldSchema(value: unknown): value is FieldSchema {
  return value !== null && typeof value === 'object' && ROOT in value;
}

/** The trie behind a FieldSchema. */
export function schemaRoot(schema: FieldSchema): TrieNode {
  return schema[ROOT];
}

function isZod(value: unknown): value is $ZodType {
  return value !== null && typeof value === 'object' && '_zod' in value;
}

function invalid(message: string): never {
  throw new FieldguardError('ERR_INVALID_SCHEMA', message, { issues: [{ path: [], message }] });
}

/**
 * What zod's JSON Schema generator copies onto each schema's node: the schema's own `.meta()` data,
 * with its tag (read along the clone chain, fieldguard's registry included) as `x-` keywords. It is
 * given as the generator's `metadata` registry rather than written by an `override` hook: the
 * generator reads metadata for every schema it meets, while zod 3.25 runs `override` only for
 * schemas that are not another schema's parent, so a tagged schema used both directly and under
 * `.refine()` would lose its tag at the direct use.
 */
function jsonSchemaMeta(schema: $ZodType): Record<string, unknown> | undefined {
  const meta = zodGlobalMeta(schema);
  const tag = zodTagMeta(schema);
  if (tag === undefined) return meta;
  const out: Record<string, unknown> = { ...meta };
  for (const k of TAG_META_KEYS) delete out[k];
  if (tag['sensitivity'] !== undefined) out['x-sensitivity'] = tag['sensitivity'];
  if (tag['kind'] !== undefined) out['x-kind'] = tag['kind'];
  if (tag['purpose'] !== undefined) out['x-purpose'] = tag['purpose'];
  if (tag['retention'] !== undefined) out['x-retention'] = tag['retention'];
  if (tag['lawfulBasis'] !== undefined) out['x-lawful-basis'] = tag['lawfulBasis'];
  if (tag['quasiIdentifier'] !== undefined) out['x-quasi-identifier'] = tag['quasiIdentifier'];
  return out;
}

/** The schemas a zod schema is made of, read from its definition (object shapes, wrapped and piped schemas, lazy targets). */
function zodParts(schema: $ZodType): unknown[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  const out: unknown[] = [];
  for (const key of Object.keys(def)) {
    if (key === 'checks') continue;
    const v = def[key];
    if (isZod(v)) out.push(v);
    else if (Array.isArray(v)) out.push(...v);
    else if (key === 'shape' && v !== null && typeof v === 'object') out.push(...Object.values(v));
  }
  if (def['type'] === 'lazy' && typeof def['getter'] === 'function') out.push((def['getter'] as () => unknown)());
  return out;
}

/** Whether a tag sits anywhere in these zod schemas or below them. */
function zodTagWithin(roots: readonly unknown[]): boolean {
  const stack = [...roots];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const s = stack.pop();
    if (!isZod(s) || seen.has(s)) continue;
    seen.add(s);
    if (zodTagMeta(s) !== undefined) return true;
    stack.push(...zodParts(s));
  }
  return false;
}

/**
 * The parts of a zod schema that zod's JSON Schema (of the input) leaves out, so a tag inside
 * them would reach no payload position: a Map's or Set's contents, a function's arguments and
 * result, and the side of a `.pipe()` that is not the input. Returns why, when one holds a tag.
 */
function lostTag(schema: $ZodType): string | undefined {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def['type']) {
    case 'map':
    case 'set':
      return zodTagWithin([def['keyType'], def['valueType']])
        ? `z.${String(def['type'])}() holds a tag inside it, but a Map or Set has no JSON payload positions: tag the ${String(def['type'])} itself, or use z.record() / z.array()`
        : undefined;
    case 'function':
      return zodTagWithin([def['input'], def['output']]) ? 'z.function() holds a tag in its arguments or result, which are not payload positions' : undefined;
    case 'pipe': {
      // zod describes the input of a pipe by its `in` side, or by `out` when `in` is a bare transform.
      const from = def['in'] as $ZodType;
      const unused = from._zod.traits.has('$ZodTransform') ? from : def['out'];
      return zodTagWithin([unused])
        ? "the output side of .pipe() (or of a codec) holds a tag, but fieldguard reads a payload as it arrives, before the pipe: tag the pipe itself (tag(a.pipe(b), …)) or its input side"
        : undefined;
    }
    default:
      return undefined;
  }
}

function zodToJsonSchema(schema: $ZodType): Record<string, unknown> {
  const metadata = zodCore.registry<Record<string, unknown>>();
  // Only `get` is asked of a metadata registry by the generator (zod 3.25 and 4).
  (metadata as unknown as { get: (s: $ZodType) => Record<string, unknown> | undefined }).get = jsonSchemaMeta;
  const issues: Issue[] = [];
  let json: Record<string, unknown>;
  try {
    json = zodCore.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      metadata,
      override(ctx) {
        const why = lostTag(ctx.zodSchema as $ZodType);
        if (why !== undefined) issues.push({ path: ctx.path.map(String), message: why });
      },
    }) as Record<string, unknown>;
  } catch {
    return invalid('the zod schema could not be converted to JSON Schema');
  }
  if (issues.length > 0) {
    const first = issues[0]!;
    const where = first.path.length === 0 ? 'the root' : '/' + first.path.join('/');
    throw new FieldguardError('ERR_INVALID_SCHEMA', `invalid schema at ${where}: ${first.message}` + (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''), { issues });
  }
  return json;
}

/**
 * Compiles a zod v4 schema, a JSON Schema object or an OpenAPI 3.x schema object into a
 * {@link FieldSchema}, once. Tags come from {@link tag}, `.meta({ sensitivity, kind })`, or the
 * keywords `x-sensitivity`, `x-kind`, `x-purpose`, `x-retention`, `x-lawful-basis`.
 *
 * A FieldSchema passed in is returned as it is.
 *
 * Every JSON Schema keyword that holds subschemas is either compiled into payload positions or,
 * when a tag below it could reach none (`not`, `contentSchema`, a keyword fieldguard does not know,
 * a zod Map, Set or pipe output), refused: a tag is never dropped in silence (docs/schema.md lists them).
 *
 * @throws FieldguardError `ERR_INVALID_SCHEMA` with one issue per problem (its JSON pointer and what
 *   is wrong): an unknown sensitivity, kind or lawful basis, a retention that is not a positive
 *   duration, a malformed keyword, a refused keyword holding a tag, an unresolvable or remote `$ref`,
 *   or an input that is not a schema.
 * @example
 * ```ts
 * const schema = defineSchema(z.object({
 *   id: tag(z.string(), 'public'),
 *   customer: z.object({ email: tag(z.string(), 'personal', { kind: 'email' }) }),
 * }));
 * schema.tagAt('customer.email'); // { sensitivity: 'personal', kind: 'email' }
 * ```
 */
export function defineSchema<T>(input: T, options: DefineSchemaOptions = {}): FieldSchema<SchemaOf<T>> {
  return compileSchema(input, options) as FieldSchema<SchemaOf<T>>;
}

/** The zod schema type a {@link defineSchema} input stands for: a zod schema, the one behind a FieldSchema, else `unknown`. */
export type SchemaOf<T> = T extends FieldSchema<infer Z> ? Z : T extends $ZodType ? T : unknown;

function compileSchema(input: unknown, options: DefineSchemaOptions): FieldSchema {
  if (isFieldSchema(input)) return input;
  const caseInsensitiveKeys = options.caseInsensitiveKeys === true;
  let json: Record<string, unknown> | boolean;
  if (isZod(input)) {
    json = zodToJsonSchema(input);
  } else if (input !== null && typeof input === 'object' && '_def' in input && 'parse' in input) {
    return invalid('zod v3 schemas are not supported: build the schema with zod v4 (import { z } from "zod/v4" with zod 3.25, or from "zod" with zod 4)');
  } else if (typeof input === 'boolean') {
    json = input;
  } else if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const proto: unknown = Object.getPrototypeOf(input);
    if (proto !== Object.prototype && proto !== null) {
      return invalid('defineSchema takes a zod v4 schema, a JSON Schema object or an OpenAPI schema object');
    }
    if ('openapi' in input || 'swagger' in input) {
      return invalid(
        'this is a whole OpenAPI document; pass one schema object (document.components.schemas.Order) with { document }',
      );
    }
    json = input as Record<string, unknown>;
  } else {
    return invalid('defineSchema takes a zod v4 schema, a JSON Schema object or an OpenAPI schema object');
  }
  const trieOptions = options.document === undefined ? { caseInsensitiveKeys } : { caseInsensitiveKeys, document: options.document };
  const root = buildTrie(json, trieOptions);
  return Object.freeze({
    caseInsensitiveKeys,
    fields: () => listFields(root),
    tagAt: (path: string) => tagAt(root, path, caseInsensitiveKeys),
    [ROOT]: root,
  });
}

function listFields(root: TrieNode): FieldEntry[] {
  const out: FieldEntry[] = [];
  const onPath = new Set<TrieNode>();
  const visit = (node: TrieNode, path: string): void => {
    if (onPath.has(node)) return;
    if (node.tag !== undefined && path !== '') out.push({ path, tag: node.tag });
    onPath.add(node);
    for (const [key, child] of node.children) {
      visit(child, ARRAY_INDEX.test(key) ? appendIndex(path, Number(key)) : appendKey(path, key));
    }
    if (node.any !== undefined) visit(node.any, node.anyIsItems ? appendIndex(path, '*') : path === '' ? '*' : `${path}.*`);
    onPath.delete(node);
  };
  visit(root, '');
  return out;
}

function tagAt(root: TrieNode, path: string, fold: boolean): FieldTag | undefined {
  let node = root;
  for (const seg of parsePath(path)) {
    if ('deep' in seg) return undefined;
    const key = 'key' in seg ? (fold ? seg.key.toLowerCase() : seg.key) : undefined;
    const next = key !== undefined ? (node.children.get(key) ?? node.any) : node.any;
    // A key the schema does not name is described only where the schema names no key there (a tagged
    // blob): then it inherits the object's tag. Beside named keys, it is not described, so untagged.
    if (next === undefined) return node.children.size > 0 ? undefined : node.tag;
    node = next;
  }
  return node.tag;
}

/** Paths of the positions no tag covers (leaves without a tag), in pino syntax, for `fieldguard check`. */
export function untaggedLeaves(schema: FieldSchema): string[] {
  const out: string[] = [];
  const onPath = new Set<TrieNode>();
  const visit = (node: TrieNode, path: string): void => {
    if (onPath.has(node) || node.tag !== undefined) return;
    if (node.children.size === 0 && node.any === undefined) {
      out.push(path === '' ? '(root)' : path);
      return;
    }
    onPath.add(node);
    for (const [key, child] of node.children) visit(child, ARRAY_INDEX.test(key) ? appendIndex(path, Number(key)) : appendKey(path, key));
    if (node.any !== undefined) visit(node.any, node.anyIsItems ? appendIndex(path, '*') : path === '' ? '*' : `${path}.*`);
    onPath.delete(node);
  };
  visit(schemaRoot(schema), '');
  return out;
}
