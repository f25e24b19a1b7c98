// Key rings, and the hash / encrypt / decrypt / tokenize actions of the core's plans.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileDetokenize, compilePlan, compileTokenize, defineSchema, tag, type AuditEvent } from '../../src/index.js';
import { createVault, keyRing, memoryStore } from '../../src/vault/index.js';
import { thrown } from '../helpers/thrown.js';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64url');


describe('keyRing', () => {
  it('takes named 256-bit keys and never shows their bytes', async () => {
    const ring = keyRing({ keys: { k1: K1, 'k-2': K2 }, active: 'k-2' });
    expect(ring.active).toBe('k-2');
    expect(ring.ids).toEqual(['k-2', 'k1']);
    expect(JSON.stringify(ring)).toBe('{"active":"k-2","ids":["k-2","k1"]}');
    const { inspect } = await import('node:util');
    expect(inspect(ring)).toBe("KeyRing { active: 'k-2', ids: ['k-2', 'k1'] }");
  });

  it.each([
    [{ keys: { k1: Buffer.alloc(16).toString('base64') } }, /has 16 bytes; fieldguard needs 32/],
    [{ keys: { k1: 'not base64!' } }, /is not base64/],
    [{ keys: {} }, /at least one key/],
    [{ keys: { 'bad id': K1 } }, /must match/],
    [{ keys: { k1: K1 }, active: 'k9' }, /not in the ring/],
  ])('refuses %j with ERR_INVALID_KEY', (options, message) => {
    const e = thrown(() => keyRing(options));
    expect(e.code).toBe('ERR_INVALID_KEY');
    expect(e.message).toMatch(message);
  });

  it('reads id:base64 pairs from the environment, the first active', () => {
    const ring = keyRing.fromEnv('KEYS', { KEYS: `k2:${K2},k1:${K1}` });
    expect(ring.ids).toEqual(['k2', 'k1']);
    expect(thrown(() => keyRing.fromEnv('KEYS', {})).message).toMatch(/KEYS is not set/);
    expect(thrown(() => keyRing.fromEnv('KEYS', { KEYS: 'nocolon' })).code).toBe('ERR_INVALID_KEY');
  });
});

const schema = defineSchema(
  z.object({
    ssn: tag(z.string(), 'special', { kind: 'ssn' }),
    email: tag(z.string(), 'personal', { kind: 'email' }),
    age: tag(z.number(), 'personal'),
    id: tag(z.string(), 'public'),
  }),
);
const keys = keyRing({ keys: { k1: K1 } });

describe('hash, encrypt and decrypt', () => {
  it('hashes with a keyed, namespaced HMAC pseudonym', () => {
    const plan = compilePlan({ schema, keys, rules: [{ select: { atLeast: 'personal' }, action: 'hash' }, { select: { atLeast: 'public' }, action: 'keep' }] });
    const a = plan({ ssn: '123-45-6789', email: 'jane@example.com', age: 42, id: 'x' }).value as Record<string, string>;
    expect(a['ssn']).toMatch(/^hmac_k1_[A-Za-z0-9_-]{43}$/);
    expect(plan({ ssn: '123-45-6789' }).value).toEqual({ ssn: a['ssn'] });
    const other = compilePlan({ schema, keys, namespace: 'other', rules: [{ select: { atLeast: 'personal' }, action: 'hash' }] });
    expect((other({ ssn: '123-45-6789' }).value as Record<string, string>)['ssn']).not.toBe(a['ssn']);
    const otherKey = compilePlan({ schema, keys: keyRing({ keys: { k2: K2 } }), rules: [{ select: { atLeast: 'personal' }, action: 'hash' }] });
    expect((otherKey({ ssn: '123-45-6789' }).value as Record<string, string>)['ssn']).toMatch(/^hmac_k2_/);
    expect(JSON.stringify(a)).not.toContain('123-45-6789');
  });

  it('encrypts per field, decrypts back with types, and refuses a ciphertext moved to another field', () => {
    const events: AuditEvent[] = [];
    const enc = compilePlan({ schema, keys, rules: [{ select: { atLeast: 'personal' }, action: 'encrypt' }, { select: { atLeast: 'public' }, action: 'keep' }] });
    const dec = compilePlan({ schema, keys, audit: (e) => void events.push(e), rules: [{ select: { atLeast: 'personal' }, action: 'decrypt' }, { select: { atLeast: 'public' }, action: 'keep' }] });
    const input = { ssn: '123-45-6789', email: 'jane@example.com', age: 42, id: 'x' };
    const sealed = enc(input).value as Record<string, string>;
    expect(sealed['ssn']).toMatch(/^enc_k1_[A-Za-z0-9_-]+$/);
    expect(sealed['id']).toBe('x');
    expect(JSON.stringify(sealed)).not.toMatch(/123-45|jane|42,/);
    const opened = dec(sealed, { actor: 'job-7', purpose: 'export' });
    expect(opened.value).toEqual(input);
    expect(opened.report).toMatchObject({ decrypted: 3, unresolved: 0, kept: 1 });
    expect(events.at(-1)).toMatchObject({ actor: 'job-7', purpose: 'export', action: 'decrypt', count: 3, outcome: 'resolved', paths: ['ssn', 'email', 'age'] });
    const moved = dec({ ssn: sealed['email'], email: sealed['email'] });
    expect(moved.value).toEqual({ ssn: sealed['email'], email: 'jane@example.com' });
    expect(moved.report).toMatchObject({ decrypted: 1, unresolved: 1 });
    expect(events.at(-1)).toMatchObject({ outcome: 'partial', actor: 'unknown' });
  });

  it('refuses at start-up a rule that needs keys or a vault it was not given', () => {
    expect(thrown(() => compilePlan({ schema, rules: [{ select: {}, action: 'hash' }] })).message).toMatch(/needs keys/);
    expect(thrown(() => compilePlan({ schema, rules: [{ select: {}, action: 'tokenize' }] })).message).toMatch(/needs a vault/);
    expect(thrown(() => compilePlan({ schema, keys: {} as never, rules: [] })).code).toBe('ERR_INVALID_OPTIONS');
  });
});

describe('compileTokenize and compileDetokenize', () => {
  const vault = createVault({ store: memoryStore(), keys, audit: () => undefined });
  it('tokenize in one batch, keep types through the round trip, and never pollute prototypes', async () => {
    let calls = 0;
    const counting = { ...vault, tokenizeMany: (...a: Parameters<typeof vault.tokenizeMany>) => (calls++, vault.tokenizeMany(...a)) };
    const input = JSON.parse('{"ssn":"123-45-6789","email":"jane@example.com","age":42,"id":"x","__proto__":{"polluted":1}}');
    // Tokenizing sends data out: by default a key no tag covers is dropped.
    expect(Object.getOwnPropertyDescriptor((await compileTokenize({ schema, vault })(input)).value as object, '__proto__')).toBeUndefined();
    const tokenize = compileTokenize({ schema, vault: counting, untagged: 'keep' });
    const detokenize = compileDetokenize({ schema, vault });
    const t = await tokenize(input);
    expect(calls).toBe(1);
    const v = t.value as Record<string, unknown>;
    expect(v['ssn']).toMatch(/^tok_/);
    expect(v['age']).toMatch(/^tok_/);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(JSON.stringify(v)).not.toMatch(/123-45|jane/);
    const back = await detokenize(v, { actor: 'a', purpose: 'p' });
    expect(back.value).toEqual(input);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(back.report).toMatchObject({ detokenized: 3, unresolved: 0 });
  });
});
