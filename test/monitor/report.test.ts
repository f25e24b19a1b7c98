// `fieldguard report` over a real monitor snapshot and a flows() export: Markdown, JSON, SVG and Mermaid, kinds and counts only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createMonitor, defineDestinations } from '../../src/index.js';
import { watchOf } from '../../src/monitor/watch.js';
import { keys, testClock } from './helpers.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('fieldguard report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldguard-report-'));
  const state = join(dir, 'state.json');

  it('writes the trend of sensitive fields per destination and kind from a monitor snapshot', async () => {
    const clock = testClock(Date.UTC(2026, 0, 1));
    const destinations = defineDestinations(
      {
        crm: { vendor: 'CRM', baseUrl: 'https://crm.example', region: 'DE', lawfulBasis: 'contract', purpose: 'records', rules: { public: 'keep', personal: 'hash' } },
        mail: { vendor: 'Mailer', baseUrl: 'https://mail.example', region: 'IE', lawfulBasis: 'contract', purpose: 'mail', rules: { personal: 'keep' } },
      },
      { keys },
    );
    const monitor = createMonitor({ destinations, clock: clock.now, window: '1h', history: 6, warmup: 3, audit: () => undefined });
    const watch = watchOf(destinations)!;
    const base = { kept: 0, dropped: 0, masked: 0, rejected: 0, scanned: 0, untagged: 0, hashed: 0, encrypted: 0, decrypted: 0, tokenized: 0, detokenized: 0, generalized: 0, shifted: 0, unresolved: 0 };
    for (let w = 0; w < 4; w++) {
      for (let i = 0; i < 10 - 2 * w; i++) watch.outbound('crm', { report: { ...base, fields: [{ path: 'customer.email', action: 'hash', count: 1, sensitivity: 'personal', kind: 'email' }] }, bytes: 50 });
      watch.outbound('mail', { report: { ...base, fields: [{ path: 'to', action: 'keep', count: 2, sensitivity: 'personal', kind: 'email' }] }, bytes: 50 });
      clock.advance(3_600_000);
    }
    writeFileSync(state, JSON.stringify(await monitor.snapshot()));
    await monitor.close();

    const md = await run(['report', state]);
    expect(md.code).toBe(0);
    expect(md.out).toContain('| crm | email | hash | 28 | 4 | -44.4% |');
    expect(md.out).toContain('| mail | email | clear | 8 | 2 | 0% |');
    expect(md.out).toContain('```mermaid\nxychart-beta');
    const json = JSON.parse((await run(['report', state, '--format', 'json'])).out);
    expect(json.series[0]).toEqual({ destination: 'crm', kind: 'email', form: 'hash', total: 28, counts: [10, 8, 6, 4], trend: -44.4 });
    const mermaid = (await run(['report', state, '--format', 'mermaid'])).out;
    expect(mermaid).toBe('xychart-beta\n  title "Sensitive fields sent per window"\n  x-axis ["00:00", "01:00", "02:00", "03:00"]\n  y-axis "fields" 0 --> 10\n  line [10, 8, 6, 4]\n  line [2, 2, 2, 2]\n');
    const svg = (await run(['report', state, '--format', 'svg'])).out;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('>crm</text>');
  });

  it('reads a flows() export as totals, and refuses what it cannot read', async () => {
    const flowsFile = join(dir, 'flows.json');
    writeFileSync(flowsFile, JSON.stringify({ crm: { firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-02T00:00:00.000Z', payloads: 3, fields: [{ path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'token', count: 3 }, { path: 'id', sensitivity: 'public', form: 'clear', count: 3 }, { path: 'customer.ssn', kind: 'ssn', sensitivity: 'special', form: 'dropped', count: 3 }] } }));
    const md = await run(['report', flowsFile]);
    expect(md.out).toContain('| crm | email | token | 3 | 3 | — |');
    expect(md.out).not.toContain('customer.email');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"crm": 1}');
    expect(await run(['report', bad])).toMatchObject({ code: 2, err: 'fieldguard: bad.json is not a readable monitor snapshot or flows() export\n' });
    expect((await run(['report', state, '--format', 'png'])).code).toBe(2);
  });
});
