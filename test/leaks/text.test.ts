// The text entry leaks nothing the value entry hides: canaries in tagged, untagged, renamed-key and kept-whole positions, in every encoding.
import { describe, expect, it } from 'vitest';
import { applyPlanText, compileMask, compileScrub, defineSchema, redactor } from '../../src/index.js';
import { canaries, findLeaks } from './canaries.js';

const schema = defineSchema({
  type: 'object',
  properties: {
    id: { type: 'string', 'x-sensitivity': 'public' },
    customer: {
      type: 'object',
      properties: {
        email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' },
        card: { type: 'string', 'x-sensitivity': 'secret', 'x-kind': 'cardNumber' },
      },
    },
    tags: { type: 'array', items: { type: 'string', 'x-sensitivity': 'public' } },
    attributes: { type: 'object', additionalProperties: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'name' } },
  },
});

describe('applyPlanText leaks nothing', () => {
  it('scrub and mask write no canary, where it was a value, a key the sender chose or a kept subtree', () => {
    const c = canaries();
    const payload = {
      id: 'o-1',
      customer: { email: c.email, card: c.card, [c.email]: c.ssn, extra: { note: c.phone } },
      tags: ['web'],
      attributes: { color: c.name },
      unknown: { deep: [c.iban, { x: c.jwt }] },
    };
    const scrubbed = applyPlanText(compileScrub({ schema }), payload);
    expect(scrubbed.text).toBe('{"id":"o-1","customer":{},"tags":["web"],"attributes":{}}');
    const masked = applyPlanText(compileMask({ schema }), payload);
    expect(masked.text).toBe(JSON.stringify(compileMask({ schema })(payload).value));
    const reports = JSON.stringify([scrubbed.report, masked.report]);
    expect(findLeaks({ scrubbed: scrubbed.text, masked: masked.text, reports }, c)).toEqual([]);
  });

  it("the log redactor's line carries no canary, in cycles and Errors too", () => {
    const c = canaries();
    const line: Record<string, unknown> = { order: { customer: { email: c.email } }, err: new Error(`failed for ${c.email}`), headers: { authorization: `Bearer ${c.jwt}` }, note: `call ${c.phone}` };
    line['self'] = line;
    const text = redactor(schema)(line);
    expect(JSON.parse(text).self).toBe('[Circular]');
    expect(findLeaks({ line: text }, c)).toEqual([]);
  });
});
