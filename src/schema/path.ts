// Field paths in pino's `redact` syntax (`customer.email`, `items[*].note`, `a["x-y"]`): parsing and printing.
import { FieldguardError } from '../errors.js';

/** One step of a path: a key (or array index), any single key (`*`), or any number of keys (`**`). */
export type Segment = { readonly key: string } | { readonly any: true } | { readonly deep: true };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
// appendKey keeps its ASCII rule: report paths printed with it must not change.
const IDENT = /^[A-Za-z_$][\w$]*$/;
// What JavaScript accepts after `o.`: the grammar fast-redact checks paths against, and pino documents.
const ID_START = /^[\p{ID_Start}$_]$/u;
const ID_PART = /^[\p{ID_Continue}$\u200C\u200D]$/u;
const UNICODE_IDENT = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;
// A number in brackets is accepted only where every engine reads the same key from it: its text
// is the key JavaScript would use (`a[3]`, `a[-1.2]`), not `a[007]`, `a[1e3]` or `a[1.0]`.
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const INDEX = /^(?:0|[1-9]\d*)$/;
const HINT = 'a key that is not an identifier is written in brackets and quotes, e.g. a["x-y"] or a["0"]';
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  '"': '"',
  "'": "'",
  '`': '`',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function fail(path: string, why: string): never {
  throw new FieldguardError('ERR_INVALID_PATH', `invalid path ${JSON.stringify(path)}: ${why}`, {
    issues: [{ path: [], message: why }],
  });
}

function isCanonicalNumber(text: string): boolean {
  return NUMBER.test(text) && String(Number(text)) === text;
}

/** Reads a quoted key starting at the quote at `start`; returns the key and the index after the closing quote. */
function readQuoted(path: string, start: number): { key: string; end: number } {
  const q = path[start]!;
  let key = '';
  let i = start + 1;
  for (;;) {
    if (i >= path.length) fail(path, `the quote ${q} opened at position ${start} is never closed`);
    const c = path[i]!;
    if (c === q) return { key, end: i + 1 };
    if (c === '\n' || c === '\r') fail(path, `a line break at position ${i}; write it as \\n or \\r`);
    // In JavaScript `${` opens an interpolation inside backticks: never a literal key there.
    if (q === '`' && c === '$' && path[i + 1] === '{') fail(path, `\${ at position ${i} inside backticks; use double quotes for such a key`);
    if (c !== '\\') {
      key += c;
      i++;
      continue;
    }
    const e = path[i + 1];
    if (e === undefined) fail(path, `the escape at position ${i} ends the path`);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      key += simple;
      i += 2;
    } else if (e === '0' && !/\d/.test(path[i + 2] ?? '')) {
      key += '\0';
      i += 2;
    } else if (e === 'x' && /^[\dA-Fa-f]{2}$/.test(path.slice(i + 2, i + 4))) {
      key += String.fromCharCode(parseInt(path.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'u' && /^[\dA-Fa-f]{4}$/.test(path.slice(i + 2, i + 6))) {
      key += String.fromCharCode(parseInt(path.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e === 'u' && path[i + 2] === '{') {
      const close = path.indexOf('}', i + 3);
      const hex = close < 0 ? '' : path.slice(i + 3, close);
      const cp = /^[\dA-Fa-f]{1,6}$/.test(hex) ? parseInt(hex, 16) : -1;
      if (cp < 0 || cp > 0x10ffff) fail(path, `the escape \\u{…} at position ${i} is not a code point`);
      key += String.fromCodePoint(cp);
      i = close + 1;
    } else {
      // JavaScript reads `\a` as `a`, @pinojs/redact as a backslash and `a`: refuse what engines disagree on.
      fail(path, `unsupported escape \\${e} at position ${i}; only \\\\ \\" \\' \\\` \\b \\f \\n \\r \\t \\v \\0 \\xHH \\uHHHH \\u{H} are read`);
    }
  }
}

/**
 * Parses a path in pino's `redact` syntax: identifiers after dots (`a.b`, `日本.x`), brackets holding
 * `*`, a number or a key in `"`, `'` or `` ` `` quotes with JavaScript's escapes (`a["x-y"]`, `a[0]`,
 * ``a[`b.c`]``), `*` for any one key, and fieldguard's `**` for any number of keys. A path pino's
 * grammar refuses (`req,headers.cookie`, `a = b`, `0`, `a.1.c`, `a\n`) is refused rather than read as
 * a key: such a typo would otherwise leave the intended field in clear. `__proto__`, `constructor` and
 * `prototype` are refused as segments in any spelling: paths are code, and such a segment could reach
 * a prototype.
 *
 * @throws FieldguardError `ERR_INVALID_PATH`, saying what is wrong and at which position.
 * @example
 * ```ts
 * parsePath('items[*]["unit-price"]'); // [{ key: 'items' }, { any: true }, { key: 'unit-price' }]
 * parsePath('req,headers.cookie');     // throws ERR_INVALID_PATH
 * ```
 */
export function parsePath(path: string): Segment[] {
  if (typeof path !== 'string' || path.length === 0) fail(String(path), 'a path is a non-empty string');
  const out: Segment[] = [];
  const push = (seg: Segment, at: number): void => {
    if ('key' in seg && FORBIDDEN.has(seg.key)) fail(path, `the segment ${seg.key} at position ${at} is not allowed`);
    out.push(seg);
  };
  let i = 0;
  while (i < path.length) {
    const c = path[i]!;
    if (c === '[') {
      const q = path[i + 1];
      if (q === '"' || q === "'" || q === '`') {
        const { key, end } = readQuoted(path, i + 1);
        if (path[end] !== ']') fail(path, `expected ] after the quoted key at position ${end}`);
        push({ key }, i);
        i = end + 1;
        continue;
      }
      const close = path.indexOf(']', i);
      if (close < 0) fail(path, `the [ at position ${i} is never closed`);
      const inner = path.slice(i + 1, close);
      if (inner === '*') push({ any: true }, i);
      else if (isCanonicalNumber(inner)) push({ key: inner }, i);
      else fail(path, `[${inner}] at position ${i} is neither *, a number written as JavaScript prints it, nor a quoted key; ${HINT}`);
      i = close + 1;
      continue;
    }
    if (c === '.') {
      if (out.length === 0) fail(path, 'a path cannot start with a dot');
      i++;
      if (i >= path.length) fail(path, 'a path cannot end with a dot');
      if (path[i] === '.' || path[i] === '[') fail(path, `expected a key after the dot at position ${i - 1}`);
    } else if (out.length > 0) {
      fail(path, `unexpected ${JSON.stringify(c)} at position ${i}; segments are joined with . or [ ]. ${HINT}`);
    }
    const start = i;
    if (path[i] === '*') {
      const deep = path[i + 1] === '*';
      i += deep ? 2 : 1;
      if (i < path.length && path[i] !== '.' && path[i] !== '[') {
        fail(path, `unexpected ${JSON.stringify(path[i])} at position ${i}; * and ** stand for whole segments`);
      }
      push(deep ? { deep: true } : { any: true }, start);
      continue;
    }
    // An identifier, read by code point so that keys outside the BMP are whole.
    while (i < path.length && path[i] !== '.' && path[i] !== '[') {
      const ch = String.fromCodePoint(path.codePointAt(i)!);
      if (!(i === start ? ID_START : ID_PART).test(ch)) {
        const what = /\d/.test(ch) && i === start ? 'a key cannot start with a digit' : `unexpected ${JSON.stringify(ch)}`;
        fail(path, `${what} at position ${i}; ${HINT}`);
      }
      i += ch.length;
    }
    push({ key: path.slice(start, i) }, start);
  }
  return out;
}

/** Options of {@link formatPath}. */
export interface FormatPathOptions {
  /**
   * `'fieldguard'` (default) prints any segment list, keys as {@link appendKey} does and `**` as it
   * is. `'pino'` prints the form pino 10's own `redact` reads as the same field, or
   * `undefined` where pino cannot express the path: a `**` segment, a key `*` (pino reads it as a
   * wildcard), a key holding `[`, `]`, `\`, a line break, `,`, `..` or both kinds of quote, a first
   * key holding U+2028 or U+2029, a prototype segment, or the empty path.
   */
  readonly style?: 'fieldguard' | 'pino';
}

function pinoKey(prefix: string, key: string): string | undefined {
  if (FORBIDDEN.has(key) || key === '*') return undefined;
  if (UNICODE_IDENT.test(key)) return prefix === '' ? key : `${prefix}.${key}`;
  if (INDEX.test(key) && isCanonicalNumber(key)) return `${prefix}[${key}]`;
  // pino's tokenizer ends a bracket at the first [ or ], @pinojs/redact reads no escapes, and refuses
  // any path with `,` or `..`: such keys have no spelling both fieldguard and pino read the same way.
  if (/[[\]\\\r\n,]|\.\./.test(key)) return undefined;
  // pino unquotes a top-level key with a regular expression whose `.` stops at U+2028 and U+2029.
  if (prefix === '' && /[\u2028\u2029]/.test(key)) return undefined;
  if (!key.includes('"')) return `${prefix}["${key}"]`;
  if (!key.includes("'")) return `${prefix}['${key}']`;
  return undefined;
}

/**
 * Prints segments as a path. Every list {@link parsePath} returns prints to a path that parses back
 * to the same list, in either style.
 *
 * @param options.style `'fieldguard'` (default) or `'pino'`, see {@link FormatPathOptions}.
 * @example
 * ```ts
 * formatPath(parsePath('**.a["x-y"][0]'));                         // '**.a["x-y"]["0"]'
 * formatPath(parsePath('a["x-y"][0]'), { style: 'pino' });           // 'a["x-y"][0]'
 * formatPath([{ key: 'a"b' }, { any: true }], { style: 'pino' });    // `['a"b'].*`
 * formatPath([{ deep: true }, { key: 'ssn' }], { style: 'pino' });   // undefined
 * ```
 */
export function formatPath(segments: readonly Segment[], options?: { readonly style?: 'fieldguard' }): string;
export function formatPath(segments: readonly Segment[], options: { readonly style: 'pino' }): string | undefined;
export function formatPath(segments: readonly Segment[], options?: FormatPathOptions): string | undefined;
export function formatPath(segments: readonly Segment[], options: FormatPathOptions = {}): string | undefined {
  const pino = options.style === 'pino';
  if (pino && segments.length === 0) return undefined;
  let out = '';
  for (const seg of segments) {
    if ('key' in seg) {
      const next = pino ? pinoKey(out, seg.key) : appendKey(out, seg.key);
      if (next === undefined) return undefined;
      out = next;
    } else if ('any' in seg) {
      out = out === '' ? '*' : `${out}.*`;
    } else {
      if (pino) return undefined;
      out = out === '' ? '**' : `${out}.**`;
    }
  }
  return out;
}

/**
 * Appends one key to a printed path the way pino writes it: `.name`, `["x-y"]`.
 *
 * @example
 * ```ts
 * appendKey(appendKey('', 'order'), 'x-id'); // 'order["x-id"]'
 * ```
 */
export function appendKey(prefix: string, key: string): string {
  if (IDENT.test(key)) return prefix === '' ? key : `${prefix}.${key}`;
  return `${prefix}[${JSON.stringify(key)}]`;
}

/**
 * Appends an array index (`[3]`) or an array wildcard (`[*]`).
 *
 * @example
 * ```ts
 * appendIndex('items', '*'); // 'items[*]'
 * ```
 */
export function appendIndex(prefix: string, index: number | '*'): string {
  return `${prefix}[${index}]`;
}
