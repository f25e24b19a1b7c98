// Audit of re-identification: every detokenize and decrypt emits an event — who, why, which paths — never a value.

/** One re-identification, or a refused attempt. */
export interface AuditEvent {
  /** ISO-8601 time. */
  readonly at: string;
  /** Who asked (from the app's `actor` callback or the call's `actor`). */
  readonly actor: string;
  /** Why. */
  readonly purpose: string;
  /** Where the values were, in pino syntax. */
  readonly paths: readonly string[];
  /** Kinds of the values. */
  readonly kinds: readonly string[];
  /** How many values were asked for. */
  readonly count: number;
  /** `resolved` (all), `partial`, `unresolved` (none), `denied` (not authorized) or `error` (the store failed). */
  readonly outcome: 'resolved' | 'partial' | 'unresolved' | 'denied' | 'error';
  /** `detokenize` or `decrypt`. */
  readonly action: 'detokenize' | 'decrypt';
}

/** Where audit events go: a function, or a logger with `info` (pino, winston, console). */
export type AuditSink = ((event: AuditEvent) => void) | { info(obj: object, msg?: string): unknown };

/** The default sink: one JSON line on standard output. */
export const stdoutAudit: AuditSink = (event) => {
  process.stdout.write(`${JSON.stringify({ fieldguard: 'audit', ...event })}\n`);
};

/** Sends an event to a sink. A failing sink is reported on stderr without the event's details, and never fails the caller. */
export function emitAudit(sink: AuditSink, event: AuditEvent): void {
  try {
    if (typeof sink === 'function') sink(event);
    else sink.info({ fieldguard: 'audit', ...event }, 'fieldguard audit');
  } catch {
    process.stderr.write('[fieldguard] the audit sink threw; an audit event was lost\n');
  }
}
