#!/usr/bin/env node
// The fieldguard command: `inventory` (which data goes to which vendor, in what form) and `check` (the CI gate).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defineDestinations, isDestinations, type Destinations, type DestinationDeclaration } from '../destinations/define.js';
import type { FlowSnapshot } from '../destinations/flows.js';
import { FieldguardError } from '../errors.js';
import { defineSchema, untaggedLeaves, type FieldSchema } from '../schema/define.js';
import { createVault } from '../vault/vault.js';
import { keyRing } from '../vault/keys.js';
import { memoryStore } from '../vault/memory-store.js';
import { checkConfig, inventory, type Finding, type InventoryDestination } from './analyze.js';
import { riskCommand, RISK_USAGE } from './risk.js';
import { readKpiReport, renderReport, type ReportFormat } from './report.js';

const USAGE = `usage: fieldguard <command> [options]

commands:
  inventory [--format md|json|mermaid] [--flows flows.json]   which fields reach which destination, in what form
  check [--openapi spec.yaml …] [--format text|json]          exit 1 on untagged fields or data sent in clear where it must not be
${RISK_USAGE}
  report <state.json> [--format md|json|svg|mermaid]            sensitive fields sent per destination and kind over time, from monitor.snapshot() or flows()

options:
  --config <file>   the config module (default: fieldguard.config.{ts,mts,mjs,js} in this folder)
`;

class ConfigError extends Error {}

interface Config {
  readonly file: string;
  readonly schemas: Map<string, FieldSchema>;
  readonly destinations: Destinations;
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (/\.(?:ts|mts|cts)$/.test(file)) {
    let api: { tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>> };
    try {
      api = (await import('tsx/esm/api')) as unknown as typeof api;
    } catch {
      throw new ConfigError(`${basename(file)} is TypeScript: install tsx to load it without a build step (npm install -D tsx), or use fieldguard.config.mjs`);
    }
    return api.tsImport(url, import.meta.url);
  }
  return (await import(url)) as Record<string, unknown>;
}

async function loadConfig(configPath: string | undefined): Promise<Config> {
  const candidates = configPath !== undefined ? [resolve(configPath)] : ['ts', 'mts', 'mjs', 'js'].map((ext) => resolve(`fieldguard.config.${ext}`));
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) {
    throw new ConfigError(configPath !== undefined ? `config file not found: ${configPath}` : 'no fieldguard.config.{ts,mts,mjs,js} in this folder; pass --config <file>');
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const first = e instanceof Error ? e.message.split('\n')[0] : 'it threw';
    throw new ConfigError(`${basename(file)} could not be loaded: ${first}`);
  }
  const exported = (mod['default'] !== undefined && mod['schemas'] === undefined ? mod['default'] : mod) as Record<string, unknown>;
  const rawSchemas = exported['schemas'];
  if (rawSchemas === null || typeof rawSchemas !== 'object') throw new ConfigError(`${basename(file)} must export schemas: { Name: zod schema | JSON Schema | FieldSchema }`);
  const schemas = new Map<string, FieldSchema>();
  for (const [name, s] of Object.entries(rawSchemas)) {
    try {
      schemas.set(name, defineSchema(s));
    } catch (e) {
      throw new ConfigError(`${basename(file)}: schemas.${name} is not a schema: ${e instanceof FieldguardError ? e.message : 'unreadable'}`);
    }
  }
  const rawDest = exported['destinations'];
  let destinations: Destinations;
  if (isDestinations(rawDest)) destinations = rawDest;
  else if (rawDest !== null && typeof rawDest === 'object') {
    try {
      // The CLI only reads policies; a throwaway vault and key let tokenizing and hashing policies be declared.
      const keys = keyRing({ keys: { cli: randomBytes(32).toString('base64') } });
      destinations = defineDestinations(rawDest as Record<string, DestinationDeclaration>, { vault: createVault({ store: memoryStore(), keys, audit: () => undefined }) });
    } catch (e) {
      throw new ConfigError(`${basename(file)}: destinations: ${e instanceof FieldguardError ? e.message : 'invalid'}`);
    }
  } else {
    throw new ConfigError(`${basename(file)} must export destinations (defineDestinations(…) or their declarations)`);
  }
  return { file: basename(file), schemas, destinations };
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function mermaid(inv: readonly InventoryDestination[]): string {
  const lines = ['flowchart LR', '  service["this service"]'];
  for (const d of inv) {
    const sent = d.fields.filter((f) => f.form !== 'dropped');
    const kinds = [...new Set(sent.map((f) => `${f.kind ?? f.sensitivity}${f.form === 'clear' ? '' : ` (${f.form})`}`))];
    const label = kinds.length === 0 ? 'nothing personal' : kinds.join(', ');
    lines.push(`  ${d.name}["${d.vendor} · ${d.region}"]`, `  service -->|"${label.replace(/"/g, "'")}"| ${d.name}`);
  }
  return lines.join('\n');
}

function markdown(cfg: Config, inv: readonly InventoryDestination[]): string {
  const out = [`# Data inventory`, '', `From \`${cfg.file}\`: ${cfg.schemas.size} schemas, ${inv.length} destinations. Risk scores follow the formula in fieldguard's docs/inventory.md.`, ''];
  out.push('| destination | vendor | region | transfer | lawful basis | purpose | certifications | risk |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const d of inv) {
    out.push(`| ${d.name} | ${cell(d.vendor)} | ${d.region}${d.eea ? ' (EEA)' : ''} | ${d.transfer} | ${d.lawfulBasis} | ${cell(d.purpose)} | ${d.certifications.join(', ') || '—'} | ${d.risk.score} (${d.risk.level}) |`);
  }
  for (const d of inv) {
    out.push('', `## ${d.name}: ${d.vendor}`, '', '| schema | field | sensitivity | kind | form | retention |' + (d.fields.some((f) => f.seen !== undefined) ? ' seen |' : ''), '| --- | --- | --- | --- | --- | --- |' + (d.fields.some((f) => f.seen !== undefined) ? ' ---: |' : ''));
    for (const f of d.fields) out.push(`| ${f.schema} | \`${f.path}\` | ${f.sensitivity} | ${f.kind ?? '—'} | ${f.form} | ${f.retention ?? '—'} |` + (f.seen !== undefined ? ` ${f.seen} |` : ''));
  }
  out.push('', '## Data flows', '', '```mermaid', mermaid(inv), '```', '');
  return out.join('\n');
}

type Spec = Record<string, unknown>;

async function readSpec(file: string): Promise<Spec> {
  const text = readFileSync(file, 'utf8');
  if (/\.ya?ml$/i.test(file)) {
    let yaml: { parse: (t: string) => unknown };
    try {
      yaml = (await import('yaml')) as unknown as typeof yaml;
    } catch {
      throw new ConfigError(`${basename(file)} is YAML: install yaml to read it (npm install -D yaml), or pass the JSON form`);
    }
    return yaml.parse(text) as Spec;
  }
  return JSON.parse(text) as Spec;
}

async function checkOpenApi(file: string): Promise<Finding[]> {
  let spec: Spec;
  try {
    spec = await readSpec(file);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${basename(file)} is not a readable OpenAPI document`);
  }
  const out: Finding[] = [];
  const paths = (spec['paths'] ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const name = basename(file);
  for (const [route, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops ?? {})) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'options', 'head'].includes(method) || op === null || typeof op !== 'object') continue;
      const bodies: Array<[string, unknown]> = [];
      const content = (op['requestBody'] as { content?: Record<string, { schema?: unknown }> } | undefined)?.content ?? {};
      for (const c of Object.values(content)) bodies.push(['request', c.schema]);
      for (const [status, r] of Object.entries((op['responses'] ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }> }>)) {
        for (const c of Object.values(r?.content ?? {})) bodies.push([`response ${status}`, c.schema]);
      }
      for (const [where, schema] of bodies) {
        if (schema === undefined) continue;
        let compiled: FieldSchema;
        try {
          compiled = defineSchema(schema, { document: spec });
        } catch (e) {
          out.push({ file: name, path: `${method.toUpperCase()} ${route} ${where}`, message: e instanceof FieldguardError ? e.message : 'invalid schema' });
          continue;
        }
        for (const p of untaggedLeaves(compiled)) out.push({ file: name, path: `${method.toUpperCase()} ${route} ${where}: ${p}`, message: 'property has no x-sensitivity' });
      }
    }
  }
  return out;
}

/** Runs the CLI; returns the exit code (0 clean, 1 findings, 2 usage or config error). */
export async function main(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  if (argv[0] === 'risk') return riskCommand(argv.slice(1), { ...io, schemas: async (p) => (await loadConfig(p)).schemas });
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        format: { type: 'string' },
        flows: { type: 'string' },
        openapi: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`fieldguard: ${e instanceof Error ? e.message : 'bad arguments'}\n\n${USAGE}`);
    return 2;
  }
  const [command] = args.positionals;
  if (args.values['help'] === true || command === undefined) {
    io.out(USAGE);
    return command === undefined && args.values['help'] !== true ? 2 : 0;
  }
  try {
    if (command === 'inventory') {
      const format = (args.values['format'] as string | undefined) ?? 'md';
      if (!['md', 'json', 'mermaid'].includes(format)) throw new ConfigError(`--format for inventory is md, json or mermaid, not ${format}`);
      const cfg = await loadConfig(args.values['config'] as string | undefined);
      let flowsData: FlowSnapshot | undefined;
      if (args.values['flows'] !== undefined) {
        try {
          flowsData = JSON.parse(readFileSync(String(args.values['flows']), 'utf8')) as FlowSnapshot;
        } catch {
          throw new ConfigError(`--flows ${String(args.values['flows'])} is not a readable flows() export`);
        }
      }
      const inv = inventory(cfg.schemas, cfg.destinations, flowsData);
      io.out(format === 'json' ? `${JSON.stringify({ config: cfg.file, destinations: inv }, null, 2)}\n` : format === 'mermaid' ? `${mermaid(inv)}\n` : markdown(cfg, inv));
      return 0;
    }
    if (command === 'check') {
      const format = (args.values['format'] as string | undefined) ?? 'text';
      if (!['text', 'json'].includes(format)) throw new ConfigError(`--format for check is text or json, not ${format}`);
      const cfg = await loadConfig(args.values['config'] as string | undefined);
      const findings = checkConfig(cfg.file, cfg.schemas, cfg.destinations);
      const specs = (args.values['openapi'] as string[] | undefined) ?? [];
      for (const spec of specs) {
        if (!existsSync(spec)) throw new ConfigError(`OpenAPI file not found: ${spec}`);
        findings.push(...(await checkOpenApi(spec)));
      }
      if (format === 'json') io.out(`${JSON.stringify({ findings }, null, 2)}\n`);
      else if (findings.length > 0) io.out(findings.map((f) => `${f.file}: ${f.path}: ${f.message}\n`).join(''));
      else io.out(`fieldguard check: ${cfg.schemas.size} schemas, ${cfg.destinations.names.length} destinations, ${specs.length} OpenAPI files: no findings\n`);
      return findings.length > 0 ? 1 : 0;
    }
    if (command === 'report') {
      const format = (args.values['format'] as string | undefined) ?? 'md';
      if (!['md', 'json', 'svg', 'mermaid'].includes(format)) throw new ConfigError(`--format for report is md, json, svg or mermaid, not ${format}`);
      const file = args.positionals[1] ?? (args.values['flows'] as string | undefined);
      if (file === undefined) throw new ConfigError('report needs a file: fieldguard report state.json (from monitor.snapshot() or flows())');
      let kpis: ReturnType<typeof readKpiReport>;
      try {
        kpis = readKpiReport(file);
      } catch {
        throw new ConfigError(`${basename(file)} is not a readable monitor snapshot or flows() export`);
      }
      io.out(renderReport(kpis, format as ReportFormat));
      return 0;
    }
    io.err(`fieldguard: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  } catch (e) {
    io.err(`fieldguard: ${e instanceof ConfigError ? e.message : e instanceof FieldguardError ? e.message : 'unexpected failure'}\n`);
    return 2;
  }
}

if (process.argv[1] !== undefined && /(?:^|[/\\])(?:cli\.(?:c?js|ts)|fieldguard)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 2;
    },
  );
}
