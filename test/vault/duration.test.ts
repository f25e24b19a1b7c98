// Token lifetimes: every zero or sub-millisecond duration is refused, so no token is dead on arrival.
import { describe, expect, it } from 'vitest';
import { toMillis } from '../../src/vault/duration.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { thrown } from '../helpers/thrown.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 1).toString('base64') } });
const silent = (): void => undefined;

describe('toMillis', () => {
  it.each([
    ['P30D', 30 * 86_400_000],
    ['PT12H', 43_200_000],
    ['PT1.5S', 1500],
    ['P1Y2M', 365 * 86_400_000 + 60 * 86_400_000],
    [1, 1],
    [2500, 2500],
  ])('reads %j as %d ms', (d, ms) => {
    expect(toMillis(d, 'ttl')).toBe(ms);
  });

  it.each(['PT0S', 'P0D', 'PT0H0M0S', 'P0Y0M0W0DT0H0M0.0S', 'PT0.0001S', 'P', 'PT', '30D', '', 0, -5, 0.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses %j with ERR_INVALID_OPTIONS',
    (d) => {
      const e = thrown(() => toMillis(d, 'createVault(): ttl'));
      expect(e.code).toBe('ERR_INVALID_OPTIONS');
      expect(e.message).toBe('createVault(): ttl must be at least 1 millisecond: a positive number of milliseconds or an ISO-8601 duration such as P30D (not PT0S)');
    },
  );
});

describe('zero lifetimes through the vault', () => {
  it('refuses ttl: PT0S at createVault, as ttl: 0', () => {
    expect(thrown(() => createVault({ store: memoryStore(), keys, audit: silent, ttl: 'PT0S' })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => createVault({ store: memoryStore(), keys, audit: silent, ttl: 0 })).code).toBe('ERR_INVALID_OPTIONS');
  });

  it('refuses a zero ttl per call and per item, and stores nothing', async () => {
    const store = memoryStore();
    const vault = createVault({ store, keys, audit: silent });
    await expect(vault.tokenize(['dead-on-arrival'], { ttl: 'P0D' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    await expect(vault.tokenizeMany([{ value: 'dead-on-arrival', ttl: 'PT0S' }])).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    expect((await store.scan(null, 10)).records).toEqual([]);
  });
});
