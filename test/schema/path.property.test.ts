// Properties of path printing: printed paths parse back, and fieldguard, fast-redact, @pinojs/redact and pino select the same fields.
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PathMatcher } from '../../src/plan/select.js';
import { formatPath, parsePath, type Segment } from '../../src/schema/path.js';

const require = createRequire(import.meta.url);
type Redact = (o: { paths: string[]; censor: string; serialize: false }) => (value: unknown) => unknown;
const fastRedact = require('fast-redact') as Redact;
const pinoRedact = require('@pinojs/redact') as Redact;

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const CENSOR = 'X';

/** Any key at all: quotes, backslashes, escapes' letters, line breaks, lone surrogates, astral characters. */
const anyKey = fc
  .oneof(
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
    fc.string({ unit: fc.constantFrom('a', '0', '"', "'", '`', '\\', '[', ']', '.', '*', ',', '$', '{', '\n', '\u2028', '\ud800', '日', ' '), maxLength: 5 }),
    fc.constantFrom('0', '12', '007', '-1.2', '1e3', '*', '**', '', 'x-y', '日本', 'a.b', '〇'),
  )
  .filter((k) => !FORBIDDEN.has(k));

const segmentsOf = (key: fc.Arbitrary<string>, deep: boolean): fc.Arbitrary<Segment[]> =>
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: key.map((k): Segment => ({ key: k })) },
      { weight: 1, arbitrary: fc.constant<Segment>({ any: true }) },
      ...(deep ? [{ weight: 1, arbitrary: fc.constant<Segment>({ deep: true }) }] : []),
    ),
    { minLength: 1, maxLength: 5 },
  );

describe('formatPath and parsePath', () => {
  it('print any segment list to a path that parses back to it, in both styles', () => {
    fc.assert(
      fc.property(segmentsOf(anyKey, true), (segments) => {
        expect(parsePath(formatPath(segments))).toEqual(segments);
        const pinoPath = formatPath(segments, { style: 'pino' });
        if (pinoPath !== undefined) expect(parsePath(pinoPath)).toEqual(segments);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse a random string with ERR_INVALID_PATH or read segments that print back to an equivalent path', () => {
    const chars = fc.constantFrom('a', 'b', '0', '1', '.', '[', ']', '*', '"', "'", '`', '\\', 'n', 'u', '{', '}', ',', ' ', '-', '$', '日', '\n');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 12 }), (path) => {
        let segments: Segment[];
        try {
          segments = parsePath(path);
        } catch (e) {
          expect(e).toMatchObject({ name: 'FieldguardError', code: 'ERR_INVALID_PATH' });
          return;
        }
        expect(parsePath(formatPath(segments))).toEqual(segments);
      }),
      { numRuns: 5000 },
    );
  });
});

/** What fieldguard's own matcher selects: every position where the path ends is censored whole. */
function byFieldguard(path: string, value: unknown): unknown {
  const m = new PathMatcher(false);
  m.add(path, 0);
  const walk = (v: unknown, state: ReturnType<PathMatcher['start']>): unknown => {
    if (m.ends(state).length > 0) return CENSOR;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, m.step(state, String(i))));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, m.step(state, k))]));
    return v;
  };
  return walk(value, m.start());
}

const byEngine = (engine: Redact) => (path: string, value: unknown): unknown =>
  JSON.parse(JSON.stringify(engine({ paths: [path], censor: CENSOR, serialize: false })(structuredClone(value))));

function byPino(path: string, value: Record<string, unknown>): unknown {
  let line = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      line += chunk.toString();
      cb();
    },
  });
  pino({ redact: { paths: [path], censor: CENSOR }, base: null, timestamp: false }, stream).info(structuredClone(value));
  const { level: _level, ...rest } = JSON.parse(line) as Record<string, unknown>;
  return rest;
}

/**
 * A payload holding the path's positions (a wildcard as an object of one to three keys, or an array)
 * among decoy keys that share a prefix with the path's keys, so both hits and near misses are seen.
 */
function payloadArb(segments: readonly Segment[], key: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  const build = (i: number): fc.Arbitrary<unknown> => {
    if (i === segments.length) return fc.constantFrom('v1', 'v2');
    const seg = segments[i]!;
    const below = build(i + 1);
    const decoys = fc.dictionary(key, fc.oneof(fc.constant('d'), build(Math.min(i + 1, segments.length))), { maxKeys: 2 });
    if ('key' in seg) return fc.tuple(decoys, below).map(([d, b]) => ({ ...d, [seg.key]: b }));
    return fc.oneof(fc.array(below, { minLength: 1, maxLength: 3 }), fc.dictionary(key, below, { minKeys: 1, maxKeys: 3 }));
  };
  // pino logs an object; so the root is one even where the path starts with a wildcard.
  return build(0).map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v } : { root: v }));
}

/**
 * Keys every engine reads the same way once printed: none holds a quote (fast-redact removes quote
 * characters from keys under a wildcard), `;` or `/*` (fast-redact refuses them anywhere), or 〇
 * (fast-redact's own marker); pino's printer rules out the rest.
 */
const commonKey = fc.oneof(
  fc.constantFrom('a', 'b', 'email', '日本', '$x', '_', 'x-y', 'a.b', 'with space', '0', '1', '12', '', '-1.2', '@#!', '**', 'a*', 'ü', 'root'),
  fc.string({ unit: fc.constantFrom('a', 'b', '0', '.', '-', ' ', '@', '日', '$'), maxLength: 4 }),
);

describe('a printed path selects the same fields in every engine', () => {
  it('fieldguard, fast-redact 3.5 (one wildcard), @pinojs/redact 0.4 and pino 10 censor the same values', () => {
    // Engines lose values under many wildcards (RELIABILITY.md §2): fast-redact already under two
    // followed by two keys (a.*.*.b.c leaves a.x.y.b.c in clear), @pinojs/redact past three. So
    // fast-redact is held to paths with one wildcard, the others to paths with up to three.
    const arb = segmentsOf(commonKey, false)
      .filter((s) => s.filter((x) => 'any' in x).length <= 3)
      .chain((segments) => fc.record({ segments: fc.constant(segments), payload: payloadArb(segments, commonKey) }));
    fc.assert(
      fc.property(arb, ({ segments, payload }) => {
        const path = formatPath(segments, { style: 'pino' });
        fc.pre(path !== undefined);
        const expected = byFieldguard(path, payload);
        if (segments.filter((x) => 'any' in x).length <= 1) expect(byEngine(fastRedact)(path, payload)).toEqual(expected);
        expect(byEngine(pinoRedact)(path, payload)).toEqual(expected);
        expect(byPino(path, payload)).toEqual(expected);
      }),
      { numRuns: 1500 },
    );
  });

  it('keys with quotes and backticks: fieldguard, @pinojs/redact and pino 10 censor the same values', () => {
    const quotedKey = fc.oneof(commonKey, fc.string({ unit: fc.constantFrom('a', '"', "'", '`', ' ', ';', '/', '*', '〇', '\u2028'), maxLength: 4 }));
    const arb = segmentsOf(quotedKey, false).chain((segments) => fc.record({ segments: fc.constant(segments), payload: payloadArb(segments, quotedKey) }));
    fc.assert(
      fc.property(arb, ({ segments, payload }) => {
        const path = formatPath(segments, { style: 'pino' });
        fc.pre(path !== undefined);
        const expected = byFieldguard(path, payload);
        expect(byEngine(pinoRedact)(path, payload)).toEqual(expected);
        expect(byPino(path, payload)).toEqual(expected);
      }),
      { numRuns: 1500 },
    );
  });
});
