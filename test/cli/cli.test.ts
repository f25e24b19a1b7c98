// The real fieldguard binary on fixture configs and OpenAPI files: output and exit codes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = `${root}/dist/cli.js`;

function run(cwd: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: `${root}/${cwd}`, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('fieldguard inventory', () => {
  it('prints the Markdown inventory of the multi-vendor example, from its TypeScript config', () => {
    const r = run('examples/multi-vendor', 'inventory');
    expect(r.code).toBe(0);
    expect(r.out).toContain('| analytics | Acme Analytics | US | scc | legitimate_interests | product analytics | SOC2 | 9.2 (medium) |');
    expect(r.out).toContain('| Order | `customer.email` | personal | email | token | P90D |');
    expect(r.out).toContain('| Order | `shipTo.street` | personal | address | clear | — |');
    expect(r.out).toContain('| Order | `customer.email` | personal | email | masked | P90D |');
    expect(r.out).toContain('```mermaid\nflowchart LR');
  });

  it('prints JSON and Mermaid', () => {
    const json = JSON.parse(run('examples/multi-vendor', 'inventory', '--format', 'json').out);
    expect(json.destinations.map((d: { name: string }) => d.name)).toEqual(['analytics', 'shipping', 'support']);
    expect(json.destinations[1].fields.find((f: { path: string }) => f.path === 'customer.phone').form).toBe('dropped');
    const mm = run('examples/multi-vendor', 'inventory', '--format', 'mermaid');
    expect(mm.out).toBe(
      [
        'flowchart LR',
        '  service["this service"]',
        '  analytics["Acme Analytics · US"]',
        '  service -->|"public, internal, identifier, email (token), name (token), phone (token), address (token), health (hash)"| analytics',
        '  shipping["ParcelCo · DE"]',
        '  service -->|"public, internal, identifier, name, address"| shipping',
        '  support["HelpDesk Inc · IE"]',
        '  service -->|"public, internal, identifier, email (masked), name (masked), phone (masked), address (masked)"| support',
        '',
      ].join('\n'),
    );
  });
});

describe('fieldguard check', () => {
  it('exits 0 with a one-line summary when clean', () => {
    const r = run('examples/multi-vendor', 'check');
    expect(r).toEqual({ code: 0, out: 'fieldguard check: 1 schemas, 3 destinations, 0 OpenAPI files: no findings\n', err: '' });
  });

  it('exits 1 with a line per finding: untagged fields, special data in clear, personal data in clear outside the EEA without a transfer', () => {
    const r = run('test/fixtures/cli/findings', 'check', '--openapi', '../openapi.yaml');
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      'fieldguard.config.mjs: schemas.Order.coupon: untagged field: give it an x-sensitivity (or tag())',
      'fieldguard.config.mjs: destinations.crm: region US is outside the EEA with no transfer mechanism, but receives Order.email (personal) in clear',
      'fieldguard.config.mjs: destinations.lab: receives Order.ssn (special, ssn) in clear',
      'openapi.yaml: POST /orders request: giftNote: property has no x-sensitivity',
      'openapi.yaml: POST /orders response 201: trackingUrl: property has no x-sensitivity',
    ]);
    const json = JSON.parse(run('test/fixtures/cli/findings', 'check', '--format', 'json').out);
    expect(json.findings).toHaveLength(3);
    expect(json.findings[0]).toEqual({ file: 'fieldguard.config.mjs', path: 'schemas.Order.coupon', message: 'untagged field: give it an x-sensitivity (or tag())' });
  });

  it('exits 2 with a clear message, never a stack trace, on bad config', () => {
    for (const [cwd, args, message] of [
      ['test/fixtures/cli/bad', ['check'], /fieldguard\.config\.mjs could not be loaded/],
      ['test/fixtures/cli/notschema', ['check'], /schemas\.Order is not a schema/],
      ['test/fixtures/cli', ['check'], /no fieldguard\.config\.\{ts,mts,mjs,js\} in this folder/],
      ['test/fixtures/cli', ['check', '--config', 'missing.mjs'], /config file not found: missing\.mjs/],
      ['examples/multi-vendor', ['inventory', '--format', 'pdf'], /--format for inventory is md, json or mermaid/],
      ['examples/multi-vendor', ['launch'], /unknown command "launch"/],
    ] as const) {
      const r = run(cwd, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('fieldguard inventory --flows', () => {
  it('adds what was seen at run time to the fields and the risk score', async () => {
    const { writeFileSync, rmSync } = await import('node:fs');
    const file = `${root}/examples/multi-vendor/.flows-test.json`;
    writeFileSync(
      file,
      JSON.stringify({ analytics: { firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-29T00:00:00.000Z', payloads: 999, fields: [{ path: 'customer.email', kind: 'email', sensitivity: 'personal', form: 'token', count: 999 }] } }),
    );
    try {
      const json = JSON.parse(run('examples/multi-vendor', 'inventory', '--format', 'json', '--flows', '.flows-test.json').out);
      const analytics = json.destinations[0];
      expect(analytics.fields.find((f: { path: string }) => f.path === 'customer.email').seen).toBe(999);
      // 9.2 × (1 + log10(1000) / 4) = 9.2 × 1.75
      expect(analytics.risk).toEqual({ score: 16.1, level: 'medium' });
      const bad = run('examples/multi-vendor', 'inventory', '--flows', 'nope.json');
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--flows nope\.json is not a readable flows\(\) export/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
