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

  it('gives each holder its own report, the latest left on it, and leaves nothing else visible', () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const ra = { kept: 1 } as unknown as Report;
    const rb = { kept: 2 } as unknown as Report;
    const rc = { kept: 3 } as unknown as Report;
    deferReport(a, 'fieldguard', () => ra);
    deferReport(b, 'fieldguard', () => rb);
    deferReport(b, 'fieldguard', () => rc);
    expect(b['fieldguard']).toBe(rc);
    expect(a['fieldguard']).toBe(ra);
    const c: Record<string, unknown> = { user: 1 };
    deferReport(c, 'fieldguard', () => ra);
    expect(Object.keys(c)).toEqual(['user', 'fieldguard']);
    expect({ ...c }).toEqual({ user: 1, fieldguard: ra });
    expect(Object.assign({}, c)).toEqual({ user: 1, fieldguard: ra });
    expect(Object.getOwnPropertySymbols({ ...c })).toEqual([]);
  });

  it('settles on the holder when read or assigned through an object that inherits from it', () => {
    const holder: Record<string, unknown> = {};
    deferReport(holder, 'fieldguard', () => built);
    const child = Object.create(holder) as Record<string, unknown>;
    expect(child['fieldguard']).toBe(built);
    expect(Object.getOwnPropertyDescriptor(holder, 'fieldguard')).toEqual({ value: built, writable: true, enumerable: true, configurable: true });
    const other: Record<string, unknown> = {};
    deferReport(other, 'fieldguard', () => built);
    (Object.create(other) as Record<string, unknown>)['fieldguard'] = 'mine';
    expect(Object.getOwnPropertyDescriptor(other, 'fieldguard')).toEqual({ value: 'mine', writable: true, enumerable: true, configurable: true });
  });
});
