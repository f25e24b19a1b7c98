// After warm-up, answers are read for their shape on a sample: every answer while learning, then one per destination per 100 ms of the monitor's clock.
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { ANSWER_SAMPLE_MS, watchOf } from '../../src/monitor/watch.js';
import { crm, testClock } from './helpers.js';

describe('the answers read for their shape', () => {
  it('are every answer during warm-up and the first ones, then one per destination per 100 ms', async () => {
    const clock = testClock(0);
    const destinations = crm('https://crm.example');
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 4, warmup: 2, audit: () => undefined });
    const watch = watchOf(destinations)!;
    // Warm-up: every answer.
    expect([1, 2, 3].map(() => watch.sampleAnswer('crm'))).toEqual([true, true, true]);
    // The first answers learned, past warm-up.
    for (let i = 0; i < 4; i++) watch.response('crm', { id: 'c1', status: 'active' });
    clock.advance(2000);
    expect([1, 2, 3].map(() => watch.sampleAnswer('crm'))).toEqual([true, false, false]);
    clock.advance(ANSWER_SAMPLE_MS - 1);
    expect(watch.sampleAnswer('crm')).toBe(false);
    clock.advance(1);
    expect(watch.sampleAnswer('crm')).toBe(true);
    // Each destination on its own.
    expect(watch.sampleAnswer('other')).toBe(true);
    await monitor.close();
  });
});
