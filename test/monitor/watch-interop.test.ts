// The watch a monitor carries under Symbol.for('fieldguard.monitor.watch') is called by every copy of fieldguard in the
// process (the ESM and CJS builds, and another version a dependency brings): outbound takes one object, and never throws.
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { crm, testClock } from './helpers.js';

describe("the monitor's watch, called as another copy of fieldguard calls it", () => {
  it('counts outbound({ report, bytes }) without throwing, with or without a report', async () => {
    const clock = testClock(0);
    const destinations = crm('https://crm.example');
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, audit: () => undefined });
    const watch = (monitor as unknown as Record<symbol, { outbound: (...a: unknown[]) => void }>)[Symbol.for('fieldguard.monitor.watch')]!;
    const counts = { kept: 0, dropped: 0, masked: 0, rejected: 0, scanned: 0, untagged: 0, hashed: 1, encrypted: 0, decrypted: 0, tokenized: 0, detokenized: 0, generalized: 0, shifted: 0, unresolved: 0 };
    const report = { ...counts, fields: [{ path: 'contacts[*].email', action: 'hash', count: 1, sensitivity: 'personal', kind: 'email', type: 'string' }] };
    expect(() => watch.outbound('crm', { report, bytes: 100 })).not.toThrow();
    expect(() => watch.outbound('crm', { report: undefined, bytes: 100 })).not.toThrow();
    clock.advance(1000);
    const snap = await monitor.snapshot();
    const window = snap.destinations['crm']![0]!;
    expect(window.counts).toMatchObject({ requests: 2, bytes: 200, fields: 1 });
    await monitor.close();
  });
});
