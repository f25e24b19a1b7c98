// OpenTelemetry: every count as a metric and every alert as a log record, through @opentelemetry/api (and api-logs), optional peers.
import { peer } from '../peer.js';
import type { Alert } from './alerts.js';

type Attributes = Record<string, string | number | boolean>;
interface Counter {
  add(n: number, attributes?: Attributes): void;
}
interface OtelApi {
  metrics: { getMeter(name: string, version?: string): { createCounter(name: string, options?: { description?: string; unit?: string }): Counter } };
}
interface OtelLogsApi {
  logs: { getLogger(name: string): { emit(record: { severityNumber?: number; severityText?: string; body?: string; attributes?: Attributes }): void } };
}

/** What the monitor reports to OpenTelemetry: sums per window, added when the monitor settles its counts (each flush), not one call per request and field. */
export interface Telemetry {
  outbound(destination: string, requests: number, bytes: number): void;
  field(destination: string, kind: string, action: string, n: number): void;
  subjects(destination: string, n: number): void;
  alert(alert: Alert): void;
}

const SEVERITY: Readonly<Record<Alert['severity'], number>> = { info: 9, warning: 13, critical: 17 };

/**
 * The monitor's OpenTelemetry sink: counters `fieldguard.outbound.requests`, `.bytes`, `.fields`
 * (attributes `destination`, `kind`, `action`) and `.subjects`, and a log record per alert. With
 * `'auto'` it is used when @opentelemetry/api is installed and skipped when it is not; with `true`
 * a missing package throws `ERR_MISSING_DEPENDENCY`. Alerts become log records only when
 * @opentelemetry/api-logs is installed too.
 */
export function telemetryOf(mode: boolean | 'auto'): Telemetry | undefined {
  if (mode === false) return undefined;
  let api: OtelApi;
  try {
    api = peer<OtelApi>('@opentelemetry/api', '^1.9.0', 'createMonitor({ telemetry })');
  } catch (e) {
    if (mode === 'auto') return undefined;
    throw e;
  }
  let logsApi: OtelLogsApi | undefined;
  try {
    logsApi = peer<OtelLogsApi>('@opentelemetry/api-logs', '>=0.200.0', 'createMonitor({ telemetry })');
  } catch {
    logsApi = undefined;
  }
  const meter = api.metrics.getMeter('fieldguard');
  const requests = meter.createCounter('fieldguard.outbound.requests', { description: 'Requests forwarded to a destination' });
  const bytes = meter.createCounter('fieldguard.outbound.bytes', { description: 'Body bytes forwarded to a destination', unit: 'By' });
  const fields = meter.createCounter('fieldguard.outbound.fields', { description: 'Sensitive fields forwarded, by kind and action' });
  const subjects = meter.createCounter('fieldguard.outbound.subjects', { description: 'Distinct subjects (tokens and hashes) forwarded, per flush interval' });
  const logger = logsApi?.logs.getLogger('fieldguard');
  return {
    outbound(destination, n, size) {
      requests.add(n, { destination });
      if (size > 0) bytes.add(size, { destination });
    },
    field(destination, kind, action, n) {
      fields.add(n, { destination, kind, action });
    },
    subjects(destination, n) {
      if (n > 0) subjects.add(n, { destination });
    },
    alert(a) {
      const attributes: Attributes = { 'fieldguard.alert.id': a.id, 'fieldguard.signal': a.signal, destination: a.destination, 'fieldguard.metric': a.metric, 'fieldguard.observed': a.observed, 'fieldguard.score': a.score, 'fieldguard.severity': a.severity, 'fieldguard.action': a.action, 'fieldguard.window.start': a.window.start, 'fieldguard.window.end': a.window.end };
      if (a.baseline !== null) attributes['fieldguard.baseline'] = a.baseline;
      if (a.runbook !== undefined) attributes['fieldguard.runbook'] = a.runbook;
      if (a.paths !== undefined) attributes['fieldguard.paths'] = a.paths.join('\n');
      logger?.emit({ severityNumber: SEVERITY[a.severity], severityText: a.severity.toUpperCase(), body: `fieldguard ${a.signal} alert on ${a.destination}`, attributes });
    },
  };
}
