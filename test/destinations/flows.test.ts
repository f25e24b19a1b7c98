// The runtime inventory's counting: recurring paths, forms per path, and the cap on distinct paths.
import { afterEach, describe, expect, it } from 'vitest';
import { flows, MAX_FLOW_PATHS, OTHER_PATHS, recordFlow } from '../../src/destinations/flows.js';
import type { Report } from '../../src/plan/walk.js';

type Field = Report['fields'][number];

function report(fields: readonly Partial<Field>[]): Report {
  return { fields: fields.map((f) => ({ path: 'a', action: 'keep', count: 1, ...f }) as Field) } as unknown as Report;
}

afterEach(() => flows.reset());

describe('recordFlow', () => {
  it('adds the counts of a path that recurs, per form, keeping the kind and sensitivity first seen', () => {
    recordFlow('crm', report([{ path: 'customer.email', action: 'tokenize', kind: 'email', sensitivity: 'personal', count: 1 }, { path: 'customer.email', action: 'drop', count: 2 }]), 1000);
    recordFlow('crm', report([{ path: 'customer.email', action: 'tokenize', kind: 'email', sensitivity: 'personal', count: 3 }]), 2000);
    expect(flows()).toEqual({
      crm: {
        firstSeen: new Date(1000).toISOString(),
        lastSeen: new Date(2000).toISOString(),
        payloads: 2,
        fields: [
          { path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'token', count: 4 },
          { path: 'customer.email', form: 'dropped', count: 2 },
        ],
      },
    });
  });

  it('counts paths past the cap together, also when they recur', () => {
    const many = Array.from({ length: MAX_FLOW_PATHS + 5 }, (_, i) => ({ path: `p${i}`, action: 'keep' as const, count: 1 }));
    recordFlow('wide', report(many), 0);
    recordFlow('wide', report(many), 0);
    const fields = flows()['wide']!.fields;
    expect(fields).toHaveLength(MAX_FLOW_PATHS + 1);
    expect(fields[0]).toEqual({ path: 'p0', form: 'clear', count: 2 });
    expect(fields.at(-1)).toEqual({ path: OTHER_PATHS, form: 'clear', count: 10 });
  });
});
