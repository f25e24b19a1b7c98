// Alerts: the payload every signal raises — what was observed against what baseline, how far off, and the runbook — never a value.

/** The signals a monitor computes. */
export type SignalName = 'volume' | 'extraction' | 'outboundDrift' | 'responseDrift' | 'newDestination' | 'certificate' | 'addresses' | 'honeytoken';

/** The signals, in the order the docs present them. */
export const SIGNALS: readonly SignalName[] = ['volume', 'extraction', 'outboundDrift', 'responseDrift', 'newDestination', 'certificate', 'addresses', 'honeytoken'];

/** How urgent an alert is. */
export type Severity = 'info' | 'warning' | 'critical';

/** One alert. Counts, scores, paths and kinds only. */
export interface Alert {
  /** Stable for one signal, destination, metric and window, so a fleet and a retried evaluation raise it once. */
  readonly id: string;
  readonly signal: SignalName;
  /** The destination's name (or, for an undeclared host, the host). */
  readonly destination: string;
  /** What the signal measured: `requests`, `bytes`, `subjects`, `fields`, `paths`, `shape`, `host`, `certificate`, `addresses`, `body`, `query`, `headers`, `url`. */
  readonly metric: string;
  /** The window's value (for drift: how many new entries). */
  readonly observed: number;
  /** The baseline's median (for drift: how many entries were known); `null` where there is none. */
  readonly baseline: number | null;
  /** Units of robust spread above the baseline; `Infinity`-free: drift, honeytokens and certificates score 1. */
  readonly score: number;
  readonly severity: Severity;
  /** The window the observation belongs to (ISO-8601). */
  readonly window: { readonly start: string; readonly end: string };
  /** The runbook URL the app configured for this signal, if any. */
  readonly runbook: string | undefined;
  /** What the monitor did: `'alert'`, or `'block'` when it suspended the destination. */
  readonly action: 'alert' | 'block';
  /** For drift, the schema paths concerned (`path:kind:form` outbound, `path:type` in answers; a key the sender chose is `*`). */
  readonly paths?: readonly string[];
  /** For honeytokens, the decoy's label and kind (never the decoy). */
  readonly honeytoken?: { readonly label: string; readonly kind: string };
}
