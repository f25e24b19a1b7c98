// How the walk sees a value: as JSON.stringify would (toJSON, boxed primitives), and, for logs, exotic values as a log line can show them.
import { parserError } from '../errors.js';
import { httpRecord } from './http-view.js';

export function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  // An own "__proto__" key is copied as data; assigning it would replace the object's prototype.
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** The value a walk works on after `view`: set by `view` (walks are synchronous, so one slot serves). */
let viewed: unknown;

/** What the last call to {@link view} saw. */
export function lastViewed(): unknown {
  return viewed;
}

/**
 * Looks at a value the way `JSON.stringify` would — `toJSON()` called with its key, boxed
 * primitives unboxed — and says whether it is a container to walk. Dates and binary data are
 * leaves; so are Maps, Sets and other opaque objects, except in the lenient (log) walk, where
 * they become what a log line can show (Node HTTP messages and the framework objects wrapping
 * them: method, status and headers, never the URL).
 */
export function view(lenient: boolean, value: object, key: string): boolean {
  if (Array.isArray(value)) {
    viewed = value;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    viewed = value;
    return true;
  }
  if (value instanceof Date) {
    viewed = lenient ? (Number.isNaN(value.getTime()) ? null : value.toISOString()) : value;
    return false;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    viewed = lenient ? `[Binary: ${(value as ArrayBufferLike).byteLength} bytes]` : value;
    return false;
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean) {
    viewed = value.valueOf();
    return false;
  }
  if (lenient) {
    // Before toJSON: Koa's context and request answer toJSON with the URL the sender chose.
    const http = httpRecord(value);
    if (http !== undefined) {
      viewed = http;
      return true;
    }
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    let json: unknown = toJSON.call(value, key);
    if (json instanceof String || json instanceof Number || json instanceof Boolean) json = json.valueOf();
    viewed = json;
    return json !== null && typeof json === 'object' && (Array.isArray(json) || isPlain(json));
  }
  if (lenient) {
    if (value instanceof Error) {
      viewed = errorRecord(value);
      return true;
    }
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) setKey(out, String(k), v);
      viewed = out;
      return true;
    }
    if (value instanceof Set) {
      viewed = [...value];
      return true;
    }
  }
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet || value instanceof RegExp || value instanceof Promise) {
    viewed = lenient ? {} : value;
    return lenient;
  }
  viewed = value;
  return true;
}

function isPlain(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || !(v instanceof Date || ArrayBuffer.isView(v));
}

/** An error as a log line shows it: name, message, stack, its own fields, cause and aggregated errors. */
function errorRecord(e: Error): Record<string, unknown> {
  // A body parser's error quotes the body in its message and keeps it in `body`: it is logged as what it means.
  const known = parserError(e);
  if (known !== undefined) return { type: e.name, code: known.code, message: known.message, status: known.status };
  const out: Record<string, unknown> = { type: e.name, message: e.message, stack: e.stack };
  for (const k of Object.keys(e)) if (k !== 'message' && k !== 'stack') setKey(out, k, (e as unknown as Record<string, unknown>)[k]);
  if (e.cause !== undefined && !('cause' in out)) out['cause'] = e.cause;
  if (e instanceof AggregateError && !('errors' in out)) out['errors'] = e.errors;
  return out;
}

