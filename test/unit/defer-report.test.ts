// A report left on res.locals / ctx.state is built on first read, once, and reads like a plain value.
import { describe, expect, it } from 'vitest';
import { deferReport } from '../../src/middleware/exchange.js';
import type { Report } from '../../src/plan/walk.js';

const built = { kept: 1, fields: [{ path: 'id', action: 'keep', count: 1 }] } as unknown as Report;

describe('deferReport', () => {
  it('builds the report only when read, once, and keeps it as a plain property', () => {
    const locals: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    let reads = 0;
    deferReport(locals, 'fieldguard', () => {
      reads++;
      return built;
    });
    expect(reads).toBe(0);
    expect(locals['fieldguard']).toBe(built);
    expect(locals['fieldguard']).toBe(built);
    expect(reads).toBe(1);
    expect(Object.getOwnPropertyDescriptor(locals, 'fieldguard')).toEqual({ value: built, writable: true, enumerable: true, configurable: true });
  });

  it('serializes and spreads as the report, and an assignment replaces it without building it', () => {
    const state: Record<string, unknown> = {};
    deferReport(state, 'fieldguard', () => built);
    expect(JSON.parse(JSON.stringify(state))).toEqual({ fieldguard: { kept: 1, fields: [{ path: 'id', action: 'keep', count: 1 }] } });
    const other: Record<string, unknown> = {};
    let reads = 0;
    deferReport(other, 'fieldguard', () => {
      reads++;
      return built;
    });
    other['fieldguard'] = 'mine';
    expect(other['fieldguard']).toBe('mine');
    expect(reads).toBe(0);
  });
});
