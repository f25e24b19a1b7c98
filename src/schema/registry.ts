// fieldguard's own zod registry and `tag()`, the typed way to mark a zod field's sensitivity.
import type { $ZodType, $ZodRegistry } from 'zod/v4/core';
import { zodCore } from '../zod.js';
import { FieldguardError } from '../errors.js';
import { checkTag, type FieldTag, type Sensitivity, type TagExtra } from './tags.js';

const REGISTRY_KEY = Symbol.for('fieldguard.registry');

type Holder = { [REGISTRY_KEY]?: $ZodRegistry<FieldTag> };

/**
 * The zod registry in which {@link tag} records field tags.
 *
 * It lives on `globalThis` under `Symbol.for('fieldguard.registry')`, so the ESM and CJS builds
 * (and two copies of fieldguard in one process) share it, the way zod keeps its global registry.
 */
export const registry: $ZodRegistry<FieldTag> = ((globalThis as Holder)[REGISTRY_KEY] ??= zodCore.registry<FieldTag>());

/**
 * Tags a zod schema with a sensitivity (and optionally a kind, purpose, retention, lawful basis).
 *
 * Returns the same schema instance, so its static type flows through unchanged. Tagging a
 * wrapper (`z.string().optional()`) and tagging the inner schema both work.
 *
 * @throws FieldguardError `ERR_INVALID_SCHEMA` for an unknown sensitivity or kind.
 * @example
 * ```ts
 * const Order = z.object({
 *   id: tag(z.string(), 'public'),
 *   email: tag(z.email(), 'personal', { kind: 'email' }),
 * });
 * ```
 */
export function tag<T extends $ZodType>(schema: T, sensitivity: Sensitivity, extra: TagExtra = {}): T {
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
  if (registry.has(schema)) registry.remove(schema);
  registry.add(schema, checked);
  return schema;
}

/** The tag-like metadata a zod schema carries in fieldguard's registry or, via `.meta()`, in zod's global one. */
export function zodTagMeta(schema: $ZodType): Record<string, unknown> | undefined {
  const own = registry.get(schema);
  if (own !== undefined) return own as unknown as Record<string, unknown>;
  const meta = zodCore.globalRegistry.get(schema) as Record<string, unknown> | undefined;
  if (meta === undefined || (meta['sensitivity'] === undefined && meta['x-sensitivity'] === undefined)) return undefined;
  return meta;
}
