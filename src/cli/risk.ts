// `fieldguard risk <file.jsonl> --schema <name> [--k 5]`: k, l, a class-size chart and the generalization needed, from a batch export.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { FieldguardError } from '../errors.js';
import type { FieldSchema } from '../schema/define.js';
import { anonymize } from '../techniques/anonymize.js';
import { assessRisk, type RiskReport } from '../techniques/risk.js';

/** What the risk command needs of the CLI: where to write, and the config's schemas. */
export interface RiskIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly schemas: (configPath: string | undefined) => Promise<ReadonlyMap<string, FieldSchema>>;
}

/** The command's line in the CLI's usage. */
export const RISK_USAGE = '  risk <file.jsonl> --schema <name> [--k 5] [--format json]   k, l and class sizes of a batch; exit 1 below --k\n';

/** The records of a JSON Lines file; a line that is not JSON is named by its number, never shown. */
function readJsonl(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`cannot read ${basename(file)}`);
  }
  const out: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch {
      throw new Error(`${basename(file)}: line ${i + 1} is not JSON`);
    }
  });
  return out;
}

const BUCKETS: ReadonlyArray<readonly [number, number, string]> = [
  [1, 1, '1'],
  [2, 2, '2'],
  [3, 4, '3-4'],
  [5, 9, '5-9'],
  [10, 19, '10-19'],
  [20, 49, '20-49'],
  [50, 99, '50-99'],
  [100, Infinity, '100+'],
];

/** A horizontal bar chart of records by the size of their class: the short bars at the top are the re-identifiable ones. */
export function classChart(r: RiskReport, width = 40): string {
  const rows = BUCKETS.map(([lo, hi, label]) => {
    const sizes = r.distribution.filter((d) => d.size >= lo && d.size <= hi);
    return { label, records: sizes.reduce((s, d) => s + d.records, 0), classes: sizes.reduce((s, d) => s + d.classes, 0), below: hi < r.target };
  });
  const max = Math.max(1, ...rows.map((x) => x.records));
  const lines = ['class size  records'];
  for (const x of rows) {
    const bar = x.records === 0 ? '' : '█'.repeat(Math.max(1, Math.round((x.records / max) * width)));
    lines.push(`${x.label.padStart(10)}  ${bar.padEnd(width)} ${x.records} in ${x.classes} ${x.classes === 1 ? 'class' : 'classes'}${x.below && x.records > 0 ? '  < k' : ''}`);
  }
  return lines.join('\n');
}

/** Runs `fieldguard risk`; returns the exit code (0: k reached, 1: below --k, 2: usage or input error). */
export async function riskCommand(argv: readonly string[], io: RiskIo): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs({ args: [...argv], allowPositionals: true, options: { config: { type: 'string' }, schema: { type: 'string' }, k: { type: 'string' }, format: { type: 'string' } } });
  } catch (e) {
    io.err(`fieldguard risk: ${e instanceof Error ? e.message : 'bad arguments'}\n\nusage:\n${RISK_USAGE}`);
    return 2;
  }
  try {
    const [file, extra] = args.positionals;
    const name = args.values['schema'] as string | undefined;
    if (file === undefined || extra !== undefined || name === undefined) throw new Error(`usage:\n${RISK_USAGE}`);
    const kText = (args.values['k'] as string | undefined) ?? '5';
    const k = Number(kText);
    if (!Number.isInteger(k) || k < 2) throw new Error(`--k must be an integer of at least 2, not ${JSON.stringify(kText.slice(0, 20))}`);
    const format = (args.values['format'] as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new Error(`--format for risk is text or json, not ${JSON.stringify(format.slice(0, 20))}`);
    const schemas = await io.schemas(args.values['config'] as string | undefined);
    const schema = schemas.get(name);
    if (schema === undefined) throw new Error(`no schema named ${JSON.stringify(name)} in the config; it has: ${[...schemas.keys()].join(', ')}`);
    const records = readJsonl(file);
    const risk = assessRisk(records, { schema, k });
    const needed = risk.k >= k || records.length === 0 ? undefined : anonymize(records, { schema, k }).report;
    if (format === 'json') {
      io.out(`${JSON.stringify({ file: basename(file), schema: name, target: k, risk, ...(needed === undefined ? {} : { generalization: needed }) }, null, 2)}\n`);
    } else {
      const lines = [
        `${basename(file)}: ${risk.records} records, schema ${name}`,
        `quasi-identifiers: ${risk.quasiIdentifiers.join(', ') || '(none)'}`,
        `k = ${risk.k} (target ${k})${risk.k >= k ? '' : `: ${risk.atRisk} records in classes smaller than ${k}, ${risk.unique} unique`}`,
        ...(risk.sensitive.length === 0 ? ['l: no sensitive attributes'] : risk.sensitive.map((s) => `l(${s}) = ${risk.l[s]}`)),
        '',
        classChart(risk),
        '',
        'drivers (k and unique records without each quasi-identifier):',
        ...risk.drivers.map((d) => `  ${d.path}: ${d.distinct} distinct values; without it k = ${d.kWithout}, ${d.uniqueWithout} unique`),
        '',
      ];
      if (needed === undefined) lines.push(`generalization needed: none, k ${risk.k} ≥ ${k}`);
      else {
        lines.push(`generalization needed for k = ${k} (anonymize reaches k = ${needed.k}, information lost ${(needed.informationLoss * 100).toFixed(1)}%):`);
        for (const f of needed.fields) lines.push(`  ${f.path}: level ${f.level}, ${f.label}`);
        for (const p of needed.dropped) lines.push(`  ${p}: dropped (inside an array)`);
        lines.push(`  suppress ${needed.suppressed} of ${needed.records} records`);
      }
      io.out(`${lines.join('\n')}\n`);
    }
    return risk.k >= k ? 0 : 1;
  } catch (e) {
    io.err(`fieldguard risk: ${e instanceof Error ? e.message : 'unexpected failure'}\n`);
    return 2;
  }
}
