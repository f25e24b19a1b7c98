// The `fpe` plan action: formats per kind, the position-bound tweak, reversal by `decrypt`, the domain rule, and what check says of it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compilePlan, defineDestinations, defineSchema, tag } from '../../src/index.js';
import { keyRing } from '../../src/vault/index.js';
import { inventory, checkConfig } from '../../src/cli/analyze.js';
import { thrown } from '../helpers/thrown.js';
import { findLeaks, canaries } from '../leaks/canaries.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 1).toString('base64'), k2: Buffer.alloc(32, 2).toString('base64') } });
const schema = defineSchema(
  z.object({
    ssn: tag(z.string(), 'special', { kind: 'ssn' }),
    card: tag(z.string(), 'secret', { kind: 'cardNumber' }),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    phone: tag(z.string(), 'personal', { kind: 'phone' }),
    other: tag(z.string(), 'special', { kind: 'ssn' }),
    zip: tag(z.string(), 'personal', { kind: 'postalCode' }),
    cvv: tag(z.string(), 'secret', { kind: 'cardCvv' }),
    id: tag(z.string(), 'public'),
  }),
);

const out = compilePlan({ schema, keys, rules: [{ select: { kinds: ['ssn', 'cardNumber', 'email', 'phone', 'postalCode'] }, action: 'fpe' }, { select: { sensitivity: 'public' }, action: 'keep' }] });
const back = compilePlan({
  schema,
  keys,
  fpe: { kinds: { ssn: true, cardNumber: true, email: true, phone: true } },
  rules: [{ select: { kinds: ['ssn', 'cardNumber', 'email', 'phone'] }, action: 'decrypt' }, { select: { sensitivity: 'public' }, action: 'keep' }],
});

const VISA = '4111 1111 1111 1111';
const luhnOk = (digits: string): boolean => {
  let sum = 0;
  [...digits].reverse().forEach((c, i) => {
    let d = Number(c);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return sum % 10 === 0;
};

describe('fpe', () => {
  it('keeps each kind’s format: digits and separators, a Luhn-valid card, an email with its domain', () => {
    const input = { ssn: '123-45-6789', card: VISA, email: 'jane.doe@example.com', phone: '+1 (555) 010-9999', id: 'o-1' };
    const { value, report } = out(input);
    const v = value as Record<string, string>;
    expect(v['ssn']).toMatch(/^\d{3}-\d{2}-\d{4}$/);
    expect(v['card']).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    expect(luhnOk(v['card']!.replace(/ /g, ''))).toBe(true);
    expect(v['email']).toMatch(/^[A-Za-z0-9]{4}\.[A-Za-z0-9]{3}@example\.com$/);
    expect(v['phone']).toMatch(/^\+\d \(\d{3}\) \d{3}-\d{4}$/);
    expect(v['id']).toBe('o-1');
    for (const k of ['ssn', 'card', 'email', 'phone'] as const) expect(v[k]).not.toBe(input[k]);
    expect(report.encrypted).toBe(4);
    // Deterministic: the same value at the same position encrypts alike (joins keep working at the vendor).
    expect(out(input).value).toEqual(value);
    // Reversible with decrypt, where the fpe option names the kinds.
    expect(back(value, { actor: 't', purpose: 'test' }).value).toEqual(input);
  });

  it('binds the ciphertext to its position: the same number at another path encrypts differently, and moved it does not decrypt', () => {
    const a = out({ ssn: '123-45-6789' }).value as Record<string, string>;
    const plan = compilePlan({ schema, keys, rules: [{ select: { kinds: ['ssn'] }, action: 'fpe' }] });
    const b = plan({ other: '123-45-6789' }).value as Record<string, string>;
    expect(b['other']).not.toBe(a['ssn']);
    const undo = compilePlan({ schema, keys, fpe: { kinds: { ssn: true } }, rules: [{ select: { kinds: ['ssn'] }, action: 'decrypt' }] });
    expect(undo({ other: a['ssn'] }).value).not.toEqual({ other: '123-45-6789' });
    expect(undo({ ssn: a['ssn'] }).value).toEqual({ ssn: '123-45-6789' });
  });

  it('keeps the BIN and last four when told to, encrypting the six digits between', () => {
    const plan = compilePlan({ schema, keys, fpe: { kinds: { cardNumber: { keep: 'bin-last4' } } }, rules: [{ select: { kinds: ['cardNumber'] }, action: 'fpe' }] });
    const card = (plan({ card: '4111111111111111' }).value as { card: string }).card;
    expect(card.slice(0, 6)).toBe('411111');
    expect(card.slice(12)).toBe('1111');
    expect(card.slice(6, 12)).not.toBe('111111');
    const undo = compilePlan({ schema, keys, fpe: { kinds: { cardNumber: { keep: 'bin-last4' } } }, rules: [{ select: { kinds: ['cardNumber'] }, action: 'decrypt' }] });
    expect(undo({ card }).value).toEqual({ card: '4111111111111111' });
    // A 15-digit card keeps only five digits to encrypt: below a million, refused at apply.
    const e = thrown(() => plan({ card: '378282246310005' }));
    expect(e.code).toBe('ERR_FPE_DOMAIN_TOO_SMALL');
    expect(e.paths).toEqual(['card']);
    expect(e.message).not.toMatch(/378282|82246|0005/);
  });

  it('carries a failed Luhn check through, so decryption is exact', () => {
    const bad = '4111111111111112';
    const card = (out({ card: bad }).value as { card: string }).card;
    expect(luhnOk(card)).toBe(false);
    expect(back({ card }).value).toEqual({ card: bad });
  });

  it('refuses a domain below a million at apply, and a kind that never reaches it at compile', () => {
    const e = thrown(() => out({ zip: '12345' }));
    expect(e.code).toBe('ERR_FPE_DOMAIN_TOO_SMALL');
    expect(e.message).not.toContain('12345');
    expect((out({ zip: '123456' }).value as { zip: string }).zip).toMatch(/^\d{6}$/);
    const c = thrown(() => compilePlan({ schema, keys, rules: [{ select: { kinds: ['cardCvv'] }, action: 'fpe' }] }));
    expect(c.code).toBe('ERR_FPE_DOMAIN_TOO_SMALL');
    expect(thrown(() => out({ email: 'bob@example.com' })).code).toBe('ERR_FPE_DOMAIN_TOO_SMALL');
  });

  it('refuses a value its format cannot encrypt rather than passing part of it in clear', () => {
    const planted = canaries();
    const e = thrown(() => out({ ssn: `12345 ${planted.name}` }));
    expect(e.code).toBe('ERR_FPE_UNSUPPORTED_VALUE');
    expect(findLeaks({ message: e.message, paths: JSON.stringify(e.paths) }, planted)).toEqual([]);
    expect(thrown(() => out({ email: 'no-at-sign' })).code).toBe('ERR_FPE_UNSUPPORTED_VALUE');
  });

  it('needs keys, validates its options, and pins a key id across rotations', () => {
    expect(thrown(() => compilePlan({ schema, rules: [{ select: { kinds: ['ssn'] }, action: 'fpe' }] })).message).toMatch(/needs keys/);
    expect(thrown(() => compilePlan({ schema, keys, fpe: { kinds: { ssn: { keep: 'all' as never } } }, rules: [] })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => compilePlan({ schema, keys, fpe: { key: 'k9' }, rules: [] })).code).toBe('ERR_INVALID_KEY');
    const pinned = compilePlan({ schema, keys, fpe: { key: 'k2' }, rules: [{ select: { kinds: ['ssn'] }, action: 'fpe' }] });
    const rotated = keyRing({ keys: { k3: Buffer.alloc(32, 3).toString('base64'), k2: Buffer.alloc(32, 2).toString('base64') } });
    const undo = compilePlan({ schema, keys: rotated, fpe: { key: 'k2', kinds: { ssn: true } }, rules: [{ select: { kinds: ['ssn'] }, action: 'decrypt' }] });
    expect(undo(pinned({ ssn: '123-45-6789' }).value).value).toEqual({ ssn: '123-45-6789' });
  });

  it('formats by path win over kinds', () => {
    const plan = compilePlan({ schema, keys, fpe: { paths: { id: { style: 'digits' } } }, rules: [{ select: { paths: ['id'] }, action: 'fpe' }] });
    const id = (plan({ id: '2026-000123' }).value as { id: string }).id;
    expect(id).toMatch(/^\d{4}-\d{6}$/);
    const undo = compilePlan({ schema, keys, fpe: { paths: { id: { style: 'digits' } } }, rules: [{ select: { paths: ['id'] }, action: 'decrypt' }] });
    expect(undo({ id }).value).toEqual({ id: '2026-000123' });
  });

  it('is a reversible ciphertext to fieldguard check and the inventory', () => {
    const destinations = defineDestinations(
      { crm: { vendor: 'CRM', region: 'US', lawfulBasis: 'contract', purpose: 'support', rules: { special: 'fpe', secret: 'fpe', public: 'keep' }, kinds: { cardCvv: 'drop' } } },
      { keys },
    );
    const inv = inventory(new Map([['order', schema]]), destinations, undefined);
    const ssn = inv[0]!.fields.find((f) => f.path === 'ssn')!;
    expect(ssn).toMatchObject({ form: 'ciphertext', reversible: true });
    expect(inv[0]!.fields.find((f) => f.path === 'id')!.reversible).toBeUndefined();
    expect(checkConfig('cfg.json', new Map([['order', schema]]), destinations).filter((f) => f.message.includes('in clear'))).toEqual([]);
  });
});

describe('fpe through protect', () => {
  it('a real vendor behind protect receives format-preserved values and none of the originals, in any encoding', async () => {
    const { createServer } = await import('node:http');
    const express = (await import('express')).default;
    const { protect } = await import('../../src/express/index.js');
    const { listen, startVendor } = await import('../helpers/vendor.js');
    const vendor = await startVendor();
    const destinations = defineDestinations(
      { crm: { vendor: 'CRM', region: 'DE', lawfulBasis: 'contract', purpose: 'billing', rules: { public: 'keep', personal: 'fpe', special: 'fpe', secret: 'fpe' }, kinds: { cardCvv: 'drop', postalCode: 'drop' } } },
      { keys },
    );
    const app = express();
    app.post('/crm', express.json(), protect({ schema, destinations, destination: 'crm' }), async (req, res) => {
      await fetch(vendor.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) }).then((r) => r.arrayBuffer());
      res.sendStatus(204);
    });
    const server = await listen(createServer(app));
    try {
      const planted = canaries();
      const r = await fetch(`${server.url}/crm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'o-1', ssn: planted.ssn, card: planted.card, email: planted.email, phone: planted.phone, cvv: '123', zip: '12345' }),
      });
      expect(r.status).toBe(204);
      const got = JSON.parse(vendor.received[0]!.body) as Record<string, string>;
      expect(Object.keys(got).sort()).toEqual(['card', 'email', 'id', 'phone', 'ssn']);
      expect(got['id']).toBe('o-1');
      expect(got['ssn']).toMatch(/^\d{3}-\d{2}-\d{4}$/);
      expect(got['card']).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
      expect(luhnOk(got['card']!.replace(/ /g, ''))).toBe(true);
      expect(got['email']!.slice(got['email']!.indexOf('@'))).toBe(planted.email.slice(planted.email.indexOf('@')));
      // The email's domain is kept by design; the address as a whole, like every other canary, never arrives.
      expect(findLeaks({ wire: vendor.wire() }, planted)).toEqual([]);
    } finally {
      await server.close();
      await vendor.close();
    }
  });
});
