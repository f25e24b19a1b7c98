// The path grammar against fast-redact's and @pinojs/redact's own lists of valid and invalid paths, run live.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parsePath, type Segment } from '../../src/schema/path.js';

const require = createRequire(import.meta.url);
const fastRedact = require('fast-redact') as (o: { paths: unknown[] }) => unknown;
const pinoRedact = require('@pinojs/redact') as (o: { paths: unknown[] }) => unknown;

type Verdict = 'ok' | 'no';
const accepts = (make: () => unknown): Verdict => {
  try {
    make();
    return 'ok';
  } catch {
    return 'no';
  }
};

const k = (key: string): Segment => ({ key });
const ANY: Segment = { any: true };
const DEEP: Segment = { deep: true };
const keys = (...names: string[]): Segment[] => names.map(k);
const NO = 'refused' as const;

/**
 * One path and what each engine makes of it. `suite` is the verdict of the test suite that lists the
 * path (fast-redact's test/index.js, @pinojs/redact's test/*.test.js, or `fieldguard` for cases of our
 * own); `fr` and `pr` are what fast-redact 3.5.0 and @pinojs/redact 0.4.0 actually do, checked live.
 * `why` is required exactly where fieldguard's verdict differs from the suite's.
 */
interface Case {
  readonly path: string;
  readonly suite: 'fast-redact' | '@pinojs/redact' | 'both' | 'fieldguard';
  readonly valid: boolean;
  readonly fr: Verdict;
  readonly pr: Verdict;
  readonly fieldguard: readonly Segment[] | typeof NO;
  readonly why?: string;
}

const PROTO = 'prototype segments are refused in any spelling: both engines write into Object.prototype through them';
const DEEP_WHY = "fieldguard's own `**` (any number of keys): fast-redact refuses it, @pinojs/redact reads a key named \"**\"";
const CODE_WHY = 'fast-redact refuses `;` and `/*` anywhere, even inside quotes, because it compiles paths to code';

// prettier-ignore
const CASES: readonly Case[] = [
  // fast-redact: "throws when passed illegal paths". @pinojs/redact (and so pino 10) accepts most of
  // them as literal keys, which is exactly the fail-open this table guards against.
  { path: '@', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '0', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '〇', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: keys('〇'),
    why: 'U+3007 is an identifier in JavaScript; fast-redact refuses it only because it uses the character as a marker in its generated code (@pinojs/redact and pino 10 accept it)' },
  { path: 'a.1.c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a..c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: '1..c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'a = b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a(b)', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '//a.b.c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '\\a.b.c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a.#.c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '~~a.b.c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '^a.b.c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a + b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'return a + b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a / b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a * b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a - b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a ** b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a % b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a.b*.c', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a;global.foo = "bar"', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a;while(1){}', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a//', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a/*foo*/', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a,o.b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'a = o.b', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a\n', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a\r', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '', suite: 'both', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: '[""""]', suite: 'fast-redact', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },

  // @pinojs/redact: "path validation - … should throw".
  { path: 'invalid..path', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'a..b..c', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'invalid[unclosed', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'invalid]unopened', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'nested[a[b]', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'req,headers.cookie', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'user,profile,name', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'a,b', suite: '@pinojs/redact', valid: false, fr: 'no', pr: 'no', fieldguard: NO },

  // fast-redact: every path its suite redacts with.
  { path: 'a', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a') },
  { path: 'x', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('x') },
  { path: 'test', suite: 'both', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('test') },
  { path: 'a.b.c', suite: 'both', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'b', 'c') },
  { path: 'a.b.c.d', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'b', 'c', 'd') },
  { path: 'a.z.d', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'z', 'd') },
  { path: 'a.b.z', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'b', 'z') },
  { path: 'x.y.z', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('x', 'y', 'z') },
  { path: 'x.b', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('x', 'b') },
  { path: 'foo.bar', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('foo', 'bar') },
  { path: 'cf.bar', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('cf', 'bar') },
  { path: 'bar.baz.baz', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('bar', 'baz', 'baz') },
  { path: 'deep.foo', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('deep', 'foo') },
  { path: 'deep.bar.shoe', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('deep', 'bar', 'shoe') },
  { path: 'deep.baz.shoe', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('deep', 'baz', 'shoe') },
  { path: 'deep.fum.shoe', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('deep', 'fum', 'shoe') },
  { path: 'deep.not.there.sooo', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('deep', 'not', 'there', 'sooo') },
  { path: 'insideArray.like[3].this', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('insideArray', 'like', '3', 'this') },
  { path: 'insideArray.like[3].this.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [...keys('insideArray', 'like', '3', 'this'), ANY] },
  { path: 'insideArray.like[3].*.foo', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [...keys('insideArray', 'like', '3'), ANY, k('foo')] },
  { path: 'a.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY] },
  { path: 'a.b.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), k('b'), ANY] },
  { path: 'a.b.d.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [...keys('a', 'b', 'd'), ANY] },
  { path: 'a.d.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), k('d'), ANY] },
  { path: 'a.b.z.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [...keys('a', 'b', 'z'), ANY] },
  { path: 'test.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('test'), ANY] },
  { path: 'x.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('x'), ANY] },
  { path: 'z.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('z'), ANY] },
  { path: 'cf.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('cf'), ANY] },
  { path: 'bar.baz.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('bar'), k('baz'), ANY] },
  { path: 'deep.bar.baz.ding.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [...keys('deep', 'bar', 'baz', 'ding'), ANY] },
  { path: 'bar.*.baz.*.b', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('bar'), ANY, k('baz'), ANY, k('b')] },
  { path: 'a.*.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('c')] },
  { path: 'a.*.x.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('x'), k('c')] },
  { path: 'a.*.x.*.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('x'), ANY, k('c')] },
  { path: 'a.*.y.z', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('y'), k('z')] },
  { path: 'a.*.*.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, ANY, k('c')] },
  { path: 'a.d.*.*.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), k('d'), ANY, ANY, k('c')] },
  { path: 'x.*.baz', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('x'), ANY, k('baz')] },
  { path: 'x.*.cf.bar', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('x'), ANY, k('cf'), k('bar')] },
  { path: 'z.*.baz', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('z'), ANY, k('baz')] },
  { path: 'y.*.z', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('y'), ANY, k('z')] },
  { path: '*.b', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, k('b')] },
  { path: '*.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, k('c')] },
  { path: '*.d', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, k('d')] },
  { path: '*.test', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, k('test')] },
  { path: '*.*.x', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, k('x')] },
  { path: '*.*.d', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, k('d')] },
  { path: '*.*.*.d', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, k('d')] },
  { path: '*.*.*.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, k('c')] },
  { path: '*.*.*.*.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, ANY, k('c')] },
  { path: 'array[*]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('array'), ANY] },
  { path: 'deepArray.down.here[*]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [...keys('deepArray', 'down', 'here'), ANY] },
  { path: 'a.b[*].x', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), k('b'), ANY, k('x')] },
  { path: 'a[*].c[*].d', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('c'), ANY, k('d')] },
  { path: 'a[*].c.d[*]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('c'), k('d'), ANY] },
  { path: 'a[*].c.d[*].i', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('c'), k('d'), ANY, k('i')] },
  { path: 'a[*].x.d[*].i.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('x'), k('d'), ANY, k('i'), ANY] },
  { path: 'a[*].x.d[*].i.*.i', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), ANY, k('x'), k('d'), ANY, k('i'), ANY, k('i')] },
  { path: '[*]["y"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, k('y')] },
  { path: 'a[""]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '') },
  { path: 'a[""]["y"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '', 'y') },
  { path: 'a["x-y"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'x-y') },
  // JavaScript's escapes inside quotes, as fast-redact's suite expects (keys '"y"' and "'x'").
  { path: 'a[\'"y"\']', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '"y"') },
  { path: "a['\\'x\\'']", suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', "'x'") },
  { path: "a['@#!='].c", suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '@#!=', 'c') },
  { path: 'a["@#!="].c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '@#!=', 'c') },
  { path: 'a[`@#!=`].c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '@#!=', 'c') },
  // A quoted "*" is the key "*", as the suite's test name says; both engines in fact read it as a
  // wildcard, so fieldguard's pino printer never emits it (see path-pino.test.ts).
  { path: 'a["*"].c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '*', 'c') },
  { path: "a['b.c']", suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'b.c') },
  { path: 'a["b.c"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'b.c') },
  { path: 'a[`b.c`]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'b.c') },
  { path: 'a[-1.2]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '-1.2') },
  { path: '["b.c"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('b.c') },
  { path: '["a"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a') },
  { path: '["a"].b.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'b', 'c') },
  { path: '["a"].d.*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('a'), k('d'), ANY] },
  { path: '["a-x"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a-x') },
  { path: '["a-x"].b.c', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a-x', 'b', 'c') },
  { path: '["x"].*.baz', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('x'), ANY, k('baz')] },
  { path: '["x"].*.cf.bar', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('x'), ANY, k('cf'), k('bar')] },
  { path: '["z"].*', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('z'), ANY] },
  { path: '["x-y"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('x-y') },
  { path: '["y-x"]', suite: 'fast-redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('y-x') },

  // @pinojs/redact: every path its suite redacts with.
  { path: 'valid.path', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('valid', 'path') },
  { path: 'another.valid', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('another', 'valid') },
  { path: 'user.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('user', 'password') },
  { path: 'data[0].secret', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('data', '0', 'secret') },
  { path: 'users[0].password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('users', '0', 'password') },
  { path: 'users[1].password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('users', '1', 'password') },
  { path: 'array[0]', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('array', '0') },
  { path: '["quoted-key"].value', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('quoted-key', 'value') },
  { path: "['single-quoted'].value", suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('single-quoted', 'value') },
  { path: '["weird-key"]["another-weird"]', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('weird-key', 'another-weird') },
  { path: "[''].c", suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('', 'c') },
  { path: '[""].c', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('', 'c') },
  { path: "[''][''].secret", suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('', '', 'secret') },
  { path: 'headers["x-api-key"]', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('headers', 'x-api-key') },
  { path: 'headers.cookie', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('headers', 'cookie') },
  { path: 'headers.authorization', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('headers', 'authorization') },
  { path: 'req.authorization', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('req', 'authorization') },
  { path: 'session.token', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('session', 'token') },
  { path: 'secret', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('secret') },
  { path: 'password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('password') },
  { path: 'url', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('url') },
  { path: 'data', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('data') },
  { path: 'toRedact', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('toRedact') },
  { path: 'nested.toRedact', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('nested', 'toRedact') },
  { path: 'nullValue', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('nullValue') },
  { path: 'nested.nullValue', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('nested', 'nullValue') },
  { path: 'nested.secret', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('nested', 'secret') },
  { path: 'nonexistent.path', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('nonexistent', 'path') },
  { path: 'object.property', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('object', 'property') },
  { path: 'user.name.first.charAt', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('user', 'name', 'first', 'charAt') },
  { path: 'level1.level2.level3.secret', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('level1', 'level2', 'level3', 'secret') },
  { path: 'user.profile.credentials.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('user', 'profile', 'credentials', 'password') },
  { path: 'config.database.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('config', 'database', 'password') },
  { path: 'wildcard.*', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('wildcard'), ANY] },
  { path: 'secrets.*', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('secrets'), ANY] },
  { path: 'items.*', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('items'), ANY] },
  { path: 'users.*', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('users'), ANY] },
  { path: 'config.api.keys.*', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [...keys('config', 'api', 'keys'), ANY] },
  { path: 'items.*.secret', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('items'), ANY, k('secret')] },
  { path: 'data.*.nested', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('data'), ANY, k('nested')] },
  { path: 'users.*.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('users'), ANY, k('password')] },
  { path: 'users.*.credentials.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('users'), ANY, k('credentials'), k('password')] },
  { path: 'users.*.credentials.apiKey', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [k('users'), ANY, k('credentials'), k('apiKey')] },
  { path: '*.*.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, k('password')] },
  { path: '*.*.*.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, k('password')] },
  { path: '*.*.*.*.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, ANY, k('password')] },
  { path: '*.*.*.*.*.password', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, ANY, ANY, k('password')] },
  { path: '*.*.*.token', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, k('token')] },
  { path: '*.*.*.*.authorization', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: [ANY, ANY, ANY, ANY, k('authorization')] },
  // Its prototype-pollution suite redacts with these (and checks nothing is polluted).
  { path: '__proto__.isAdmin', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: 'constructor.prototype.isAdmin', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: 'user.settings.__proto__.isAdmin', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: '["__proto__"]["isAdmin"]', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: 'level1.level2.level3.__proto__.isAdmin', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: 'level1.level2.level3.constructor.prototype.isEvil', suite: '@pinojs/redact', valid: true, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },

  // fieldguard's own cases: what neither suite lists, with what each engine does.
  { path: '**.password', suite: 'fieldguard', valid: true, fr: 'no', pr: 'ok', fieldguard: [DEEP, k('password')], why: DEEP_WHY },
  { path: 'a.**.b', suite: 'fieldguard', valid: true, fr: 'no', pr: 'ok', fieldguard: [k('a'), DEEP, k('b')], why: DEEP_WHY },
  { path: '**', suite: 'fieldguard', valid: true, fr: 'no', pr: 'ok', fieldguard: [DEEP], why: DEEP_WHY },
  { path: 'a**', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a.***', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '*b', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a[**]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '日本.名前', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('日本', '名前') },
  { path: '$._a1.ünï', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('$', '_a1', 'ünï') },
  { path: '𝑥.y', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('𝑥', 'y') },
  { path: 'a.return.class', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'return', 'class') },
  { path: 'x-y', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'headers.x-api-key', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'with space', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a.', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: '.a', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a.[0]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a["b"]c', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a[x]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a[', suite: 'fieldguard', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'a"b', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a["x]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'no', fieldguard: NO },
  { path: 'a[`${x}`]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a["x\ny"]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  // JavaScript reads these numbers as other keys ("7", "1000", "1") or not at all; fast-redact
  // accepts them, and reads them one way in plain paths and another under a wildcard.
  { path: 'a[007]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a[1e3]', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: 'JavaScript reads the key "1000", @pinojs/redact the key "1e3": refused as ambiguous; write a["1e3"] or a[1000]' },
  { path: 'a[1.0]', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: 'JavaScript reads the key "1", @pinojs/redact "1.0": refused as ambiguous' },
  { path: 'a[ 0 ]', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: '@pinojs/redact reads the key " 0 ": refused as ambiguous' },
  { path: 'a . b', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: 'JavaScript reads a.b, @pinojs/redact the keys "a " and " b": refused as ambiguous' },
  { path: 'items[99999999999999999999]', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: 'beyond 2^53 JavaScript reads another key than the digits: refused as ambiguous' },
  // Inside quotes, `;`, `/*`, `,`, `..` and brackets are characters of a key.
  { path: 'a["x;y"]', suite: 'fieldguard', valid: true, fr: 'no', pr: 'ok', fieldguard: keys('a', 'x;y'), why: CODE_WHY },
  { path: 'a["/*x*/"]', suite: 'fieldguard', valid: true, fr: 'no', pr: 'ok', fieldguard: keys('a', '/*x*/'), why: CODE_WHY },
  { path: 'a["x,y"]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'no', fieldguard: keys('a', 'x,y') },
  { path: 'a["x..y"]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'no', fieldguard: keys('a', 'x..y') },
  { path: 'a["x]y"]', suite: 'fieldguard', valid: true, fr: 'no', pr: 'ok', fieldguard: keys('a', 'x]y'),
    why: 'fast-redact ends a bracket at its first ], quoted or not, so it cannot name such a key' },
  { path: 'a["x[y"]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'x[y') },
  // JavaScript's escapes, read as JavaScript reads them (JSON.stringify's output among them, which is
  // how appendKey prints keys in reports). @pinojs/redact reads no escapes at all.
  { path: 'a["x\\"y"]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'no', fieldguard: keys('a', 'x"y') },
  { path: 'a["x\\\\y"]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'x\\y') },
  { path: 'a["\\n\\r\\t\\b\\f\\v\\0"]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', '\n\r\t\b\f\v\0') },
  { path: 'a["\\x41\\u0042\\u{1F600}\\ud800"]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'AB\u{1F600}\ud800') },
  { path: 'a[`x\\`y`]', suite: 'fieldguard', valid: true, fr: 'ok', pr: 'ok', fieldguard: keys('a', 'x`y') },
  { path: 'a["\\q"]', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: 'JavaScript reads "q", @pinojs/redact "\\q": an identity escape is refused as ambiguous' },
  { path: 'a["\\1"]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a["\\u12"]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  { path: 'a["\\u{110000}"]', suite: 'fieldguard', valid: false, fr: 'no', pr: 'ok', fieldguard: NO },
  // Prototype segments in every spelling.
  { path: "a['constructor']", suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: 'a[`prototype`]', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: '["\\u005f_proto__"].x', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: PROTO },
  { path: 'a.\\u0062', suite: 'fieldguard', valid: false, fr: 'ok', pr: 'ok', fieldguard: NO, why: 'escapes in identifiers are refused: write the key itself or quote it' },
];

describe('the path grammar, case by case against fast-redact and @pinojs/redact', () => {
  it.each(CASES.map((c) => [JSON.stringify(c.path), c] as const))('%s', (_, c) => {
    // The table's claims about the engines hold for the installed packages.
    expect({ fr: accepts(() => fastRedact({ paths: [c.path] })), pr: accepts(() => pinoRedact({ paths: [c.path] })) }).toEqual({ fr: c.fr, pr: c.pr });
    if (c.suite === 'fast-redact' || c.suite === 'both') expect(c.fr).toBe(c.valid ? 'ok' : 'no');
    if (c.suite === '@pinojs/redact' || c.suite === 'both') expect(c.pr).toBe(c.valid ? 'ok' : 'no');
    if (c.fieldguard === NO) {
      expect(() => parsePath(c.path)).toThrow(expect.objectContaining({ name: 'FieldguardError', code: 'ERR_INVALID_PATH' }));
    } else {
      expect(parsePath(c.path)).toEqual(c.fieldguard);
    }
    // Every difference is explained, and every explanation is still needed: from the listing suite's
    // verdict, or for fieldguard's own cases from fast-redact's (whose JavaScript grammar we follow).
    const accepted = c.fieldguard !== NO;
    if (c.suite === 'fieldguard') expect(accepted).toBe(c.valid);
    const differs = c.suite === 'fieldguard' ? accepted !== (c.fr === 'ok') : accepted !== c.valid;
    expect(c.why !== undefined).toBe(differs);
  });

  it('lists every invalid path of both suites (31 of fast-redact, 9 of @pinojs/redact)', () => {
    expect(CASES.filter((c) => !c.valid && (c.suite === 'fast-redact' || c.suite === 'both'))).toHaveLength(31);
    expect(CASES.filter((c) => !c.valid && (c.suite === '@pinojs/redact' || c.suite === 'both'))).toHaveLength(9);
  });

  it.each([1, null, undefined, {}, [null]])('refuses the non-string %j, as both engines do', (p) => {
    expect(accepts(() => fastRedact({ paths: [p] }))).toBe('no');
    expect(accepts(() => pinoRedact({ paths: [p] }))).toBe('no');
    expect(() => parsePath(p as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PATH' }));
  });

  it('says what is wrong and where', () => {
    const message = (p: string): string => {
      try {
        parsePath(p);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(message('req,headers.cookie')).toBe(
      'invalid path "req,headers.cookie": unexpected "," at position 3; a key that is not an identifier is written in brackets and quotes, e.g. a["x-y"] or a["0"]',
    );
    expect(message('a.1.c')).toBe('invalid path "a.1.c": a key cannot start with a digit at position 2; a key that is not an identifier is written in brackets and quotes, e.g. a["x-y"] or a["0"]');
    expect(message('a\n')).toBe('invalid path "a\\n": unexpected "\\n" at position 1; a key that is not an identifier is written in brackets and quotes, e.g. a["x-y"] or a["0"]');
    expect(message('a["__proto__"]')).toBe('invalid path "a[\\"__proto__\\"]": the segment __proto__ at position 1 is not allowed');
    expect(message('a["x')).toBe('invalid path "a[\\"x": the quote " opened at position 2 is never closed');
  });
});
