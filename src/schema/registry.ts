// fieldguard's own zod registry and `tag()`, the typed way to mark a zod field's sensitivity, and how a zod schema's tag is read back.
import type { $ZodType, $ZodRegistry } from 'zod/v4/core';
import { zodCore } from '../zod.js';
import { FieldguardError } from '../errors.js';
import { checkTag, type FieldTag, type Sensitivity, type TagExtra } from './tags.js';
import type { KindOf, Tagged } from './types.js';

const REGISTRY_KEY = Symbol.for('fieldguard.registry');
const OWN_KEY = Symbol.for('fieldguard.tags');
// Also written into the tagged clone's definition: zod copies a definition's own properties (symbols
// included) into the schemas it derives by copying it — `.min()`, `.refine()`, `.extend()` — and zod
// 3.25 links none of those to their parent, so this copy is how such a schema still knows its tag.
const DEF_KEY = Symbol.for('fieldguard.tag');

type Holder = { [REGISTRY_KEY]?: $ZodRegistry<FieldTag>; [OWN_KEY]?: WeakMap<object, FieldTag> };

/**
 * The zod registry in which {@link tag} records field tags.
 *
 * It lives on `globalThis` under `Symbol.for('fieldguard.registry')`, so the ESM and CJS builds
 * (and two copies of fieldguard in one process) share it, the way zod keeps its global registry.
 * A schema an application registers itself (`schema.register(registry, { sensitivity: 'personal' })`)
 * is read too; {@link tag} is the usual way in.
 *
 * @example
 * ```ts
 * const email = tag(z.email(), 'personal', { kind: 'email' });
 * registry.get(email); // { sensitivity: 'personal', kind: 'email' }
 * ```
 */
export const registry: $ZodRegistry<FieldTag> = ((globalThis as Holder)[REGISTRY_KEY] ??= zodCore.registry<FieldTag>());

// The tag each tag() call gave its clone, as given. zod's registries merge a clone's metadata with its
// parent's, so re-tagging `tag(tag(s, 'secret', { kind: 'credential' }), 'public')` would keep the old
// kind; fieldguard reads this map first, so a new tag replaces the old one whole.
const ownTags: WeakMap<object, FieldTag> = ((globalThis as Holder)[OWN_KEY] ??= new WeakMap<object, FieldTag>());

/**
 * Tags a zod schema with a sensitivity (and optionally a kind, purpose, retention, lawful basis).
 *
 * Returns a **new** schema instance of the same type (zod's own clone, as `.meta()` makes), so the
 * static type flows through and the schema passed in is never changed: one shared `z.string()`
 * tagged `secret` in one place and `public` in another carries two independent tags. A tag
 * survives zod's wrappers and refinements applied before or after it (`.optional()`,
 * `.nullable()`, `.default()`, `.transform()`, `.array()`, `.refine()`, `.brand()`, `.describe()`).
 * Tagging an already tagged schema replaces its tag.
 *
 * The returned type carries the level and kind ({@link Tagged}), which `Scrubbed`, `Masked` and
 * `Tokenized` read to give the static type of a payload after a plan.
 *
 * @throws FieldguardError `ERR_INVALID_SCHEMA` for an unknown sensitivity, kind or lawful basis, or a
 *   retention that is not a positive ISO-8601 duration.
 * @example
 * ```ts
 * const Order = z.object({
 *   id: tag(z.string(), 'public'),
 *   email: tag(z.email(), 'personal', { kind: 'email' }),
 * });
 * ```
 */
export function tag<T extends $ZodType, S extends Sensitivity = Sensitivity, E extends TagExtra = {}>(schema: T, sensitivity: S, extra: E = {} as E): Tagged<T, S, KindOf<E>> {
  if (schema === null || typeof schema !== 'object' || !('_zod' in schema)) {
    throw new FieldguardError('ERR_INVALID_SCHEMA', 'tag() takes a zod v4 schema as its first argument', {
      issues: [{ path: [], message: 'not a zod v4 schema' }],
    });
  }
  const checked = checkTag({ ...extra, sensitivity });
  if (Array.isArray(checked)) {
    throw new FieldguardError('ERR_INVALID_SCHEMA', `tag(): ${checked.join('; ')}`, {
      issues: checked.map((message) => ({ path: [], message })),
    });
  }
  const def = Object.defineProperties({}, Object.getOwnPropertyDescriptors(schema._zod.def)) as T['_zod']['def'];
  Object.defineProperty(def, DEF_KEY, { value: checked, enumerable: true, configurable: true });
  const tagged = zodCore.util.clone(schema, def, { parent: true });
  ownTags.set(tagged, checked);
  registry.add(tagged, checked);
  return tagged as Tagged<T, S, KindOf<E>>;
}

/** The tag fields, each read from its `x-` keyword or its plain name, as JSON Schema annotations are. */
const FIELDS: ReadonlyArray<readonly [field: string, xKey: string]> = [
  ['sensitivity', 'x-sensitivity'],
  ['kind', 'x-kind'],
  ['purpose', 'x-purpose'],
  ['retention', 'x-retention'],
  ['lawfulBasis', 'x-lawful-basis'],
  ['quasiIdentifier', 'x-quasi-identifier'],
];

/**
 * The keys under which a zod schema's metadata can carry a tag field (plain and `x-` spellings).
 * @example
 * ```ts
 * TAG_META_KEYS.includes('x-sensitivity'); // true
 * ```
 */
export const TAG_META_KEYS: readonly string[] = FIELDS.flatMap(([field, xKey]) => [field, xKey]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A schema's metadata in zod's global registry (what `.meta()` and `.describe()` wrote, inherited
 * along the clone chain). A schema built by another copy of zod — zod 3.25's ESM build beside the
 * CJS build fieldguard loads, whose global registries are separate — keeps it in that copy's
 * registry, which the schema's own `.meta()` reads.
 * @example
 * ```ts
 * zodGlobalMeta(z.string().describe('note')); // { description: 'note' }
 * ```
 */
export function zodGlobalMeta(schema: $ZodType): Record<string, unknown> | undefined {
  const read = (schema as { meta?: unknown }).meta;
  const meta: unknown = typeof read === 'function' ? (read as () => unknown).call(schema) : zodCore.globalRegistry.get(schema);
  return isRecord(meta) ? meta : undefined;
}

function tagFields(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (meta === undefined) return out;
  for (const [field, xKey] of FIELDS) {
    const v = meta[xKey] ?? meta[field];
    if (v !== undefined) out[field] = v;
  }
  return out;
}

/**
 * The tag a zod schema carries, read along its clone chain (`.refine()`, `.describe()`, `.meta()`,
 * `tag()` each make a clone whose parent is the schema they were called on), nearest first:
 * a {@link tag} (or an entry an application put into {@link registry}) is a whole tag; `.meta()`
 * data that sets a level is one too, with zod's merging of metadata; tag fields without a level
 * (`.meta({ kind: 'email' })`) refine whatever tag comes next up the chain. Returns the tag's fields
 * (unchecked: the JSON Schema pass checks them with their path), or `undefined`.
 * @example
 * ```ts
 * zodTagMeta(tag(z.string(), 'personal').min(1).meta({ kind: 'email' })); // { sensitivity: 'personal', kind: 'email' }
 * ```
 */
export function zodTagMeta(schema: $ZodType): Record<string, unknown> | undefined {
  const partial: Record<string, unknown> = {};
  const refine = (fields: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(fields)) if (!(k in partial)) partial[k] = v;
  };
  for (let s: $ZodType | undefined = schema; s !== undefined; s = s._zod.parent) {
    const own = ownTags.get(s) ?? (registry.has(s) ? registry.get(s) : undefined);
    if (own !== undefined) return { ...tagFields(own as unknown as Record<string, unknown>), ...partial };
    const parent = s._zod.parent;
    const here = tagFields(zodGlobalMeta(s));
    const above = parent === undefined ? {} : tagFields(zodGlobalMeta(parent));
    // zod's registry merges a clone's metadata with its parent's: what differs from the parent was declared here.
    const declared = Object.keys(here).filter((k) => here[k] !== above[k]);
    if (declared.includes('sensitivity')) return { ...here, ...partial };
    refine(Object.fromEntries(declared.map((k) => [k, here[k]])));
    const copied = (s._zod.def as unknown as Record<symbol, unknown>)[DEF_KEY];
    if (copied !== undefined && parent === undefined) return { ...tagFields(copied as Record<string, unknown>), ...partial };
  }
  return Object.keys(partial).length > 0 ? partial : undefined;
}
