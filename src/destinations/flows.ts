// The runtime inventory: which fields of which kinds went to which destination in which form, counted in memory.
import type { LeafAction } from '../plan/compile.js';
import type { Report } from '../plan/walk.js';

/** Most distinct paths kept per destination; further ones are counted together under {@link OTHER_PATHS}. */
export const MAX_FLOW_PATHS = 1000;
/** The path under which flows past {@link MAX_FLOW_PATHS} are aggregated. */
export const OTHER_PATHS = '(other paths)';

/** How a field left the service. `scanned`: sent after the detectors masked what they found in it. */
export type FlowForm = 'clear' | 'scanned' | 'masked' | 'token' | 'hash' | 'ciphertext' | 'generalized' | 'shifted' | 'dropped' | 'refused';

/** One path's flow to one destination. */
export interface FlowField {
  readonly path: string;
  readonly kind?: string;
  readonly sensitivity?: string;
  readonly form: FlowForm;
  readonly count: number;
}

/** Everything seen for one destination. */
export interface DestinationFlows {
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Payloads sent. */
  readonly payloads: number;
  readonly fields: readonly FlowField[];
}

/** A snapshot of the runtime inventory, by destination name. */
export type FlowSnapshot = Readonly<Record<string, DestinationFlows>>;

/** The form each plan action sends a field in: one table for the runtime inventory and the CLI. */
export const FORM: Readonly<Record<LeafAction, FlowForm>> = {
  keep: 'clear',
  scan: 'scanned',
  decrypt: 'clear',
  detokenize: 'clear',
  mask: 'masked',
  tokenize: 'token',
  hash: 'hash',
  encrypt: 'ciphertext',
  generalize: 'generalized',
  shiftDates: 'shifted',
  fpe: 'ciphertext',
  drop: 'dropped',
  reject: 'refused',
};

interface Field {
  path: string;
  kind: string | undefined;
  sensitivity: string | undefined;
  form: FlowForm;
  count: number;
}

interface Entry {
  firstSeen: number;
  lastSeen: number;
  payloads: number;
  fields: Map<string, Field>;
  /** The same fields by path, then form: a report's paths recur on every payload, and this finds them without building a key. */
  byPath?: Map<string, Partial<Record<FlowForm, Field>>>;
}

const KEY = Symbol.for('fieldguard.flows');
type Holder = { [KEY]?: Map<string, Entry> };
// Shared by the ESM and CJS builds, like the schema registry.
const store: Map<string, Entry> = ((globalThis as Holder)[KEY] ??= new Map());

/** Adds one enforcement's report to the inventory. Counts, paths and kinds only. */
export function recordFlow(destination: string, report: Report, now = Date.now()): void {
  let e = store.get(destination);
  if (e === undefined) store.set(destination, (e = { firstSeen: now, lastSeen: now, payloads: 0, fields: new Map() }));
  e.lastSeen = now;
  e.payloads++;
  // Made here, not only with the entry: another copy of fieldguard (the other module format) may share this store.
  const byPath = (e.byPath ??= new Map());
  for (const f of report.fields) {
    const form = FORM[f.action] ?? 'clear';
    const known = byPath.get(f.path)?.[form];
    if (known !== undefined) {
      known.count += f.count;
      continue;
    }
    let key = `${f.path}\0${form}`;
    let existing = e.fields.get(key);
    if (existing === undefined && e.fields.size >= MAX_FLOW_PATHS) {
      // Bounded in memory: past the cap, flows are aggregated per form.
      key = `${OTHER_PATHS}\0${form}`;
      existing = e.fields.get(key);
      if (existing === undefined) e.fields.set(key, (existing = { path: OTHER_PATHS, kind: undefined, sensitivity: undefined, form, count: 0 }));
    }
    if (existing !== undefined) existing.count += f.count;
    else {
      const field: Field = { path: f.path, kind: f.kind, sensitivity: f.sensitivity ?? (f.untagged ? 'untagged' : undefined), form, count: f.count };
      e.fields.set(key, field);
      // Only paths kept on their own are indexed, so the index is bounded by the same cap.
      let forms = byPath.get(f.path);
      if (forms === undefined) byPath.set(f.path, (forms = {}));
      forms[form] = field;
    }
  }
}

/**
 * The runtime inventory: per destination, first and last seen, payloads sent, and each path with
 * its kind, sensitivity, form (clear, scanned, masked, token, hash, ciphertext, dropped, refused)
 * and count. Paths are schema paths (a key the sender chose is its parent's path plus `*`), at most
 * {@link MAX_FLOW_PATHS} per destination, the rest aggregated. Fed by
 * every `protect` and `guardFetch`; kept in memory. Expose it on an admin route or write it to a
 * file for `fieldguard inventory --flows`.
 *
 * @example
 * ```ts
 * app.get('/admin/flows', (_req, res) => res.json(flows()));
 * ```
 */
export function flows(): FlowSnapshot {
  const out: Record<string, DestinationFlows> = {};
  for (const [name, e] of store) {
    out[name] = {
      firstSeen: new Date(e.firstSeen).toISOString(),
      lastSeen: new Date(e.lastSeen).toISOString(),
      payloads: e.payloads,
      fields: [...e.fields.values()].map((f) => ({
        path: f.path,
        ...(f.kind === undefined ? {} : { kind: f.kind }),
        ...(f.sensitivity === undefined ? {} : { sensitivity: f.sensitivity }),
        form: f.form,
        count: f.count,
      })),
    };
  }
  return out;
}

/** Clears the runtime inventory. */
flows.reset = function reset(): void {
  store.clear();
};
