// Content types, form parsing and query serialization used by the request-side middlewares.
import { describe, expect, it } from 'vitest';
import { bodyFormat, parseBody, parseQuery, serializeQuery, withSearch } from '../../src/middleware/body.js';

describe('request bodies', () => {
  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/vnd.api+json', 'json'],
    ['text/json', 'json'],
    ['application/x-amz-json-1.1', 'json'],
    ['application/x-ndjson', undefined],
    ['APPLICATION/JSON', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['text/plain', undefined],
    ['multipart/form-data; boundary=x', undefined],
    [undefined, undefined],
  ])('%s is %s', (type, format) => {
    expect(bodyFormat(type)).toBe(format);
  });

  it('parses queries and forms with qs, as Express\'s extended parser does, into objects with no prototype to pollute', () => {
    const form = parseQuery('a=1&b=2&b=3&__proto__=x&c=%F0%9F%98%80&filter[status]=open&constructor[prototype][p]=1');
    expect(Object.getPrototypeOf(form)).toBe(null);
    expect({ ...form }).toEqual({ a: '1', b: ['2', '3'], c: '😀', filter: { status: 'open' }, constructor: { prototype: { p: '1' } } });
    expect(Object.getOwnPropertyDescriptor(form, '__proto__')).toBeUndefined();
    expect(({} as Record<string, unknown>)['p']).toBeUndefined();
  });

  it('refuses malformed JSON without quoting it', () => {
    expect(() => parseBody('json', '{"email":"jane.doe@example.com",')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_JSON', message: 'the request body is not valid JSON' }),
    );
    // Whitespace only is not JSON: refused, so a forwarder never waits for a body that is not there.
    expect(() => parseBody('json', '  ')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_JSON' }));
  });

  it('serializes queries so Express and Koa parse them back', () => {
    expect(serializeQuery({ q: 'a b', tags: ['x', 'y'], filter: { status: 'open' }, n: 1, empty: null })).toBe(
      'q=a%20b&tags=x&tags=y&filter%5Bstatus%5D=open&n=1&empty=',
    );
    expect(withSearch('/search?q=1&email=x', 'q=1')).toBe('/search?q=1');
    expect(withSearch('/search?email=x', '')).toBe('/search');
  });
});
