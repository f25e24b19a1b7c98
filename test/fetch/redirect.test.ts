// nextHop: the method and headers of the request a redirect asks for, as fetch computes them, and the allow-list that crosses origins.
import { describe, expect, it } from 'vitest';
import { FieldguardError } from '../../src/index.js';
import { nextHop } from '../../src/fetch/redirect.js';

const here = new URL('https://api.vendor.example/v1/tickets?x=1');
const headers = (): Headers =>
  new Headers({
    accept: 'application/json',
    'content-type': 'application/json',
    'content-length': '42',
    'user-agent': 'svc/1',
    authorization: 'Bearer secret',
    'proxy-authorization': 'Basic abc',
    cookie: 'sid=1',
    'x-api-key': 'k',
    'x-custom': 'v',
  });
const names = (h: Headers): string[] => {
  const out: string[] = [];
  h.forEach((_v, k) => out.push(k));
  return out.sort();
};

describe('nextHop', () => {
  it.each([
    [301, 'POST', 'GET', false],
    [302, 'POST', 'GET', false],
    [303, 'POST', 'GET', false],
    [303, 'PUT', 'GET', false],
    [303, 'HEAD', 'HEAD', true],
    [301, 'PUT', 'PUT', true],
    [302, 'PATCH', 'PATCH', true],
    [307, 'POST', 'POST', true],
    [308, 'POST', 'POST', true],
  ])('%i after %s is a %s (keeps its body: %s)', (status, method, next, keepsBody) => {
    const hop = nextHop({ url: here, method, headers: headers() }, status, '/v1/new');
    expect(hop.method).toBe(next);
    expect(hop.keepsBody).toBe(keepsBody);
    expect(hop.url.href).toBe('https://api.vendor.example/v1/new');
    const kept = names(hop.headers);
    if (keepsBody) expect(kept).toContain('content-type');
    else expect(kept).not.toContain('content-type');
    expect(kept).toContain('authorization');
  });

  it('carries only the allow-listed headers to another origin', () => {
    const hop = nextHop({ url: here, method: 'POST', headers: headers() }, 307, 'https://eu.vendor.example/v1/tickets');
    expect(names(hop.headers)).toEqual(['accept', 'content-type', 'user-agent']);
    const port = nextHop({ url: here, method: 'POST', headers: headers() }, 308, 'https://api.vendor.example:8443/v1/tickets');
    expect(names(port.headers)).toEqual(['accept', 'content-type', 'user-agent']);
  });

  it('refuses a Location that is not a URL', () => {
    let e: unknown;
    try {
      nextHop({ url: here, method: 'GET', headers: new Headers() }, 302, 'https://[bad');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(FieldguardError);
    expect((e as FieldguardError).code).toBe('ERR_REDIRECT_REFUSED');
  });
});
