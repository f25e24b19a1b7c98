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
        // eslint-disable-next-line prefer-rest-params
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

  it('tells every format that can read its context the concrete path, in both walks', () => {
    const seen: string[] = [];
    const formats: MaskFn[] = [
      (_v, c) => (seen.push(c.path), 'E'),
      (...a: unknown[]) => (seen.push((a[1] as MaskContext).path), 'E'),
      function (this: unknown) {
        // eslint-disable-next-line prefer-rest-params
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
    expect(text(mask, payload)).toBe(
      '{"email":"[REDACTED]","id":"o-1","people":[{"tier":"gold","email":"[REDACTED]","name":"[REDACTED]","n":1},' +
        '{"email":"[REDACTED]","tier":"silver","name":"[REDACTED]"},{"n":2.5,"name":"[REDACTED]","email":"[REDACTED]"},{"name":"[REDACTED]","email":"[REDACTED]"}]}',
    );
    // Another plan's walk in between, whose slots are numbered alike and whose censor gives the same
    // string: each walk writes its own entries, under its own keys.
    const other = compileMask({ schema: defineSchema({ type: 'object', properties: { name: { type: 'string', 'x-sensitivity': 'personal' }, email: { type: 'string', 'x-sensitivity': 'personal' } } }), formats: { paths: { name: () => REDACTED, email: () => REDACTED } } });
    const first = text(mask, payload);
    expect(text(other, { email: 'a', name: 'b' })).toBe('{"email":"[REDACTED]","name":"[REDACTED]"}');
    expect(text(mask, payload)).toBe(first);
  });

  it('writes what a format gives when it changes from value to value, escapes included', () => {
    // By the value's first letter: a, c, e give x; b gives y; d a quote.
    const outs: Record<string, string> = { a: 'x', b: 'y', c: 'x', d: 'q"uote', e: 'x' };
    const mask = compileMask({ schema, formats: { kinds: { email: (v) => outs[String(v)[0]!]!, name: (v) => `${String(v)}\n` } } });
    expect(text(mask, payload)).toBe(
      '{"email":"x","id":"o-1","people":[{"tier":"gold","email":"y","name":"B\\n","n":1},{"email":"x","tier":"silver","name":"C\\n"},{"n":2.5,"name":"D\\n","email":"q\\"uote"},{"name":"E\\n","email":"x"}]}',
    );
    text(mask, payload);
  });

  it('writes what JSON writes for a format that gives no string', () => {
    const outs: Record<string, unknown> = { a: 1.5, b: undefined, c: null, d: { at: 'x' }, e: () => 1 };
    const mask = compileMask({ schema, formats: { kinds: { email: (v) => outs[String(v)[0]!] } } });
    expect(text(mask, payload)).toBe('{"email":1.5,"id":"o-1","people":[{"tier":"gold","name":"[REDACTED]","n":1},{"email":null,"tier":"silver","name":"[REDACTED]"},{"n":2.5,"name":"[REDACTED]","email":{"at":"x"}},{"name":"[REDACTED]"}]}');
    const strings = compileMask({ schema, formats: { kinds: { email: (v) => (String(v)[0] === 'c' ? undefined : 'x') } } });
    expect(text(strings, payload)).toBe('{"email":"x","id":"o-1","people":[{"tier":"gold","email":"x","name":"[REDACTED]","n":1},{"tier":"silver","name":"[REDACTED]"},{"n":2.5,"name":"[REDACTED]","email":"x"},{"name":"[REDACTED]","email":"x"}]}');
  });

  it('starts its entries afresh when a format walks another payload with another plan', () => {
    const inner = compileMask({ schema, formats: { kinds: { email: () => REDACTED, name: () => REDACTED } } });
    let innerText: string | undefined;
    const outer = compileMask({
      schema,
      formats: {
        kinds: {
          email: () => REDACTED,
          name: (v) => {
            innerText = applyPlanText(inner, { people: [{ email: 'z@example.com', name: 'Z' }] }).text;
            return `${String(v)}!`;
          },
        },
      },
    });
    const t = text(outer, payload);
    expect(innerText).toBe('{"people":[{"email":"[REDACTED]","name":"[REDACTED]"}]}');
    expect(t).toContain('{"tier":"gold","email":"[REDACTED]","name":"B!","n":1}');
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
  });
});
