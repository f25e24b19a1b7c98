// sensitiveInUrl: the high-confidence kinds in a path, in every encoding a server decodes, and none in the ids, dates and versions paths are made of.
import { describe, expect, it } from 'vitest';
import { sensitiveInUrl } from '../../src/detect/url.js';
import { canaries } from '../leaks/canaries.js';

describe('sensitiveInUrl', () => {
  const c = canaries();

  it.each([
    ['an email', `/v1/users/${c.email}`, ['email']],
    ['an email, URL-encoded', `/v1/users/${encodeURIComponent(c.email)}`, ['email']],
    ['an email, encoded twice', `/v1/users/${encodeURIComponent(encodeURIComponent(c.email))}`, ['email']],
    ['an email behind an encoded slash', `/v1/x${encodeURIComponent(`/${c.email}`)}`, ['email']],
    ['an email in a segment with a malformed escape', `/v1/%E0%A4%A/${encodeURIComponent(c.email)}`, ['email']],
    ['a grouped card', `/v1/cards/${encodeURIComponent(c.card)}`, ['cardNumber']],
    ['a card of digits only', `/v1/cards/${c.card.replace(/ /g, '')}`, ['cardNumber']],
    ['an SSN', `/v1/people/${c.ssn}`, ['ssn']],
    ['an IBAN', `/v1/accounts/${c.iban}`, ['iban']],
    ['a JWT', `/v1/sessions/${c.jwt}`, ['jwt']],
    ['an AWS access key', '/v1/keys/AKIAIOSFODNN7EXAMPLE', ['awsAccessKey']],
    ['an API key in matrix form', `/v1/x;api_key=${c.apiKey}`, ['apiKey']],
    ['a private key', `/v1/k/${encodeURIComponent('-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBg\n-----END PRIVATE KEY-----')}`, ['privateKey']],
    ['URL credentials in a forwarded URL', `/v1/proxy/${encodeURIComponent('https://svc:hunter2secret@internal.example/x')}`, ['email', 'urlCredentials']],
    ['an email and a card', `/v1/users/${encodeURIComponent(c.email)}/cards/${c.card.replace(/ /g, '')}`, ['email', 'cardNumber']],
  ])('finds %s', (_what, path, kinds) => {
    expect(sensitiveInUrl(path)).toEqual(kinds);
  });

  it.each([
    '/',
    '/v1/users/cus_77',
    '/v2/orders/550e8400-e29b-41d4-a716-446655440000',
    '/api/v1.2.3.4/status',
    '/reports/2024-01-31T12:00:00Z',
    '/dates/2024-01-31',
    '/items/12345678',
    '/tweets/1234567890123456789',
    '/phones/+14155550132',
    '/hosts/203.0.113.7',
    '/v1/token/refresh',
    '/v1/api-key/rotate',
    '/v1/accounts/@me',
    '/users/%40home',
    '/files/report%20final.pdf',
    '/sku/SKU-1/variants/42',
    '/x/%',
    '/cards/4111111111111112',
  ])('finds nothing in %s', (path) => {
    expect(sensitiveInUrl(path)).toEqual([]);
  });

  it('returns kinds only, frozen, never the text', () => {
    const kinds = sensitiveInUrl(`/v1/users/${c.email}`);
    expect(Object.isFrozen(kinds)).toBe(true);
    expect(JSON.stringify(kinds)).not.toContain(c.email.split('@')[0]);
  });
});
