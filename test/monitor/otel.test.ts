// Counts as OpenTelemetry metrics and alerts as log records, read back through the real SDKs' in-memory exporters.
import { metrics } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { watchOf } from '../../src/monitor/watch.js';
import { crm, testClock } from './helpers.js';
import { keepSubjects } from '../../src/plan/report.js';

describe('OpenTelemetry', () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  metrics.setGlobalMeterProvider(meterProvider);
  logs.setGlobalLoggerProvider(loggerProvider);
  afterAll(async () => {
    await meterProvider.shutdown();
    await loggerProvider.shutdown();
    metrics.disable();
    logs.disable();
  });

  it('exports requests, bytes, fields by destination, kind and action, subjects, and each alert as a log record', async () => {
    const clock = testClock(0);
    const destinations = crm('https://crm.example');
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 4, warmup: 2, audit: () => undefined });
    const watch = watchOf(destinations)!;
    const base = { kept: 0, dropped: 0, masked: 0, rejected: 0, scanned: 0, untagged: 0, hashed: 1, encrypted: 0, decrypted: 0, tokenized: 0, detokenized: 0, generalized: 0, shifted: 0, unresolved: 0 };
    const report = { ...base, fields: [{ path: 'contacts[*].email', action: 'hash' as const, count: 1, sensitivity: 'personal' as const, kind: 'email' as const }] };
    for (let i = 0; i < 3; i++) watch.outbound('crm', { report: keepSubjects({ ...report }, [`h${i}`]), bytes: 100 });
    const decoy = monitor.honeytoken({ kind: 'apiKey', label: 'otel-decoy' });
    expect(watch.check('crm', 'headers', `Bearer ${decoy}`)).toBeDefined();
    clock.advance(1000);
    await monitor.flush();
    await reader.forceFlush();
    const points = new Map<string, Array<{ value: unknown; attributes: unknown }>>();
    for (const rm of exporter.getMetrics()) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) points.set(m.descriptor.name, m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })));
    expect(points.get('fieldguard.outbound.requests')).toEqual([{ value: 3, attributes: { destination: 'crm' } }]);
    expect(points.get('fieldguard.outbound.bytes')).toEqual([{ value: 300, attributes: { destination: 'crm' } }]);
    expect(points.get('fieldguard.outbound.fields')).toEqual([{ value: 3, attributes: { destination: 'crm', kind: 'email', action: 'hash' } }]);
    expect(points.get('fieldguard.outbound.subjects')).toEqual([{ value: 3, attributes: { destination: 'crm' } }]);
    const records = logExporter.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    expect(records[0]!.severityText).toBe('CRITICAL');
    expect(records[0]!.attributes).toMatchObject({ 'fieldguard.signal': 'honeytoken', destination: 'crm', 'fieldguard.metric': 'headers' });
    expect(JSON.stringify([...points], (_k, v) => v) + JSON.stringify(records.map((r) => [r.body, r.attributes]))).not.toContain(decoy);
    await monitor.close();
  });
});
