// defineSchema: zod v4, JSON Schema or OpenAPI in; one compiled, immutable FieldSchema out.
import type { $ZodType } from 'zod/v4/core';
import { zodCore } from '../zod.js';
import { FieldguardError } from '../errors.js';
import { appendIndex, appendKey, parsePath } from '../schema/path.js';
import { zodTagMeta } from './registry.js';
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
 * {@link defineSchema}; every plan and middleware takes one.
 */
export interface FieldSchema {
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

function zodToJsonSchema(schema: $ZodType): Record<string, unknown> {
  try {
    return zodCore.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      override(ctx) {
        const meta = zodTagMeta(ctx.zodSchema as $ZodType);
        if (meta === undefined) return;
        const target = ctx.jsonSchema as Record<string, unknown>;
        const copy = (from: string, to: string): void => {
          const v = meta[from] ?? meta[to];
          if (v !== undefined) target[to] = v;
        };
        copy('sensitivity', 'x-sensitivity');
        copy('kind', 'x-kind');
        copy('purpose', 'x-purpose');
        copy('retention', 'x-retention');
        copy('lawfulBasis', 'x-lawful-basis');
      },
    }) as Record<string, unknown>;
  } catch {
    return invalid('the zod schema could not be converted to JSON Schema');
  }
}

/**
 * Compiles a zod v4 schema, a JSON Schema object or an OpenAPI 3.x schema object into a
 * {@link FieldSchema}, once. Tags come from {@link tag}, `.meta({ sensitivity, kind })`, or the
 * keywords `x-sensitivity`, `x-kind`, `x-purpose`, `x-retention`, `x-lawful-basis`.
 *
 * A FieldSchema passed in is returned as it is.
 *
 * @throws FieldguardError `ERR_INVALID_SCHEMA` naming the path of an unknown sensitivity or kind,
 *   an unresolvable `$ref`, or an input that is not a schema.
 * @example
 * ```ts
 * const schema = defineSchema(z.object({
 *   id: tag(z.string(), 'public'),
 *   customer: z.object({ email: tag(z.string(), 'personal', { kind: 'email' }) }),
 * }));
 * schema.tagAt('customer.email'); // { sensitivity: 'personal', kind: 'email' }
 * ```
 */
export function defineSchema(input: unknown, options: DefineSchemaOptions = {}): FieldSchema {
  if (isFieldSchema(input)) return input;
  const caseInsensitiveKeys = options.caseInsensitiveKeys === true;
  let json: Record<string, unknown> | boolean;
  if (isZod(input)) {
    json = zodToJsonSchema(input);
  } else if (input !== null && typeof input === 'object' && '_def' in input && 'parse' in input) {
    return invalid('zod v3 schemas are not supported: fieldguard needs zod v4 (import { z } from "zod" with zod@4)');
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
    // A key the schema does not name inherits the tag of the object it sits in.
    if (next === undefined) return node.tag;
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
