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

  it('writes no canary next to kept leaves the schema names, in any key order, after a renamed key, in lists, and where the payload strays from the schema', () => {
    const c = canaries();
    const key = canaries();
    const shaped = defineSchema({
      type: 'object',
      properties: {
        id: { type: 'string', 'x-sensitivity': 'public' },
        total: { type: 'number', 'x-sensitivity': 'public' },
        email: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'email' },
        card: { type: 'string', 'x-sensitivity': 'secret', 'x-kind': 'cardNumber' },
        items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string', 'x-sensitivity': 'public' }, note: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'freeText' } } } },
        address: { type: 'object', properties: { country: { type: 'string', 'x-sensitivity': 'public' }, street: { type: 'string', 'x-sensitivity': 'personal', 'x-kind': 'address' } } },
      },
    });
    const payloads = [
      { id: 'o-1', total: 5, email: c.email, card: c.card, items: [{ sku: 's-1', note: c.phone }, { note: c.name, sku: 's-2' }], address: { country: 'DE', street: c.name } },
      { card: c.card, email: c.email, total: 5, id: 'o-1', address: { street: c.name, country: 'DE' } },
      // Keys the sender chose, renamed by the detectors before the schema's keys (the entries are then held by name).
      { [key.email]: 'x', id: 'o-1', email: c.email, total: 1 },
      // A string where the schema has a scalar, an object where it has one, a scalar where it has an object.
      { id: { ssn: c.ssn, id: c.iban }, total: { card: c.card }, address: c.name, items: c.phone },
    ];
    for (const payload of payloads) {
      // Under untagged: 'keep' what no tag covers leaves as it came (the app asked for it): there the text is only held to the value walk's.
      const keepAll = compileMask({ schema: shaped, untagged: 'keep' });
      for (const plan of [compileScrub({ schema: shaped }), compileMask({ schema: shaped }), keepAll]) {
        const { text, report } = applyPlanText(plan, payload);
        expect(text).toBe(JSON.stringify(plan(payload).value));
        if (plan !== keepAll) expect(findLeaks({ text, report: JSON.stringify(report) }, [c, key])).toEqual([]);
      }
    }
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
