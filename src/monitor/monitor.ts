// createMonitor: per destination and window, what left the service — counted, baselined, scored — and the alerts, the kill switch and the honeytokens.
import type { Destinations, SuspensionEvent } from '../destinations/define.js';
import { isDestinations } from '../destinations/define.js';
import { FieldguardError } from '../errors.js';
import { decryptField, encryptField } from '../vault/crypto.js';
import { FORM } from '../destinations/flows.js';
import { parseDuration } from './duration.js';
import { rank, type Sensitivity } from '../schema/tags.js';
import type { Alert, Severity, SignalName } from './alerts.js';
import { baselineOf, scoreOf } from './baseline.js';
import { HashSet32, hash32 } from './hll.js';
import { HoneytokenSet, mintValue, type Honeytoken, type HoneytokenOptions } from './honeytokens.js';
import { reportedHost } from './names.js';
import { shapeOf } from './shape.js';
import { rangesOf, readCertificate, resolveAll } from './probe.js';
import { telemetryOf, type Telemetry } from './otel.js';
import { memoryMonitorStore, MAX_LEARNED, type MonitorStore, type WindowDelta, type WindowTotals } from './store.js';
import { subjectsOf, type ReportField } from '../plan/report.js';
import { ANSWER_SAMPLE_MS, attachWatch, WATCH_KEY, type Channel, type Outbound, type Watch } from './watch.js';

/** How one signal is tuned. */
export interface SignalOptions {
  /** `false` turns the signal off. Default `true`. */
  readonly enabled?: boolean;
  /** Robust z-score at or above which a window alerts (volume, extraction). Default 6. */
  readonly threshold?: number;
  /** The observed value must also be at least this multiple of the baseline's median (volume, extraction). Default 2. */
  readonly minRatio?: number;
  /** `'alert'` (default), or `'block'`: suspend the destination when the signal fires. */
  readonly action?: 'alert' | 'block';
}

/** A suspension or resumption, as the monitor audits it. */
export interface MonitorAuditEvent {
  readonly type: 'destination.suspended' | 'destination.resumed';
  readonly destination: string;
  readonly reason: string;
  readonly at: string;
  /** `'local'`: on this instance; `'shared'`: read from the shared store (another instance did it). */
  readonly origin: 'local' | 'shared';
}

/** A logger the monitor writes alerts and audit events to. */
export interface MonitorLogger {
  info(obj: object, msg?: string): unknown;
  warn(obj: object, msg?: string): unknown;
  error(obj: object, msg?: string): unknown;
}

/** Options of {@link createMonitor}. */
export interface MonitorOptions {
  /** The registry from `defineDestinations`. protect and guardFetch built on it feed this monitor, and its kill switch is the registry's. */
  readonly destinations: Destinations;
  /** Where windows, learned paths, alert claims and suspensions live. Default {@link memoryMonitorStore}; `redisMonitorStore` for fleets. */
  readonly store?: MonitorStore;
  /** The clock, in ms since the epoch. Default `Date.now`. With a clock given, no timer runs: call `flush()`. */
  readonly clock?: () => number;
  /** Window length, in ms or as `'1m'`, `'30s'`, `'1h'`. Default `'1m'`. */
  readonly window?: number | string;
  /** Comparable windows in a baseline: the ones just before. Default 24. */
  readonly history?: number;
  /** Windows observed before any alert (learning period). Default 8. */
  readonly warmup?: number;
  /** Per-signal tuning, or `false` to turn one off. */
  readonly signals?: Readonly<Partial<Record<SignalName, SignalOptions | false>>>;
  /** Called with every alert. A throwing callback is ignored. */
  readonly onAlert?: (alert: Alert) => void;
  /** Alerts are also written here (`warn`, `error` for critical), and audit events (`info`) when no `audit` is given. */
  readonly logger?: MonitorLogger;
  /** A runbook URL per signal, carried by its alerts. */
  readonly runbooks?: Readonly<Partial<Record<SignalName, string>>>;
  /** Where suspension and resumption events go. Default: `logger.info`, or a JSON line on stdout. */
  readonly audit?: (event: MonitorAuditEvent) => void;
  /**
   * Decoys minted earlier (persist what `honeytoken()` returns and pass it here). With a store that
   * keeps honeytokens (both built-in stores do), decoys minted on any instance sharing it are
   * searched for by every instance from its next sync on.
   */
  readonly honeytokens?: readonly Honeytoken[];
  /** How often counts go to the store and suspensions are read from it, in ms. Default 1,000. Only with the real clock. */
  readonly syncMs?: number;
  /** Per destination, the CIDR ranges its `baseUrl` host may resolve to (the `addresses` signal). */
  readonly addresses?: Readonly<Record<string, readonly string[]>>;
  /** The `certificate` signal also alerts when a certificate expires within this many days. Default 14. */
  readonly certificateDays?: number;
  /**
   * OpenTelemetry: counters `fieldguard.outbound.requests`, `.bytes`, `.fields`, `.subjects` and a log
   * record per alert. `'auto'` (default) when @opentelemetry/api is installed; `true` requires it; `false` never.
   */
  readonly telemetry?: boolean | 'auto';
  /** How often `probe()` runs by itself, in ms, with the real clock. Default: never (call `probe()` from a scheduler). */
  readonly probeMs?: number;
}

/** The exported state of a monitor, for `fieldguard report`. Counts only. */
export interface MonitorSnapshot {
  readonly version: 1;
  readonly windowMs: number;
  readonly destinations: Readonly<Record<string, ReadonlyArray<{ readonly start: string; readonly counts: Readonly<Record<string, number>>; readonly subjects: number }>>>;
}

/** A running monitor. */
export interface Monitor {
  readonly destinations: Destinations;
  /** Mints a decoy value; any outbound request that carries it (raw, URL-encoded or base64) is refused with a critical alert. */
  honeytoken(options: HoneytokenOptions): string;
  /** The decoys this monitor searches for (persist them, pass them to every instance). */
  honeytokens(): readonly Honeytoken[];
  /** Sends pending counts to the store, evaluates the windows that closed, and reads the shared suspensions. */
  flush(): Promise<void>;
  /**
   * Checks each https destination's endpoint: its TLS certificate (a fingerprint or issuer never
   * seen before, or expiry within `certificateDays`) and, where `addresses` declares ranges, every
   * address its host resolves to. The first certificate seen is the baseline.
   */
  probe(): Promise<void>;
  /** The last alerts raised here (at most 100), oldest first. */
  alerts(): readonly Alert[];
  /** The windows of the last `history` periods, per destination, for reports. */
  snapshot(): Promise<MonitorSnapshot>;
  /** Stops the timer and detaches from the registry's kill switch. */
  close(): Promise<void>;
}

interface Pending {
  counts: Record<string, number>;
  /** Requests and bytes forwarded in this window, folded into `counts` when it is settled (two increments instead of two string-keyed ones per request). */
  requests: number;
  bytes: number;
  /** The distinct subjects' hashes. */
  subjects: HashSet32;
  /** Sensitive-field entries counted in this window, folded into `counts` when it is settled. */
  entries: Seen[];
}

/**
 * What a destination's outbound path and action count under: the count key of a sensitive field
 * (`kind:email:hash`) or `null`, the report types seen, and the count of the window being filled
 * (one increment per field and request instead of two string-keyed ones).
 */
interface Seen {
  readonly countKey: string | null;
  /** The OpenTelemetry attributes of its count, made once. */
  readonly kind: string;
  readonly action: string;
  readonly types: Set<string>;
  n: number;
  pending: Pending | undefined;
}

/** Adds an entry's count to its window's counts (and to OpenTelemetry), and detaches it. */
function foldSeen(e: Seen, destination: string, otel: Telemetry | undefined): void {
  const p = e.pending;
  if (p === undefined) return;
  if (e.n > 0) {
    p.counts.fields = (p.counts.fields ?? 0) + e.n;
    p.counts[e.countKey!] = (p.counts[e.countKey!] ?? 0) + e.n;
    otel?.field(destination, e.kind, e.action, e.n);
  }
  e.n = 0;
  e.pending = undefined;
}

/** Folds a window's request and byte counts into its counts (and OpenTelemetry's): both are there once a request was. */
function foldRequests(p: Pending, destination: string, otel: Telemetry | undefined): void {
  if (p.requests === 0) return;
  p.counts.requests = (p.counts.requests ?? 0) + p.requests;
  p.counts.bytes = (p.counts.bytes ?? 0) + p.bytes;
  otel?.outbound(destination, p.requests, p.bytes);
  p.requests = 0;
  p.bytes = 0;
}

/**
 * The entry a report field counts under, learned once per path, action and type (the keys it
 * teaches are pushed on `fresh`): `null` for a field not counted, `undefined` past the bound of
 * learned paths (the caller counts it at once, nothing kept for it).
 */
function learnField(l: Local, f: ReportField, fresh: string[]): Seen | null | undefined {
  if (f.action === 'drop' || f.action === 'reject') return null;
  let byAction = l.seen.get(f.path);
  let entry = byAction?.get(f.action);
  const type = f.type ?? '';
  if (entry !== undefined && entry.types.has(type)) return entry;
  if (l.known.size >= MAX_LEARNED) return entry;
  const kind = f.kind ?? f.sensitivity ?? 'untagged';
  const form = FORM[f.action];
  if (byAction === undefined) l.seen.set(f.path, (byAction = new Map()));
  if (entry === undefined) byAction.set(f.action, (entry = { countKey: countKeyOf(f), kind, action: f.action, types: new Set(), n: 0, pending: undefined }));
  entry.types.add(type);
  // One key per JSON type: a path that carries a number and a string in one request learns both.
  for (const t of type === '' ? [''] : type.split('|')) {
    const key = t === '' ? `${f.path}:${kind}:${form}` : `${f.path}:${kind}:${form}:${t}`;
    if (!l.known.has(key)) {
      l.known.add(key);
      fresh.push(key);
    }
  }
  return entry;
}

/** The count key of a sensitive field (`kind:email:hash`), `null` for a field below personal. */
function countKeyOf(f: ReportField): string | null {
  return f.sensitivity !== undefined && rank(f.sensitivity) >= rank(SENSITIVE) ? `kind:${f.kind ?? f.sensitivity}:${FORM[f.action]}` : null;
}

interface Local {
  /** Pending deltas by window. */
  readonly pending: Map<number, Pending>;
  /** The pending deltas of the window last counted in, and its index: a request in the same window finds them without a look-up. */
  open: Pending | undefined;
  openWindow: number;
  /** Outbound `path:kind:form:type` keys this instance knows. */
  readonly known: Set<string>;
  /** By report path and action: the count key of a sensitive field (`kind:email:hash`), or `null` for others, and the report types seen — so a request builds no string. */
  readonly seen: Map<string, Map<string, Seen>>;
  /** The entries of the last request's fields, by their place in its report. */
  readonly last: Array<{ readonly path: string; readonly action: string; readonly type: string | undefined; readonly entry: Seen | null }>;
  /** Response shape entries known, and by path their types. */
  readonly shapes: Map<string, Set<string>>;
  /** Response paths present in every answer during warm-up; after it, a missing one is a removed field. */
  required: Set<string> | undefined;
  responses: number;
  /** When an answer of this destination was last taken to be read for its shape (monitor clock, ms). */
  answerAt: number;
  /** Last window evaluated. */
  evaluated: number;
}

const MAX_PENDING_SUBJECTS = 10_000;
/** Fields of a report whose entries are remembered by place (a report's first ones; the rest are looked up). */
const MAX_REMEMBERED_FIELDS = 256;
const SENSITIVE: Sensitivity = 'personal';

/**
 * Watches outbound flows. Every protect and guardFetch built on `destinations` (and scrubPII or
 * redactLogs given `monitor` and `destination`) tells it per request what it already knows —
 * the walk's report (paths, kinds, actions), bytes, status, distinct tokens and hashes sent —
 * never a value. Per destination and window it keeps requests, bytes, sensitive fields by kind
 * and action, distinct subjects (a HyperLogLog), statuses and refusals; when a window closes it
 * compares it with the median and MAD of the windows before and raises alerts: `volume`,
 * `extraction`, `outboundDrift`, `responseDrift`, `newDestination`, `honeytoken` (and the
 * `certificate` and `addresses` probes). A signal with `action: 'block'` suspends the
 * destination: every call to it is then refused with 503 `ERR_DESTINATION_SUSPENDED`.
 *
 * @example
 * ```ts
 * const monitor = createMonitor({
 *   destinations,
 *   onAlert: (a) => pager.send(a),
 *   runbooks: { extraction: 'https://runbooks.example/exfiltration' },
 *   signals: { extraction: { action: 'block' } },
 * });
 * app.post('/crm/contacts', express.json(), protect({ schema, destinations, destination: 'crm' }), proxy);
 * ```
 */
export function createMonitor(options: MonitorOptions): Monitor {
  if (options === null || typeof options !== 'object' || !isDestinations(options.destinations)) {
    throw new FieldguardError('ERR_INVALID_OPTIONS', 'createMonitor(): pass { destinations } from defineDestinations(…)');
  }
  const destinations = options.destinations;
  const now = options.clock ?? Date.now;
  const store = options.store ?? memoryMonitorStore({ now });
  const windowMs = parseDuration(options.window ?? '1m', 'window');
  const history = options.history ?? 24;
  const warmup = options.warmup ?? 8;
  if (!Number.isInteger(history) || history < 3) throw new FieldguardError('ERR_INVALID_OPTIONS', 'createMonitor(): history is an integer of at least 3 windows');
  if (!Number.isInteger(warmup) || warmup < 1 || warmup > history) throw new FieldguardError('ERR_INVALID_OPTIONS', 'createMonitor(): warmup is an integer from 1 to history');
  for (const [name, ranges] of Object.entries(options.addresses ?? {})) {
    if (!destinations.names.includes(name)) throw new FieldguardError('ERR_UNKNOWN_DESTINATION', `createMonitor(): addresses names ${JSON.stringify(name)}, which is not declared`);
    try {
      rangesOf(ranges);
    } catch {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `createMonitor(): addresses.${name} must be CIDR ranges such as '203.0.113.0/24'`);
    }
  }
  const ttlMs = windowMs * (history + 2);
  const otel = telemetryOf(options.telemetry ?? 'auto');
  const signal = (name: SignalName): Required<SignalOptions> => {
    const s = options.signals?.[name];
    const o = s === false ? { enabled: false } : (s ?? {});
    return { enabled: o.enabled ?? true, threshold: o.threshold ?? 6, minRatio: o.minRatio ?? 2, action: o.action ?? 'alert' };
  };
  const windowOf = (t: number): number => Math.floor(t / windowMs);
  const startWindow = windowOf(now());
  const locals = new Map<string, Local>();
  const honeytokens = new HoneytokenSet();
  for (const t of options.honeytokens ?? []) honeytokens.add(t);
  const recent: Alert[] = [];
  let current = startWindow;
  let work: Promise<void> = Promise.resolve();
  let closed = false;

  // The destination last counted for: consecutive requests to one destination skip the look-up.
  let lastName: string | undefined;
  let lastLocal: Local | undefined;
  const local = (d: string): Local => {
    if (d === lastName) return lastLocal!;
    let l = locals.get(d);
    if (l === undefined) locals.set(d, (l = { pending: new Map(), open: undefined, openWindow: Number.NaN, known: new Set(), seen: new Map(), last: [], shapes: new Map(), required: undefined, responses: 0, answerAt: Number.NEGATIVE_INFINITY, evaluated: startWindow - 1 }));
    lastName = d;
    lastLocal = l;
    return l;
  };
  const pendingOf = (d: string, w: number): Pending => {
    const l = local(d);
    if (l.openWindow === w && l.open !== undefined) return l.open;
    let p = l.pending.get(w);
    if (p === undefined) l.pending.set(w, (p = { counts: Object.create(null) as Record<string, number>, requests: 0, bytes: 0, subjects: new HashSet32(), entries: [] }));
    l.open = p;
    l.openWindow = w;
    return p;
  };
  const add = (p: Pending, k: string, n: number): void => {
    p.counts[k] = (p.counts[k] ?? 0) + n;
  };
  const warmedUp = (w: number): boolean => w - startWindow >= warmup;
  const isoWindow = (w: number): { start: string; end: string } => ({ start: new Date(w * windowMs).toISOString(), end: new Date((w + 1) * windowMs).toISOString() });

  /** Queues async work in order; failures of the store never reach a request. */
  const enqueue = (job: () => Promise<void>): void => {
    work = work.then(job).catch(() => undefined);
  };

  const audit = (event: MonitorAuditEvent): void => {
    try {
      if (options.audit !== undefined) options.audit(event);
      else if (options.logger !== undefined) options.logger.info({ fieldguard: 'audit', ...event }, `fieldguard ${event.type}`);
      else process.stdout.write(`${JSON.stringify({ fieldguard: 'audit', ...event })}\n`);
    } catch {
      // An audit sink that throws never stops the switch.
    }
  };
  let applyingShared = false;
  const unsubscribe = destinations.onSuspension((e: SuspensionEvent) => {
    audit({ type: e.suspended ? 'destination.suspended' : 'destination.resumed', destination: e.destination, reason: e.reason, at: e.at, origin: applyingShared ? 'shared' : 'local' });
    if (!applyingShared) enqueue(() => store.setSuspension(e.destination, e.suspended ? { reason: e.reason, at: e.at } : undefined));
  });

  const raise = (a: Omit<Alert, 'runbook' | 'action'>): void => {
    const s = signal(a.signal);
    if (!s.enabled) return;
    const block = s.action === 'block' && destinations.names.includes(a.destination);
    const alert: Alert = Object.freeze({ ...a, runbook: options.runbooks?.[a.signal], action: block ? 'block' : 'alert' });
    enqueue(async () => {
      if (!(await store.claim(alert.id, ttlMs))) return;
      recent.push(alert);
      if (recent.length > 100) recent.shift();
      try {
        otel?.alert(alert);
      } catch {
        // Telemetry is best effort.
      }
      if (block) destinations.suspend(alert.destination, `${alert.signal} alert ${alert.id}`);
      try {
        options.onAlert?.(alert);
      } catch {
        // A failing sink never fails the monitor.
      }
      try {
        const line = { fieldguard: 'alert', ...alert };
        const msg = `fieldguard ${alert.signal} alert on ${alert.destination}`;
        if (alert.severity === 'critical') options.logger?.error(line, msg);
        else options.logger?.warn(line, msg);
      } catch {
        // Same for the logger.
      }
    });
  };

  const alertId = (sig: SignalName, d: string, metric: string, w: number): string => `${sig}:${d}:${metric}:${w}`;

  /** Compares closed window `w` of destination `d` with its baseline. */
  const evaluate = async (d: string, w: number): Promise<void> => {
    if (!warmedUp(w)) return;
    const from = Math.max(w - history, startWindow);
    const totals = await store.windows(d, from, w);
    const byWindow = new Map<number, WindowTotals>(totals.map((t) => [t.window, t]));
    const series = (metric: string): { observed: number; past: number[] } => {
      const value = (t: WindowTotals | undefined): number => (t === undefined ? 0 : metric === 'subjects' ? t.subjects : (t.counts[metric] ?? 0));
      const past: number[] = [];
      for (let i = from; i < w; i++) past.push(value(byWindow.get(i)));
      return { observed: value(byWindow.get(w)), past };
    };
    for (const [sig, metrics] of [
      ['volume', ['requests', 'bytes']],
      ['extraction', ['subjects', 'fields']],
    ] as const) {
      const s = signal(sig);
      if (!s.enabled) continue;
      for (const metric of metrics) {
        const { observed, past } = series(metric);
        if (past.length < warmup) continue;
        const b = baselineOf(past);
        const score = scoreOf(observed, b);
        if (score < s.threshold || observed < s.minRatio * Math.max(b.median, 1)) continue;
        const severity: Severity = sig === 'extraction' && score >= 2 * s.threshold ? 'critical' : 'warning';
        raise({ id: alertId(sig, d, metric, w), signal: sig, destination: d, metric, observed, baseline: b.median, score: Math.round(score * 100) / 100, severity, window: isoWindow(w) });
      }
    }
  };

  /** Sends pending deltas to the store and evaluates every window that closed. */
  const settle = async (): Promise<void> => {
    const w = windowOf(now());
    const deltas: WindowDelta[] = [];
    for (const [d, l] of locals) {
      for (const [pw, p] of l.pending) {
        for (const e of p.entries) foldSeen(e, d, otel);
        foldRequests(p, d, otel);
        deltas.push({ destination: d, window: pw, counts: p.counts, subjects: p.subjects.unsigned() });
        otel?.subjects(d, p.subjects.size);
      }
      l.pending.clear();
      l.open = undefined;
    }
    await store.add(deltas, ttlMs);
    const names = new Set([...locals.keys(), ...destinations.names]);
    for (const d of names) {
      const l = local(d);
      for (let cw = Math.max(l.evaluated + 1, w - history); cw < w; cw++) {
        await evaluate(d, cw);
        l.evaluated = cw;
      }
    }
    current = w;
  };

  // Decoys travel through the store sealed with the registry's keys when it has them, so whoever reads the store cannot learn which values are traps.
  const HONEYTOKEN_AAD = 'fieldguard/honeytoken';
  const seal = (t: Honeytoken): string => {
    const text = JSON.stringify({ value: t.value, kind: t.kind, label: t.label });
    return destinations.keys === undefined ? `plain:${text}` : encryptField(destinations.keys, text, HONEYTOKEN_AAD);
  };
  const unseal = (entry: string): Honeytoken | undefined => {
    // With keys, only a sealed entry is trusted: one written in clear by whoever can write to the store is not a decoy of this fleet.
    const text = destinations.keys === undefined ? (entry.startsWith('plain:') ? entry.slice(6) : undefined) : decryptField(destinations.keys, entry, HONEYTOKEN_AAD);
    if (text === undefined) return undefined;
    try {
      const t = JSON.parse(text) as Partial<Honeytoken>;
      // A decoy is at least as long as the shortest one minted (ten characters, @ and a domain): a short one would refuse ordinary traffic.
      if (typeof t.value !== 'string' || t.value.length < 14 || /[^\x21-\x7e]/.test(t.value) || typeof t.label !== 'string' || (t.kind !== 'cardNumber' && t.kind !== 'email' && t.kind !== 'apiKey')) return undefined;
      return { value: t.value, kind: t.kind, label: t.label };
    } catch {
      return undefined;
    }
  };
  let decoysRead = 0;
  const syncHoneytokens = async (): Promise<void> => {
    if (store.honeytokens === undefined) return;
    const entries = await store.honeytokens(decoysRead);
    decoysRead += entries.length;
    for (const e of entries) {
      const t = unseal(e);
      // An entry this instance cannot open (another key ring) is skipped, never trusted as text.
      if (t !== undefined) honeytokens.add(t);
    }
  };

  const syncSuspensions = async (): Promise<void> => {
    const shared = await store.suspensions();
    applyingShared = true;
    try {
      for (const name of destinations.names) {
        const s = shared[name];
        if (s !== undefined && destinations.suspension(name) === undefined) destinations.suspend(name, s.reason);
        else if (s === undefined && destinations.suspension(name) !== undefined) destinations.resume(name);
      }
    } finally {
      applyingShared = false;
    }
  };

  const learnNew = (namespace: string, keys: string[], then: (fresh: string[]) => void): void => {
    enqueue(async () => {
      const fresh = await store.learn(namespace, keys);
      if (fresh.length > 0) then(fresh);
    });
  };

  const seenDestinations = new Set<string>();
  const certificates = new Set<string>();
  const touch = (d: string, w: number): void => {
    if (w > current) {
      current = w;
      enqueue(settle);
    }
    if (seenDestinations.has(d)) return;
    seenDestinations.add(d);
    learnNew('destinations', [d], () => {
      if (!warmedUp(windowOf(now()))) return;
      raise({ id: alertId('newDestination', d, 'host', w), signal: 'newDestination', destination: d, metric: 'host', observed: 1, baseline: 0, score: 1, severity: 'info', window: isoWindow(w) });
    });
  };

  /** Raises the critical alert for a decoy found in a request, and gives the error to refuse it with. */
  const caught = (destination: string, channel: Channel, found: Honeytoken | undefined): FieldguardError | undefined => {
    if (found === undefined) return undefined;
    const w = windowOf(now());
    add(pendingOf(destination, w), 'honeytokens', 1);
    raise({
      id: `${alertId('honeytoken', destination, channel, w)}:${hash32(found.value).toString(36)}`,
      signal: 'honeytoken',
      destination,
      metric: channel,
      observed: 1,
      baseline: 0,
      score: 1,
      severity: 'critical',
      window: isoWindow(w),
      honeytoken: { label: found.label, kind: found.kind },
    });
    return new FieldguardError('ERR_HONEYTOKEN_DETECTED', `the request to ${destination} carries a honeytoken in its ${channel}; nothing was forwarded`);
  };

  const watch: Watch = {
    get honeytokens() {
      return honeytokens.size;
    },
    answers: signal('responseDrift').enabled,
    sampleAnswer(destination: string) {
      const l = local(destination);
      const t = now();
      // While learning (warm-up, or the first answers), every answer; then one per slice of the clock: a changed
      // response schema shows in every answer after the change, so a sample finds it within that time of traffic.
      if (!warmedUp(windowOf(t)) || l.responses <= 3 || t - l.answerAt >= ANSWER_SAMPLE_MS) {
        l.answerAt = t;
        return true;
      }
      return false;
    },
    check(destination: string, channel: Channel, text: string) {
      return caught(destination, channel, honeytokens.find(text));
    },
    checkValue(destination: string, channel: Channel, value: unknown) {
      return caught(destination, channel, honeytokens.findIn(value));
    },
    outbound(destination: string, out: Outbound) {
      if (closed) return;
      const w = windowOf(now());
      touch(destination, w);
      const p = pendingOf(destination, w);
      if (out.request !== false) {
        p.requests++;
        p.bytes += out.bytes;
      }
      const report = out.report;
      if (report === undefined) return;
      const l = local(destination);
      let fresh: string[] | undefined;
      const fields = report.fields;
      const last = l.last;
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i]!;
        // Requests through one plan list the same paths in the same order: the entry of the field at
        // this place last time is taken after three identity checks, without a look-up.
        const c = last[i];
        let entry: Seen | null | undefined;
        if (c !== undefined && c.path === f.path && c.action === f.action && c.type === f.type) entry = c.entry;
        else {
          entry = learnField(l, f, (fresh ??= []));
          if (entry !== undefined && i < MAX_REMEMBERED_FIELDS) last[i] = { path: f.path, action: f.action, type: f.type, entry };
          else if (entry === undefined) {
            // Past the bound of learned paths: counted at once, nothing kept for it.
            const countKey = countKeyOf(f);
            if (countKey !== null) {
              add(p, 'fields', f.count);
              add(p, countKey, f.count);
              otel?.field(destination, f.kind ?? f.sensitivity ?? 'untagged', f.action, f.count);
            }
          }
        }
        if (entry === null || entry === undefined || entry.countKey === null) continue;
        if (entry.pending !== p) {
          foldSeen(entry, destination, otel);
          entry.pending = p;
          p.entries.push(entry);
        }
        entry.n += f.count;
      }
      if (fresh !== undefined && fresh.length > 0 && signal('outboundDrift').enabled) {
        learnNew(`outbound:${destination}`, fresh, (keys) => {
          const at = windowOf(now());
          if (!warmedUp(at)) return;
          raise({ id: `${alertId('outboundDrift', destination, 'paths', at)}:${hash32(keys.join('\n')).toString(36)}`, signal: 'outboundDrift', destination, metric: 'paths', observed: keys.length, baseline: l.known.size - keys.length, score: 1, severity: 'warning', window: isoWindow(at), paths: keys });
        });
      }
      const subjects = subjectsOf(report);
      for (let i = 0; i < subjects.length && p.subjects.size < MAX_PENDING_SUBJECTS; i++) p.subjects.add(subjects[i]!);
    },
    refused(destination: string, code: string) {
      const w = windowOf(now());
      add(pendingOf(destination, w), `refused:${code}`, 1);
    },
    status(destination: string, status: number, bytes?: number) {
      const w = windowOf(now());
      const p = pendingOf(destination, w);
      add(p, `status:${Math.floor(status / 100)}xx`, 1);
      if (bytes !== undefined) add(p, 'bytesIn', bytes);
    },
    response(destination: string, value: unknown) {
      if (!signal('responseDrift').enabled) return;
      const w = windowOf(now());
      const l = local(destination);
      l.responses++;
      const shape = shapeOf(value);
      const paths = new Set(shape.map((e) => e.slice(0, e.lastIndexOf(':'))));
      const learning = !warmedUp(w) || l.responses <= 3;
      const changes: string[] = [];
      if (learning) l.required = l.required === undefined ? paths : new Set([...l.required].filter((x) => paths.has(x)));
      else if (l.required !== undefined) {
        for (const r of [...l.required]) {
          if (!paths.has(r)) {
            changes.push(`removed ${r}`);
            l.required.delete(r);
          }
        }
      }
      for (const entry of shape) {
        const cut = entry.lastIndexOf(':');
        const path = entry.slice(0, cut);
        const type = entry.slice(cut + 1);
        let types = l.shapes.get(path);
        if (types?.has(type)) continue;
        if (l.shapes.size >= MAX_LEARNED) break;
        if (!learning) changes.push(types === undefined ? `added ${entry}` : `retyped ${entry}`);
        if (types === undefined) l.shapes.set(path, (types = new Set()));
        types.add(type);
      }
      if (changes.length === 0) return;
      learnNew(`response:${destination}`, changes, (fresh) => {
        raise({ id: `${alertId('responseDrift', destination, 'shape', w)}:${hash32(fresh.join('\n')).toString(36)}`, signal: 'responseDrift', destination, metric: 'shape', observed: fresh.length, baseline: l.shapes.size, score: 1, severity: 'warning', window: isoWindow(w), paths: fresh });
      });
    },
    unknownHost(called: string) {
      const w = windowOf(now());
      const host = reportedHost(called);
      learnNew('hosts', [host], () => {
        raise({ id: alertId('newDestination', host, 'host', w), signal: 'newDestination', destination: host, metric: 'host', observed: 1, baseline: 0, score: 1, severity: 'warning', window: isoWindow(w) });
      });
    },
  };
  attachWatch(destinations, watch);
  // Decoys minted by other instances before this one started.
  enqueue(syncHoneytokens);

  const timer =
    options.clock === undefined
      ? setInterval(() => {
          enqueue(settle);
          enqueue(syncSuspensions);
          enqueue(syncHoneytokens);
        }, options.syncMs ?? 1000)
      : undefined;
  timer?.unref();
  const probeTimer = options.clock === undefined && options.probeMs !== undefined ? setInterval(() => void monitor.probe().catch(() => undefined), options.probeMs) : undefined;
  probeTimer?.unref();

  const monitor: Monitor & { [WATCH_KEY]: Watch } = {
    [WATCH_KEY]: watch,
    destinations,
    honeytoken(o) {
      const value = mintValue(o);
      const token: Honeytoken = { value, kind: o.kind, label: o.label ?? o.kind };
      honeytokens.add(token);
      if (store.addHoneytoken !== undefined) enqueue(() => store.addHoneytoken!(seal(token)));
      return value;
    },
    honeytokens() {
      return honeytokens.list();
    },
    async flush() {
      enqueue(settle);
      enqueue(syncSuspensions);
      enqueue(syncHoneytokens);
      // Jobs queued while these ran (alerts claimed, suspensions written) settle too.
      for (let i = 0; i < 4; i++) await work;
    },
    async probe() {
      const w = windowOf(now());
      for (const name of destinations.names) {
        const base = destinations.get(name).baseUrl;
        if (base === undefined) continue;
        const url = new URL(base);
        const host = url.hostname.replace(/^\[|\]$/g, '');
        if (signal('certificate').enabled && url.protocol === 'https:') {
          const facts = await readCertificate(host, Number(url.port || 443));
          if (facts !== undefined) {
            const fresh = await store.learn(`certificate:${name}`, [`fingerprint ${facts.fingerprint}`, `issuer ${facts.issuer}`]);
            const first = !certificates.has(name) && fresh.length === 2;
            certificates.add(name);
            if (!first && fresh.length > 0) {
              const issuerChanged = fresh.some((f) => f.startsWith('issuer '));
              raise({ id: `${alertId('certificate', name, 'certificate', w)}:${hash32(facts.fingerprint).toString(36)}`, signal: 'certificate', destination: name, metric: 'certificate', observed: 1, baseline: 0, score: 1, severity: issuerChanged ? 'critical' : 'warning', window: isoWindow(w), paths: fresh.map((f) => (f.startsWith('issuer ') ? 'issuer changed' : 'fingerprint changed')) });
            }
            const days = Math.floor((facts.validTo - now()) / 86_400_000);
            if (days <= (options.certificateDays ?? 14)) {
              raise({ id: alertId('certificate', name, 'expiry', w), signal: 'certificate', destination: name, metric: 'expiry', observed: days, baseline: options.certificateDays ?? 14, score: 1, severity: days <= 2 ? 'critical' : 'warning', window: isoWindow(w) });
            }
          }
        }
        const ranges = options.addresses?.[name];
        if (ranges !== undefined && signal('addresses').enabled) {
          const inside = rangesOf(ranges);
          const outside = (await resolveAll(host)).filter((a) => !inside(a));
          if (outside.length > 0) {
            raise({ id: alertId('addresses', name, 'addresses', w), signal: 'addresses', destination: name, metric: 'addresses', observed: outside.length, baseline: ranges.length, score: 1, severity: 'critical', window: isoWindow(w), paths: outside });
          }
        }
      }
      for (let i = 0; i < 4; i++) await work;
    },
    alerts() {
      return [...recent];
    },
    async snapshot() {
      await monitor.flush();
      const w = windowOf(now());
      const out: Record<string, Array<{ start: string; counts: Record<string, number>; subjects: number }>> = {};
      for (const d of new Set([...locals.keys(), ...destinations.names])) {
        const totals = await store.windows(d, w - history, w);
        out[d] = totals.map((t) => ({ start: new Date(t.window * windowMs).toISOString(), counts: { ...t.counts }, subjects: t.subjects }));
      }
      return { version: 1, windowMs, destinations: out };
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      if (probeTimer !== undefined) clearInterval(probeTimer);
      unsubscribe();
      await work;
    },
  };
  return monitor;
}
