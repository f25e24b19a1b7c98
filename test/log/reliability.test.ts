// The failure classes of RELIABILITY.md that concern logs: key spellings, raw headers, injectable output, channels.
import { describe, expect, it } from 'vitest';
import { redactor } from '../../src/index.js';
import { orderSchema } from '../fixtures/order.js';

const redact = redactor(orderSchema);

describe('key spellings and header shapes', () => {
  it('censors every spelling of credential keys, raw header lists, Set-Cookie arrays and multi-pair cookies', () => {
    const line = redact({
      headers: { authorization: 'Basic dXNlcjpodW50ZXIy', cookie: 'sid=s3cr3t; theme=dark', 'set-cookie': ['sid=s3cr3t; HttpOnly', 'csrf=abc123'] },
      Authorization: 'Bearer abcdefghijklmnop',
      apiKey: 'k1-secret-value',
      api_key: 'k2-secret-value',
      'API-Key': 'k3-secret-value',
      'X-API-KEY': 'k4-secret-value',
      rawHeaders: ['Host', 'example.com', 'Authorization', 'Bearer abcdefghijklmnop', 'Cookie', 'sid=s3cr3t; theme=dark', 'X-Api-Key', 'k5-secret-value'],
    });
    for (const secret of ['dXNlcjpodW50ZXIy', 's3cr3t', 'abc123', 'abcdefghijklmnop', 'k1-secret', 'k2-secret', 'k3-secret', 'k4-secret', 'k5-secret']) {
      expect(line).not.toContain(secret);
    }
    expect(JSON.parse(line).rawHeaders).toEqual(['Host', 'example.com', 'Authorization', '[REDACTED]', 'Cookie', '[REDACTED]', 'X-Api-Key', '[REDACTED]']);
  });
});

describe('output that cannot be injected into', () => {
  it('writes one line of valid JSON whatever the keys and values hold', () => {
    const hostile = {
      'quote"key': 'a"b\\c',
      'line\nbreak': 'x\r\ny',
      sep: 'a\u2028b\u2029c',
      nul: 'a\u0000b',
      lone: 'a\ud800b',
      pair: '😀 jane.doe@example.com 😀',
    };
    const line = redact(hostile);
    expect(line.split('\n')).toHaveLength(1);
    expect(line.includes('\r')).toBe(false);
    const back = JSON.parse(line);
    expect(back['quote"key']).toBe('a"b\\c');
    expect(back['line\nbreak']).toBe('x\r\ny');
    expect(back.nul).toBe('a\u0000b');
    expect(back.pair).toBe('😀 j***@example.com 😀');
    expect(line).not.toContain('jane.doe');
  });
});

describe('channels the redactor must see', () => {
  it('finds a canary in errors with a cause chain, AggregateErrors, HTTP-client errors and URLs', () => {
    const canary = 'jane.doe@example.com';
    const cause = new Error(`lookup failed for ${canary}`);
    const agg = new AggregateError([new Error(`retry 1 ${canary}`), new Error('retry 2')], `all failed for ${canary}`);
    const clientError = Object.assign(new Error('Request failed with status code 401'), {
      config: { url: `https://api.example.com/users?email=${encodeURIComponent(canary)}`, headers: { Authorization: 'Bearer abcdefghijklmnop' } },
      request: `GET /users?email=${canary} HTTP/1.1\r\nAuthorization: Bearer abcdefghijklmnop\r\n`,
      cause,
    });
    const line = redact({ err: clientError, agg, url: `/search?email=${canary}`, encoded: `/search?email=${encodeURIComponent(canary)}` });
    expect(line).not.toContain(canary);
    expect(line).not.toContain(encodeURIComponent(canary));
    expect(line).not.toContain('abcdefghijklmnop');
    expect(JSON.parse(line).encoded).toBe('/search?email=j***%40example.com');
    const parsed = JSON.parse(line);
    expect(parsed.err.cause.message).toBe('lookup failed for j***@example.com');
    expect(parsed.agg.errors[0].message).toBe('retry 1 j***@example.com');
  });
});
