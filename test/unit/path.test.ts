// Paths in pino's redact syntax: parsing, printing and the segments that are refused.
import { describe, expect, it } from 'vitest';
import { parsePath } from '../../src/schema/path.js';

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
});
