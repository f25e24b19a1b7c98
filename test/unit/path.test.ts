// Paths in pino's redact syntax: parsing, printing and the segments that are refused.
import { describe, expect, it } from 'vitest';
import { appendIndex, appendKey, formatPath, parsePath } from '../../src/schema/path.js';

describe('paths', () => {
  it.each([
    ['customer.email', [{ key: 'customer' }, { key: 'email' }]],
    ['items[*].note', [{ key: 'items' }, { any: true }, { key: 'note' }]],
    ['a["x-y"].b', [{ key: 'a' }, { key: 'x-y' }, { key: 'b' }]],
    ["a['with space']", [{ key: 'a' }, { key: 'with space' }]],
    ['a[0]', [{ key: 'a' }, { key: '0' }]],
    ['*.phone', [{ any: true }, { key: 'phone' }]],
    ['**.password', [{ deep: true }, { key: 'password' }]],
    ['["a.b"]', [{ key: 'a.b' }]],
  ])('parses %s', (path, segments) => {
    expect(parsePath(path)).toEqual(segments);
  });

  it.each(['__proto__.x', 'a.constructor.prototype', 'a["__proto__"]', 'a..b', '.a', 'a[', 'a[x]', 'a"b', 'a["x]', ''])(
    'refuses %j with ERR_INVALID_PATH',
    (path) => {
      expect(() => parsePath(path)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PATH' }));
    },
  );

  it.each([
    ['customer.email', 'customer.email'],
    ['items[*].note', 'items.*.note'],
    ['a["x-y"][0]', 'a["x-y"]["0"]'],
    ["a['it\\'s']", 'a["it\'s"]'],
    ['**.password', '**.password'],
    ['a.**[*]', 'a.**.*'],
    ['*.phone', '*.phone'],
    ['["a\\nb"]', '["a\\nb"]'],
    ['日本', '["日本"]'],
  ])('prints %s as %s, which parses back to the same segments', (path, printed) => {
    expect(formatPath(parsePath(path))).toBe(printed);
    expect(parsePath(printed)).toEqual(parsePath(path));
  });

  it('keeps report paths as appendKey and appendIndex print them, and reads them back', () => {
    const keys = ['order', 'x-id', 'a"b', 'line\nbreak', '\u2028', '\ud800', '0', 'with space', '日本'];
    for (const key of keys) {
      const printed = appendIndex(appendKey('root', key), '*');
      expect(printed).toBe(`root${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}[*]`);
      expect(parsePath(printed)).toEqual([{ key: 'root' }, { key }, { any: true }]);
    }
  });
});
