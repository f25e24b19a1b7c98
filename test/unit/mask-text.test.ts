// Mask plans in the text walk: what a format is told, and the masked entries a walk writes once and reuses, byte for byte the value walk's JSON.
import { describe, expect, it } from 'vitest';
import { applyPlanText, compileMask, defineSchema, REDACTED, type MaskContext, type MaskFn } from '../../src/index.js';
import { readsContext } from '../../src/plan/compile.js';

const schema = defineSchema({
  type: 'object',
  properties: {
    id: { type: 'string', 'x-sensitivity': 'public' },
    email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' },
    people: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' },
          name: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'name' },
          n: { type: 'number', 'x-sensitivity': 'public' },
          tier: { type: 'string', 'x-sensitivity': 'public' },
        },
      },
    },
  },
});

/** The text walk's text, checked against the value walk's result serialized. */
function text(mask: ReturnType<typeof compileMask>, value: unknown): string | undefined {
  const t = applyPlanText(mask, value).text;
  expect(t).toBe(JSON.stringify(mask(value).value));
  return t;
}

describe('readsContext', () => {
  it('answers no only for arrow functions of at most one plain parameter', () => {
    const cannot: MaskFn[] = [() => 'x', (v) => String(v), (v) => `${String(v)}`, async () => 'x', async (v) => v];
    for (const fn of cannot) expect(readsContext(fn), String(fn)).toBe(false);
    // Written out as source text would have them: what the test sees is what the engine's toString gives.
    const v1 = (v: unknown): unknown => v;
    expect(readsContext(v1)).toBe(false);
  });

  it('answers yes for every function that could read its second argument', () => {
    const can: MaskFn[] = [
      (_v, c) => c.path,
      (...a: unknown[]) => String((a[1] as MaskContext).path),
      (v, c = { path: '', kind: undefined }) => `${String(v)}${c.path}`,
      (_v, { path }) => path,
      function (this: unknown, v: unknown) {
        return `${String(v)}${(arguments[1] as MaskContext).path}`;
      },
      { m: (v: unknown, c: MaskContext) => `${String(v)}${c.path}` }.m,
      { m(v: unknown) { return v; } }.m,
      ((_v: unknown, c: MaskContext) => c.path).bind(null),
      new Proxy(() => 'x', {}),
      ((v: unknown) => v).bind(null),
    ];
    for (const fn of can) expect(readsContext(fn), String(fn)).toBe(true);
  });

  it('is not fooled by a function that says what its source is', () => {
    const liar = (_v: unknown, c: MaskContext): string => c.path;
    liar.toString = () => '() => 1';
    expect(readsContext(liar)).toBe(true);
  });
});

/** The payload's people forty times over: past the values a walk reads before it keeps masked entries. */
function big<T extends { people: readonly object[] }>(p: T): T {
  return { ...p, people: Array.from({ length: 40 }, () => p.people.map((x) => ({ ...x }))).flat() };
}

/** The text of {@link big}'s payload, from the small payload's: its list of people written forty times. */
function bigText(t: string | undefined): string {
  const at = t!.indexOf('"people":[') + '"people":['.length;
  const end = t!.lastIndexOf(']}');
  return t!.slice(0, at) + Array.from({ length: 40 }, () => t!.slice(at, end)).join(',') + t!.slice(end);
}

describe('mask formats in the text walk', () => {
  const payload = {
    email: 'a@example.com',
    id: 'o-1',
    people: [
      { tier: 'gold', email: 'b@example.com', name: 'B', n: 1 },
      { email: 'c@example.com', tier: 'silver', name: 'C' },
      { n: 2.5, name: 'D', email: 'd@example.com' },
      { name: 'E', email: 'e@example.com' },
    ],
  };
  const many = big(payload);

  it('tells every format that can read its context the concrete path, in both walks', () => {
    const seen: string[] = [];
    const formats: MaskFn[] = [
      (_v, c) => (seen.push(c.path), 'E'),
      (...a: unknown[]) => (seen.push((a[1] as MaskContext).path), 'E'),
      function (this: unknown) {
        return seen.push((arguments[1] as MaskContext).path), 'E';
      },
    ];
    for (const email of formats) {
      const mask = compileMask({ schema, formats: { kinds: { email } } });
      seen.length = 0;
      mask(payload);
      const byValue = [...seen];
      seen.length = 0;
      applyPlanText(mask, payload);
      expect(seen).toEqual(['email', 'people[0].email', 'people[1].email', 'people[2].email', 'people[3].email']);
      expect(byValue).toEqual(seen);
    }
  });

  it('writes a censor once per slot and walk, first in an object, after a comma and after a kept string', () => {
    const mask = compileMask({ schema, formats: { kinds: { email: () => REDACTED, name: () => REDACTED } } });
    const small =
      '{"email":"[REDACTED]","id":"o-1","people":[{"tier":"gold","email":"[REDACTED]","name":"[REDACTED]","n":1},' +
      '{"email":"[REDACTED]","tier":"silver","name":"[REDACTED]"},{"n":2.5,"name":"[REDACTED]","email":"[REDACTED]"},{"name":"[REDACTED]","email":"[REDACTED]"}]}';
    expect(text(mask, payload)).toBe(small);
    expect(text(mask, many)).toBe(bigText(small));
    // Another plan's walk in between, whose slots are numbered alike and whose censor gives the same
    // string: each walk writes its own entries, under its own keys.
    const other = compileMask({ schema: defineSchema({ type: 'object', properties: { name: { type: 'string', 'x-sensitivity': 'personal' }, email: { type: 'string', 'x-sensitivity': 'personal' } } }), formats: { paths: { name: () => REDACTED, email: () => REDACTED } } });
    const first = text(mask, many);
    const others = { email: 'a', name: 'b', list: Array.from({ length: 200 }, (_, i) => i) };
    expect(text(other, others)).toBe(`{"email":"[REDACTED]","name":"[REDACTED]","list":${JSON.stringify(others.list)}}`);
    expect(text(other, { name: 'b', email: 'a', list: others.list })).toBe(`{"name":"[REDACTED]","email":"[REDACTED]","list":${JSON.stringify(others.list)}}`);
    expect(text(mask, many)).toBe(first);
  });

  it('writes what a format gives when it changes from value to value, escapes included', () => {
    // By the value's first letter: a, c, e give x; b gives y; d a quote.
    const outs: Record<string, string> = { a: 'x', b: 'y', c: 'x', d: 'q"uote', e: 'x' };
    const mask = compileMask({ schema, formats: { kinds: { email: (v) => outs[String(v)[0]!]!, name: (v) => `${String(v)}\n` } } });
    const small = '{"email":"x","id":"o-1","people":[{"tier":"gold","email":"y","name":"B\\n","n":1},{"email":"x","tier":"silver","name":"C\\n"},{"n":2.5,"name":"D\\n","email":"q\\"uote"},{"name":"E\\n","email":"x"}]}';
    expect(text(mask, payload)).toBe(small);
    expect(text(mask, many)).toBe(bigText(small));
    expect(text(mask, many)).toBe(bigText(small));
  });

  it('writes what JSON writes for a format that gives no string', () => {
    const outs: Record<string, unknown> = { a: 1.5, b: undefined, c: null, d: { at: 'x' }, e: () => 1 };
    const mask = compileMask({ schema, formats: { kinds: { email: (v) => outs[String(v)[0]!] } } });
    const small = '{"email":1.5,"id":"o-1","people":[{"tier":"gold","name":"[REDACTED]","n":1},{"email":null,"tier":"silver","name":"[REDACTED]"},{"n":2.5,"name":"[REDACTED]","email":{"at":"x"}},{"name":"[REDACTED]"}]}';
    expect(text(mask, payload)).toBe(small);
    expect(text(mask, many)).toBe(bigText(small));
    const strings = compileMask({ schema, formats: { kinds: { email: (v) => (String(v)[0] === 'c' ? undefined : 'x') } } });
    const texts = '{"email":"x","id":"o-1","people":[{"tier":"gold","email":"x","name":"[REDACTED]","n":1},{"tier":"silver","name":"[REDACTED]"},{"n":2.5,"name":"[REDACTED]","email":"x"},{"name":"[REDACTED]","email":"x"}]}';
    expect(text(strings, payload)).toBe(texts);
    expect(text(strings, many)).toBe(bigText(texts));
  });

  it('starts its entries afresh in a walk begun inside a format, whose plan numbers other keys alike', () => {
    const xy = defineSchema({
      type: 'array',
      items: {
        type: 'object',
        properties: { x: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' }, y: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'name' } },
      },
    });
    const inner = compileMask({ schema: xy, formats: { kinds: { email: () => REDACTED, name: () => REDACTED } } });
    const innerValue = Array.from({ length: 60 }, () => ({ x: 'a', y: 'b' }));
    const innerExpected = JSON.stringify(innerValue.map(() => ({ x: REDACTED, y: REDACTED })));
    let calls = 0;
    const innerTexts: Array<string | undefined> = [];
    const outer = compileMask({
      schema,
      formats: {
        kinds: {
          email: () => REDACTED,
          name: () => {
            // Well into the outer walk, when its entries are kept: the inner walk must not take them for its own.
            if (++calls % 50 === 0) innerTexts.push(applyPlanText(inner, innerValue).text);
            return REDACTED;
          },
        },
      },
    });
    text(outer, many);
    expect(innerTexts.length).toBeGreaterThan(2);
    for (const t of innerTexts) expect(t).toBe(innerExpected);
  });

  it('writes masked entries after a key that left renamed as the value walk orders them', () => {
    const keyed = defineSchema({
      type: 'object',
      properties: { email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' } },
      additionalProperties: { type: 'string', 'x-sensitivity': 'public' },
      propertyNames: { 'x-sensitivity': 'personal', 'x-kind': 'name' },
    });
    const mask = compileMask({ schema: keyed, formats: { kinds: { email: () => REDACTED } } });
    text(mask, { Jane: 'x', email: 'a@example.com', '1': 'y' });
    text(mask, { email: 'a@example.com', Jane: 'x', Jones: 'y' });
    // Past the values a walk reads before it keeps entries: an entry written, then a key renamed after it.
    const listed = defineSchema({
      type: 'array',
      items: {
        type: 'object',
        properties: { email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' }, id: { type: 'string', 'x-sensitivity': 'public' } },
        additionalProperties: { type: 'string', 'x-sensitivity': 'public' },
        propertyNames: { 'x-sensitivity': 'personal', 'x-kind': 'name' },
      },
    });
    const inList = compileMask({ schema: listed, formats: { kinds: { email: () => REDACTED } } });
    const items = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? { id: `i${i}`, email: 'a@example.com', Jane: 'x' } : i % 3 === 1 ? { email: 'a@example.com', id: `i${i}` } : { email: 'a@example.com', Jane: 'x', id: 'i' }));
    const t = text(inList, items);
    expect(t).toContain('{"email":"[REDACTED]","id":"i1"}');
  });
});
