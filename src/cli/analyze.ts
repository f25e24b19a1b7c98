// What the CLI knows about a config: each destination's fields and their form, the risk score, and the findings of `check`.
import { untaggedLeaves, type FieldSchema } from '../schema/define.js';
import type { Destination, Destinations } from '../destinations/define.js';
import { FORM, type FlowForm, type FlowSnapshot } from '../destinations/flows.js';
import { destinationPlan } from '../middleware/protect.js';
import { decisionAt } from '../plan/api.js';
import type { LeafAction } from '../plan/compile.js';
import type { FieldTag } from '../schema/tags.js';

/** How a field reaches a destination. */
export type Form = FlowForm;

export interface InventoryField {
  readonly schema: string;
  readonly path: string;
  readonly sensitivity: string;
  readonly kind?: string;
  readonly form: Form;
  /** Set when the service can turn what the destination holds back into the value (encrypt, fpe, tokenize): still personal data (GDPR Art. 4(5)). */
  readonly reversible?: true;
  readonly retention?: string;
  readonly seen?: number;
}

export interface InventoryDestination {
  readonly name: string;
  readonly vendor: string;
  readonly region: string;
  readonly eea: boolean;
  readonly transfer: string;
  readonly lawfulBasis: string;
  readonly purpose: string;
  readonly certifications: readonly string[];
  readonly fields: readonly InventoryField[];
  readonly risk: { readonly score: number; readonly level: 'low' | 'medium' | 'high' };
}

/** Tagged leaves of a schema (a container is listed only when nothing below it is). */
export function leaves(schema: FieldSchema): Array<{ path: string; tag: FieldTag }> {
  const all = schema.fields();
  return all.filter((f) => !all.some((g) => g !== f && (g.path.startsWith(`${f.path}.`) || g.path.startsWith(`${f.path}[`))));
}

/** Actions whose output the service can reverse with its keys or vault. */
export const REVERSIBLE: ReadonlySet<LeafAction> = new Set<LeafAction>(['encrypt', 'fpe', 'tokenize']);

const WEIGHT: Readonly<Record<string, number>> = { public: 0, internal: 1, personal: 3, special: 8, secret: 15 };
const FORM_FACTOR: Readonly<Record<Form, number>> = { clear: 1, scanned: 1, masked: 0.3, token: 0.2, hash: 0.2, ciphertext: 0.1, generalized: 0.3, shifted: 0.5, dropped: 0, refused: 0 };

/**
 * The risk score, as documented in docs/inventory.md:
 * Σ weight(sensitivity) × factor(form) over the fields sent, × region factor (EEA 1, adequacy 1.2,
 * SCC or BCR 1.5, none 2.5), × 0.85 with any certification, × (1 + log10(1 + payloads) / 4) when
 * a flows export says how often the destination was used.
 */
export function riskScore(d: Destination, fields: readonly InventoryField[], payloads: number | undefined): { score: number; level: 'low' | 'medium' | 'high' } {
  const base = fields.reduce((sum, f) => sum + (WEIGHT[f.sensitivity] ?? 0) * FORM_FACTOR[f.form], 0);
  const region = d.eea ? 1 : d.transfer === 'adequacy' ? 1.2 : d.transfer === 'scc' || d.transfer === 'bcr' ? 1.5 : 2.5;
  const certs = (d.certifications ?? []).length > 0 ? 0.85 : 1;
  const volume = payloads === undefined ? 1 : 1 + Math.log10(1 + payloads) / 4;
  const score = Math.round(base * region * certs * volume * 10) / 10;
  return { score, level: score < 5 ? 'low' : score < 20 ? 'medium' : 'high' };
}

/** The inventory of every destination. */
export function inventory(schemas: ReadonlyMap<string, FieldSchema>, destinations: Destinations, flows: FlowSnapshot | undefined): InventoryDestination[] {
  return destinations.names.map((name) => {
    const d = destinations.get(name);
    const names = d.receives ?? [...schemas.keys()];
    const fields: InventoryField[] = [];
    for (const schemaName of names) {
      const schema = schemas.get(schemaName);
      if (schema === undefined) continue;
      // One compiled plan per destination and schema: the same one protect applies.
      const plan = destinationPlan(destinations, name, schema);
      for (const f of leaves(schema)) {
        const action = decisionAt(plan, f.path).action;
        const form = FORM[action];
        const seen = flows?.[name]?.fields.filter((x) => x.path === f.path).reduce((n, x) => n + x.count, 0);
        fields.push({
          schema: schemaName,
          path: f.path,
          sensitivity: f.tag.sensitivity,
          ...(f.tag.kind === undefined ? {} : { kind: f.tag.kind }),
          form,
          ...(REVERSIBLE.has(action) ? { reversible: true as const } : {}),
          ...(f.tag.retention === undefined ? {} : { retention: f.tag.retention }),
          ...(seen === undefined ? {} : { seen }),
        });
      }
    }
    return {
      name,
      vendor: d.vendor,
      region: d.region,
      eea: d.eea,
      transfer: d.transfer ?? 'none',
      lawfulBasis: d.lawfulBasis,
      purpose: d.purpose,
      certifications: d.certifications ?? [],
      fields,
      risk: riskScore(d, fields.filter((f) => f.form !== 'dropped' && f.form !== 'refused'), flows?.[name]?.payloads),
    };
  });
}

/** One finding of `check`: `file: path: message`. */
export interface Finding {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/** Findings about the config: untagged fields, special or secret data in clear, personal data in clear outside the EEA without a transfer mechanism. */
export function checkConfig(file: string, schemas: ReadonlyMap<string, FieldSchema>, destinations: Destinations): Finding[] {
  const out: Finding[] = [];
  for (const [name, schema] of schemas) {
    for (const path of untaggedLeaves(schema)) out.push({ file, path: `schemas.${name}.${path}`, message: 'untagged field: give it an x-sensitivity (or tag())' });
  }
  for (const d of inventory(schemas, destinations, undefined)) {
    for (const f of d.fields) {
      if (f.form !== 'clear' && f.form !== 'scanned') continue;
      if (f.sensitivity === 'special' || f.sensitivity === 'secret') {
        out.push({ file, path: `destinations.${d.name}`, message: `receives ${f.schema}.${f.path} (${f.sensitivity}${f.kind ? `, ${f.kind}` : ''}) in clear` });
      } else if (f.sensitivity === 'personal' && !d.eea && d.transfer === 'none') {
        out.push({ file, path: `destinations.${d.name}`, message: `region ${d.region} is outside the EEA with no transfer mechanism, but receives ${f.schema}.${f.path} (personal) in clear` });
      }
    }
  }
  return out;
}
