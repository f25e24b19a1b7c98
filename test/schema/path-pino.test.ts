// Paths printed for pino's own redact: real pino 10 starts with them and censors exactly the fields they name.
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import pino from 'pino';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineSchema, tag } from '../../src/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { formatPath, parsePath, type Segment } from '../../src/schema/path.js';

const require = createRequire(import.meta.url);
const pinoRedact = require('@pinojs/redact') as (o: { paths: string[]; serialize: false; censor: string }) => (o: object) => object;

function sink(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const text = (): string => chunks.join('');
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    text,
    lines: () => text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const email = () => tag(z.string(), 'personal', { kind: 'email' });
// Each key once at the root (pino censors top-level keys itself) and once nested (through @pinojs/redact).
const KEYS = ['a"b', "a'b", 'x-y', '0', 'a.b', '日本', 'a`b', 'a\\b', 'a]b', 'a,b', '*', 'plain'] as const;
const shape = Object.fromEntries(KEYS.map((key) => [key, email()]));
const schema = defineSchema(z.object({ ...shape, nest: z.object(shape), list: z.array(z.object({ 'x-y': email() })) }));
const value = (i: number): string => `person${i}@example.com`;
const payload = () => {
  const flat = Object.fromEntries(KEYS.map((key, i) => [key, value(i)]));
  const nest = Object.fromEntries(KEYS.map((key, i) => [key, value(i + 100)]));
  return { ...flat, nest, list: [{ 'x-y': value(200) }, { 'x-y': value(201) }] };
};

describe('pinoOptions(schema, { pinoRedact: true }) with real pino 10', () => {
  it('hands pino every path it can express, in a spelling it reads as the same field', () => {
    expect(pinoOptions(schema, { pinoRedact: true }).redact).toEqual({
      paths: [
        '[0]', `['a"b']`, `["a'b"]`, '["x-y"]', '["a.b"]', '日本', '["a`b"]', 'plain',
        'nest[0]', `nest['a"b']`, `nest["a'b"]`, 'nest["x-y"]', 'nest["a.b"]', 'nest.日本', 'nest["a`b"]', 'nest.plain',
        'list.*["x-y"]',
      ],
      censor: '[REDACTED]',
    });
  });

  it('starts, and censors those fields in the written line; the formatter masks the rest', () => {
    const out = sink();
    const logger = pino(pinoOptions(schema, { pinoRedact: true }), out.stream);
    logger.info(payload(), 'order');
    const text = out.text();
    for (let i = 0; i < KEYS.length; i++) {
      expect(text).not.toContain(value(i));
      expect(text).not.toContain(value(i + 100));
    }
    expect(text).not.toContain(value(200));
    const [line] = out.lines();
    // '[REDACTED]' is pino's own censor; 'p***@example.com' is the formatter's email mask, which is all
    // a key pino cannot name (a\b, a]b, a,b, *) gets.
    const byPino = { 'a"b': '[REDACTED]', "a'b": '[REDACTED]', 'x-y': '[REDACTED]', '0': '[REDACTED]', 'a.b': '[REDACTED]', 日本: '[REDACTED]', 'a`b': '[REDACTED]', plain: '[REDACTED]' };
    const byFormatter = { 'a\\b': 'p***@example.com', 'a]b': 'p***@example.com', 'a,b': 'p***@example.com', '*': 'p***@example.com' };
    expect(line).toMatchObject({ ...byPino, ...byFormatter, nest: { ...byPino, ...byFormatter }, msg: 'order' });
    // list[0] is left unpinned: the formatter reads the root key "0" at any depth, so it censors
    // every array's first item whole.
    expect((line!['list'] as unknown[])[1]).toEqual({ 'x-y': '[REDACTED]' });
  });

  it('is needed: the schema spelling of such keys makes pino throw at start-up', () => {
    expect(() => pino({ redact: ['nest["a\\"b"]'] }, sink().stream)).toThrow(/Invalid redaction path/);
    expect(() => pino({ redact: [formatPath(parsePath('nest["a\\"b"]'), { style: 'pino' })!] }, sink().stream)).not.toThrow();
  });

  it('leaves redact out when no path can be expressed', () => {
    const only = defineSchema(z.object({ 'a\\b': email() }));
    expect(pinoOptions(only, { pinoRedact: true }).redact).toBeUndefined();
    expect(pinoOptions(schema, { pinoRedact: true, paths: ['**.card'] }).redact?.paths).not.toContain('**.card');
  });
});

describe('formatPath(segments, { style: "pino" })', () => {
  const k = (key: string): Segment => ({ key });
  it.each<[Segment[], string | undefined]>([
    [[k('a'), k('b')], 'a.b'],
    [[k('日本'), k('名前')], '日本.名前'],
    [[k('a'), k('0'), k('b')], 'a[0].b'],
    [[k('a'), k('007')], 'a["007"]'],
    [[k('a'), k('-1.2')], 'a["-1.2"]'],
    [[k('a'), k('99999999999999999999')], 'a["99999999999999999999"]'],
    [[k('a'), k('')], 'a[""]'],
    [[k('a'), k('**')], 'a["**"]'],
    [[k('x-y'), { any: true }, k('with space')], '["x-y"].*["with space"]'],
    [[{ any: true }, k('a"b')], `*['a"b']`],
    [[k("it's")], `["it's"]`],
    [[k('a'), k('*')], undefined],
    [[k('a'), k(`"'`)], undefined],
    [[k('a'), k('x[y')], undefined],
    [[k('a'), k('x]y')], undefined],
    [[k('a'), k('x\\y')], undefined],
    [[k('a'), k('x\ny')], undefined],
    [[k('a'), k('x,y')], undefined],
    [[k('a'), k('x..y')], undefined],
    [[k('a'), k('x\u2028y')], 'a["x\u2028y"]'],
    [[k('x\u2028y')], undefined],
    [[k('a'), k('__proto__')], undefined],
    [[k('constructor')], undefined],
    [[{ deep: true }, k('ssn')], undefined],
    [[], undefined],
  ])('prints %j as %j', (segments, printed) => {
    expect(formatPath(segments, { style: 'pino' })).toBe(printed);
  });

  it.each(['a"b', "a'b", 'x-y', '0', '12', 'a.b', '日本', 'a`b', '`x`', "'", '"', '', '**', 'sp ace', 'a;b', '/*'])(
    'prints a key %j pino 10 starts with, at the root and nested, and @pinojs/redact censors exactly it',
    (key) => {
      for (const segments of [[{ key }], [{ key: 'p' }, { key }], [{ key: 'p' }, { any: true }, { key }]] as Segment[][]) {
        const printed = formatPath(segments, { style: 'pino' })!;
        expect(parsePath(printed)).toEqual(segments);
        const out = sink();
        pino({ redact: { paths: [printed], censor: 'X' }, base: null, timestamp: false }, out.stream).info({ [key]: 'v', p: { [key]: 'v', q: { [key]: 'v', other: 'v' }, other: 'v' }, other: 'v' });
        const line = out.lines()[0]!;
        const expected = segments.length === 1
          ? { [key]: 'X', p: { [key]: 'v', q: { [key]: 'v', other: 'v' }, other: 'v' }, other: 'v' }
          : segments.length === 2
            ? { [key]: 'v', p: { [key]: 'X', q: { [key]: 'v', other: 'v' }, other: 'v' }, other: 'v' }
            : { [key]: 'v', p: { [key]: 'v', q: { [key]: 'X', other: 'v' }, other: 'v' }, other: 'v' };
        expect(line).toEqual({ level: 30, ...expected });
        const input = { p: { q: { [key]: 'v', other: 'v' } } };
        const redacted = pinoRedact({ paths: [formatPath([{ key: 'p' }, { key: 'q' }, { key }], { style: 'pino' })!], serialize: false, censor: 'X' })(input) as typeof input;
        expect({ ...redacted.p.q }).toEqual({ [key]: 'X', other: 'v' });
      }
    },
  );
});
