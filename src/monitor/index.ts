// fieldguard/monitor: baselines, anomaly and drift alerts, honeytokens and the kill switch over every outbound flow.
export { createMonitor, type Monitor, type MonitorOptions, type MonitorSnapshot, type MonitorAuditEvent, type MonitorLogger, type SignalOptions } from './monitor.js';
export { SIGNALS, type Alert, type Severity, type SignalName } from './alerts.js';
export { memoryMonitorStore, MAX_LEARNED, type MonitorStore, type StoredSuspension, type WindowDelta, type WindowTotals } from './store.js';
export { redisMonitorStore, type RedisMonitorClient, type RedisMonitorStoreOptions, type RedisMulti } from './redis-store.js';
export { baselineOf, scoreOf, type Baseline } from './baseline.js';
export { HyperLogLog, hash32 } from './hll.js';
export type { Honeytoken, HoneytokenKind, HoneytokenOptions } from './honeytokens.js';
