// Configuration that would fail open stops the start-up, with a message that says how to fix it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileMask, compilePlan, compileScrub, tag } from '../../src/index.js';
import * as fx from '../../src/express/index.js';
import * as fk from '../../src/koa/index.js';
import { orderSchema } from '../fixtures/order.js';
import { thrown } from '../helpers/thrown.js';


describe.each([
  ['express', fx],
  ['koa', fk],
])('%s factories', (_name, m) => {
  it('refuse a schema passed where options belong', () => {
    const e = thrown(() => m.scrubPII(orderSchema as never));
    expect(e.code).toBe('ERR_INVALID_OPTIONS');
    expect(e.message).toBe('scrubPII() takes an options object. Pass options: scrubPII({ schema })');
    expect(thrown(() => m.maskFields(undefined as never)).message).toBe('maskFields() takes an options object.');
  });

  it('refuse a raw zod schema and say to call defineSchema', () => {
    const e = thrown(() => m.scrubPII({ schema: z.object({ a: tag(z.string(), 'public') }) as never }));
    expect(e.message).toMatch(/`schema` must be a compiled FieldSchema: call defineSchema/);
  });

  it('refuse unknown options with a suggestion', () => {
    const e = thrown(() => m.scrubPII({ schema: orderSchema, untaged: 'keep' } as never));
    expect(e.message).toBe('scrubPII(): unknown option `untaged`. Did you mean `untagged`?');
    expect(e.issues).toEqual([{ path: ['untaged'], message: 'unknown option. Did you mean `untagged`?' }]);
    expect(thrown(() => m.maskFields({ schema: orderSchema, select: { atleast: 'personal' } } as never)).message).toBe(
      'maskFields(): unknown option `select.atleast`. Did you mean `atLeast`?',
    );
  });

  it('refuse an unknown sensitivity, kind, mode or target', () => {
    expect(thrown(() => m.scrubPII({ schema: orderSchema, allow: { sensitivity: 'privat' as 'public' } })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => m.maskFields({ schema: orderSchema, select: { kinds: ['mail' as 'email'] } })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => m.scrubPII({ schema: orderSchema, untagged: 'ignore' as 'keep' })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => m.scrubPII({ schema: orderSchema, target: 'headers' as 'body' })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => m.maskFields({ schema: orderSchema, on: 'both' as 'request' })).code).toBe('ERR_INVALID_OPTIONS');
  });

  it('refuse an invalid or polluting path at start-up', () => {
    expect(thrown(() => m.scrubPII({ schema: orderSchema, allow: { paths: ['customer..email'] } })).code).toBe('ERR_INVALID_PATH');
    expect(thrown(() => m.maskFields({ schema: orderSchema, select: { paths: ['__proto__.polluted'] } })).code).toBe('ERR_INVALID_PATH');
    expect(thrown(() => m.maskFields({ schema: orderSchema, formats: { paths: { 'a.constructor.prototype': () => 'x' } } })).code).toBe(
      'ERR_INVALID_PATH',
    );
  });

  it('name the middleware functions for stack traces', () => {
    expect(m.scrubPII({ schema: orderSchema }).name).toBe('scrubPIIMiddleware');
    expect(m.maskFields({ schema: orderSchema }).name).toBe('maskFieldsMiddleware');
    expect(m.maskFields({ schema: orderSchema, on: 'request' }).name).toBe('maskFieldsMiddleware');
  });
});

describe('core factories', () => {
  it('refuse an unknown action and non-function formats', () => {
    expect(thrown(() => compilePlan({ schema: orderSchema, rules: [{ select: {}, action: 'hide' as 'drop' }] })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => compileMask({ schema: orderSchema, formats: { kinds: { email: 'x' as never } } })).code).toBe('ERR_INVALID_OPTIONS');
    expect(thrown(() => compileScrub({ schema: orderSchema, maxDepth: 0 })).code).toBe('ERR_INVALID_OPTIONS');
  });
});
