// The shape of a vendor's answer: its paths and JSON types, with any key that may be data written as `*`.

import { nameable } from './names.js';

/** Objects wider than this are maps, not records: their keys are data. */
const MAX_KEYS = 64;
const MAX_PATHS = 500;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * The shape of a JSON value as `path:type` entries (`customer.email:string`, `items[*].qty:number`),
 * at most 500, at most 16 deep. Keys that do not look like field names, and every key of an object
 * with more than 64 of them, are written as `*`: a key that is data is named only when it looks like
 * a field name (`JaneDoe` would be), a limit docs/monitor.md states.
 */
export function shapeOf(value: unknown): string[] {
  const out = new Set<string>();
  const visit = (v: unknown, path: string, depth: number): void => {
    if (out.size >= MAX_PATHS || depth > 16) return;
    const t = typeOf(v);
    if (path !== '') out.add(`${path}:${t}`);
    if (t === 'array') {
      for (const item of (v as unknown[]).slice(0, 20)) visit(item, `${path}[*]`, depth + 1);
    } else if (t === 'object') {
      const keys = Object.keys(v as object);
      const named = keys.length <= MAX_KEYS;
      for (const k of keys) {
        const seg = named && nameable(k) ? k : '*';
        visit((v as Record<string, unknown>)[k], path === '' ? seg : `${path}.${seg}`, depth + 1);
      }
    }
  };
  visit(value, '', 0);
  return [...out];
}
