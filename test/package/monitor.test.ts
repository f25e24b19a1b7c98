// fieldguard/monitor through the exports map, from ESM and CJS: the same names, and one monitor attached across both builds.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const node = (args: string[]): string => execFileSync(process.execPath, ['--disallow-code-generation-from-strings', ...args], { cwd: root, encoding: 'utf8' });

const NAMES = ['HyperLogLog', 'MAX_LEARNED', 'SIGNALS', 'baselineOf', 'createMonitor', 'hash32', 'memoryMonitorStore', 'redisMonitorStore', 'scoreOf'];
const DESTS = "{ crm: { vendor: 'CRM', region: 'DE', lawfulBasis: 'contract', purpose: 'records', rules: { public: 'keep' } } }";

describe('fieldguard/monitor', () => {
  it('loads from ESM, and an ESM monitor on a CJS registry is the one the CJS guards see', () => {
    const out = JSON.parse(
      node([
        '--input-type=module',
        '-e',
        `import * as m from 'fieldguard/monitor';
         import { defineDestinations, createMonitor } from 'fieldguard';
         import { createRequire } from 'node:module';
         const cjs = createRequire(import.meta.url)('fieldguard');
         const destinations = cjs.defineDestinations(${DESTS});
         const monitor = createMonitor({ destinations, clock: () => 0, audit: () => {} });
         const seen = globalThis[Symbol.for('fieldguard.monitor.attached')].has(destinations);
         destinations.suspend('crm', 'test');
         console.log(JSON.stringify({ names: Object.keys(m).sort(), same: m.createMonitor === createMonitor, seen, suspended: destinations.suspension('crm').reason }));
         await monitor.close();`,
      ]),
    );
    expect(out).toEqual({ names: NAMES, same: true, seen: true, suspended: 'test' });
  });
  it('requires from CJS', () => {
    const out = JSON.parse(node(['-e', "const m = require('fieldguard/monitor'); console.log(JSON.stringify(Object.keys(m).sort()))"]));
    expect(out).toEqual(NAMES);
  });
});
