// Field paths in pino's `redact` syntax (`customer.email`, `items[*].note`, `a["x-y"]`): parsing and printing.
import { FieldguardError } from '../errors.js';

/** One step of a path: a key (or array index), any single key (`*`), or any number of keys (`**`). */
export type Segment = { readonly key: string } | { readonly any: true } | { readonly deep: true };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const IDENT = /^[A-Za-z_$][\w$]*$/;

function fail(path: string, why: string): never {
  throw new FieldguardError('ERR_INVALID_PATH', `invalid path ${JSON.stringify(path)}: ${why}`, {
    issues: [{ path: [], message: why }],
  });
}

/**
 * Parses a path in pino's `redact` syntax. `__proto__`, `constructor` and `prototype` are refused as
 * segments: paths are code, and such a segment could reach a prototype.
 */
export function parsePath(path: string): Segment[] {
  if (typeof path !== 'string' || path.length === 0) fail(String(path), 'a path is a non-empty string');
  const out: Segment[] = [];
  let i = 0;
  const push = (seg: Segment): void => {
    if ('key' in seg && FORBIDDEN.has(seg.key)) fail(path, `the segment ${seg.key} is not allowed`);
    out.push(seg);
  };
  while (i < path.length) {
    const c = path[i]!;
    if (c === '[') {
      const close = path.indexOf(']', i);
      const q = path[i + 1];
      if (q === '"' || q === "'") {
        let j = i + 2;
        let key = '';
        while (j < path.length && path[j] !== q) {
          if (path[j] === '\\' && j + 1 < path.length) j++;
          key += path[j];
          j++;
        }
        if (path[j] !== q || path[j + 1] !== ']') fail(path, `unterminated quoted segment at ${i}`);
        push({ key });
        i = j + 2;
      } else {
        if (close < 0) fail(path, `missing ] after position ${i}`);
        const inner = path.slice(i + 1, close);
        if (inner === '*') push({ any: true });
        else if (/^\d+$/.test(inner)) push({ key: String(Number(inner)) });
        else fail(path, `[${inner}] is neither an index, * nor a quoted key`);
        i = close + 1;
      }
    } else {
      if (c === '.') {
        if (out.length === 0) fail(path, 'a path cannot start with a dot');
        i++;
      } else if (out.length > 0) {
        fail(path, `expected . or [ at position ${i}`);
      }
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      const word = path.slice(i, j);
      if (word.length === 0) fail(path, `empty segment at position ${i}`);
      if (word === '*') push({ any: true });
      else if (word === '**') push({ deep: true });
      else if (/["'\]]/.test(word)) fail(path, `unexpected quote or ] in ${JSON.stringify(word)}; quote such keys as ["…"]`);
      else push({ key: word });
      i = j;
    }
  }
  return out;
}

/** Appends one key to a printed path the way pino writes it: `.name`, `["x-y"]`. */
export function appendKey(prefix: string, key: string): string {
  if (IDENT.test(key)) return prefix === '' ? key : `${prefix}.${key}`;
  return `${prefix}[${JSON.stringify(key)}]`;
}

/** Appends an array index (`[3]`) or an array wildcard (`[*]`). */
export function appendIndex(prefix: string, index: number | '*'): string {
  return `${prefix}[${index}]`;
}
