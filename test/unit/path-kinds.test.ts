// pathKinds: the URL path check remembered for clean paths gives sensitiveInUrl's answer every time, and holds a bounded number of paths.
import { describe, expect, it } from 'vitest';
import { sensitiveInUrl } from '../../src/detect/url.js';
import { cleanPathHeld, cleanPathsHeld, pathKinds } from '../../src/middleware/request.js';
import { canaries } from '../leaks/canaries.js';

describe('pathKinds', () => {
  const c = canaries();
  const sensitive = [
    `/v1/users/${c.email}`,
    `/v1/users/${encodeURIComponent(encodeURIComponent(c.email))}`,
    `/v1/cards/${c.card.replace(/ /g, '')}`,
    `/v1/people/${c.ssn}`,
    `/v1/accounts/${c.iban}`,
    `/v1/sessions/${c.jwt}`,
    `/v1/x;api_key=${c.apiKey}`,
  ];
  const clean = ['/', '/orders', '/v1/orders/550e8400-e29b-41d4-a716-446655440000', '/v1.2.3.4/items', '/orders/2024-0101-5550'];

  it('answers as sensitiveInUrl does, the first time and every time after', () => {
    for (let round = 0; round < 3; round++) {
      for (const path of [...sensitive, ...clean]) expect(pathKinds(path)).toEqual(sensitiveInUrl(path));
    }
    for (const path of sensitive) expect(pathKinds(path).length).toBeGreaterThan(0);
  });

  it('never remembers a path that carries something, so it is refused on every request', () => {
    const before = cleanPathsHeld();
    const path = `/v1/users/${encodeURIComponent(c.email)}/orders`;
    for (let i = 0; i < 5; i++) expect(pathKinds(path)).toEqual(['email']);
    expect(cleanPathsHeld()).toBe(before);
  });

  it('holds at most 1,024 paths whatever the number of distinct paths, and none longer than 512 characters', () => {
    for (let i = 0; i < 5000; i++) expect(pathKinds(`/orders/o${i}`)).toEqual([]);
    expect(cleanPathsHeld()).toBe(1024);
    // The oldest are the ones dropped: the last 1,024 paths are held, the one before them is not.
    expect(cleanPathHeld('/orders/o3976') && cleanPathHeld('/orders/o4999')).toBe(true);
    expect(cleanPathHeld('/orders/o3975')).toBe(false);
    const held = cleanPathsHeld();
    const long = `/orders/${'a'.repeat(600)}`;
    expect(pathKinds(long)).toEqual([]);
    expect(pathKinds(long)).toEqual([]);
    expect(cleanPathsHeld()).toBe(held);
    // A path pushed out is checked again, with the same answer.
    expect(pathKinds('/orders/o0')).toEqual([]);
    expect(pathKinds(`/v1/users/${c.email}`)).toEqual(['email']);
    expect(cleanPathsHeld()).toBe(1024);
  });
});
