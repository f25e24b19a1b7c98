// dpTelemetry's behaviour, written once: each finished request becomes metric values held in memory for one window; only noisy aggregates leave.
import { FieldguardError } from '../errors.js';
import { privacyBudget, type DpRecord } from '../techniques/budget.js';
import type { RandomSource } from '../techniques/dp-noise.js';
import type { Behaviour } from './exchange.js';

/** What the middleware knows of one finished request. `native` is the framework's request (Express `req`, Koa `ctx`), for the app's own values. */
export interface TelemetryEvent<Native = unknown> {
  readonly method: string;
  /** The route pattern (`/orders/:id`), never the matched URL; `undefined` when no route matched. */
  readonly route: string | undefined;
  readonly status: number;
  readonly durationMs: number;
  readonly native: Native;
}

/** A metric: what is aggregated per window, with the bounds its sensitivity comes from. */
export type TelemetryMetric<Native = unknown> =
  | { readonly type: 'count'; readonly where?: (event: TelemetryEvent<Native>) => boolean }
  | {
      readonly type: 'sum' | 'mean' | 'quantile';
      readonly value: (event: TelemetryEvent<Native>) => number;
      readonly lower: number;
      readonly upper: number;
      /** For `quantile`: which one (0–1). Default 0.5. */
      readonly q?: number;
      readonly resolution?: number;
    }
  | { readonly type: 'histogram'; readonly value: (event: TelemetryEvent<Native>) => string; readonly bins: readonly string[] };

/** What the destination receives once per window: the window and one noisy number (or noisy bins) per metric. */
export interface TelemetryRelease {
  readonly window: { readonly start: string; readonly end: string };
  /** The ε this release spent (split evenly over the metrics). */
  readonly epsilon: number;
  readonly metrics: Readonly<Record<string, number | Readonly<Record<string, number>>>>;
}

/** Options of `dpTelemetry` (Express and Koa). */
export interface DpTelemetryOptions<Native = unknown> {
  /**
   * Where each window's release goes: an `https:` URL (or `http:` on loopback) that receives it as a
   * JSON POST, or a function.
   */
  readonly destination: string | URL | ((release: TelemetryRelease) => void | Promise<void>);
  /** The metrics, by name. The window's ε is split evenly over them. */
  readonly metrics: Readonly<Record<string, TelemetryMetric<Native>>>;
  /** ε per window: each release is ε-DP for the events of its window. */
  readonly epsilon: number;
  /** The window in milliseconds (at least 1,000). */
  readonly window: number;
  /**
   * Who an event is about (a user or account id), for the contribution bound: with it, privacy is
   * per subject; without it, per event (each event is its own subject).
   */
  readonly subject?: (event: TelemetryEvent<Native>) => string | undefined;
  /** Most events per subject and window that count. Default 1. */
  readonly contributions?: number;
  /** Most events held per window; past it, events are not counted (memory stays bounded). Default 100,000. */
  readonly maxEvents?: number;
  /** Called when a release cannot be sent (the error carries no data). Default: ignored. */
  readonly onError?: (error: FieldguardError) => void;
  /** Tests only: a seeded random source. */
  readonly random?: RandomSource;
}

/** The controls of a telemetry middleware: record an event it did not see, release now, and stop. */
export interface TelemetryControl {
  /**
   * Counts an event the middleware did not see — a vendor call made with `guardFetch`, a job — the
   * same way as a finished request: its metric values are held for the window, the event is not.
   */
  record(event: TelemetryEvent<unknown>): void;
  /** Releases the current window now and starts a new one; resolves with what was sent. */
  flush(): Promise<TelemetryRelease>;
  /** Releases the current window and stops the timer. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const TYPES = new Set(['count', 'sum', 'mean', 'quantile', 'histogram']);

function invalid(name: string, message: string): never {
  throw new FieldguardError('ERR_INVALID_OPTIONS', `${name}(): ${message}`);
}

function checkOptions(name: string, o: DpTelemetryOptions<never>): void {
  if (o === null || typeof o !== 'object') invalid(name, 'takes { destination, metrics, epsilon, window }');
  for (const k of Object.keys(o)) {
    if (!['destination', 'metrics', 'epsilon', 'window', 'subject', 'contributions', 'maxEvents', 'onError', 'random'].includes(k)) invalid(name, `unknown option ${JSON.stringify(k)}`);
  }
  if (!(typeof o.epsilon === 'number' && o.epsilon > 0 && Number.isFinite(o.epsilon))) invalid(name, 'epsilon must be a positive number');
  if (!(Number.isSafeInteger(o.window) && o.window >= 1000)) invalid(name, 'window is a number of milliseconds, at least 1000');
  for (const k of ['contributions', 'maxEvents'] as const) {
    if (o[k] !== undefined && !(Number.isSafeInteger(o[k]) && o[k] > 0)) invalid(name, `${k} must be a positive integer`);
  }
  if (o.subject !== undefined && typeof o.subject !== 'function') invalid(name, 'subject must be a function of the event');
  if (o.metrics === null || typeof o.metrics !== 'object' || Object.keys(o.metrics).length === 0) invalid(name, 'metrics needs at least one metric');
  for (const [m, spec] of Object.entries(o.metrics)) {
    if (!TYPES.has((spec as { type?: string })?.type ?? '')) invalid(name, `metrics.${m}.type is count, sum, mean, quantile or histogram`);
    if (spec.type !== 'count' && typeof spec.value !== 'function') invalid(name, `metrics.${m} needs value(event)`);
    if ((spec.type === 'sum' || spec.type === 'mean' || spec.type === 'quantile') && !(Number.isFinite(spec.lower) && Number.isFinite(spec.upper) && spec.lower <= spec.upper)) {
      invalid(name, `metrics.${m} needs clipping bounds lower ≤ upper`);
    }
    if (spec.type === 'histogram' && !(Array.isArray(spec.bins) && spec.bins.length > 0 && spec.bins.every((b) => typeof b === 'string' && b !== '__proto__'))) {
      invalid(name, `metrics.${m} needs bins: a non-empty list of names`);
    }
  }
  if (typeof o.destination !== 'function') {
    let url: URL;
    try {
      url = new URL(String(o.destination));
    } catch {
      return invalid(name, 'destination must be a URL or a function');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new FieldguardError('ERR_INSECURE_TRANSPORT', `${name}(): the destination must be https: (http: only on loopback)`);
    }
  }
}

/** A metric's value of one event as a record, or `undefined` when the metric does not count it. */
function recordOf<N>(spec: TelemetryMetric<N>, event: TelemetryEvent<N>, subject: string | undefined): DpRecord | undefined {
  const base = subject === undefined ? {} : { subject };
  if (spec.type === 'count') return spec.where === undefined || spec.where(event) ? base : undefined;
  const value = spec.value(event);
  return { ...base, value };
}

/** One window's noisy aggregates, under a fresh budget of ε split evenly over the metrics (counts and bins floored at zero). */
function aggregate<N>(options: DpTelemetryOptions<N>, names: readonly string[], held: ReadonlyMap<string, DpRecord[]>): Record<string, number | Record<string, number>> {
  // A fresh budget per window: each window's release is ε-DP for that window's events.
  const budget = privacyBudget({ epsilon: options.epsilon, ...(options.random === undefined ? {} : { random: options.random }) });
  const q = { epsilon: options.epsilon / names.length, contributions: options.contributions ?? 1 };
  const metrics: Record<string, number | Record<string, number>> = {};
  for (const m of names) {
    const spec = options.metrics[m]!;
    const data = held.get(m)!;
    if (spec.type === 'count') metrics[m] = Math.max(0, budget.count(data, q));
    else if (spec.type === 'histogram') metrics[m] = Object.fromEntries(Object.entries(budget.histogram(data, { ...q, bins: spec.bins })).map(([b, n]) => [b, Math.max(0, n)]));
    else {
      const nq = { ...q, lower: spec.lower, upper: spec.upper, ...(spec.resolution === undefined ? {} : { resolution: spec.resolution }) };
      metrics[m] = spec.type === 'sum' ? budget.sum(data, nq) : spec.type === 'mean' ? budget.mean(data, nq) : budget.quantile(data, { ...nq, q: spec.q ?? 0.5 });
    }
  }
  return metrics;
}

/**
 * Builds dpTelemetry's behaviour and its controls. Every finished request is turned into one record
 * per metric (the metric's value and the subject, nothing else of the request is kept) in memory;
 * at the end of each window one release of noisy aggregates is sent — also for a window without
 * events, so the release itself says nothing about activity. Individual events never leave.
 */
export function telemetryBehaviour<N>(name: string, options: DpTelemetryOptions<N>): { behaviour: Behaviour<N>; control: TelemetryControl } {
  checkOptions(name, options as DpTelemetryOptions<never>);
  const names = Object.keys(options.metrics);
  const maxEvents = options.maxEvents ?? 100_000;
  let records = new Map<string, DpRecord[]>(names.map((m) => [m, []]));
  let events = 0;
  let start = Date.now();

  const send = async (release: TelemetryRelease): Promise<void> => {
    if (typeof options.destination === 'function') {
      await options.destination(release);
      return;
    }
    const res = await fetch(String(options.destination), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(release) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`status ${res.status}`);
  };

  const release = async (): Promise<TelemetryRelease> => {
    const held = records;
    const from = start;
    records = new Map(names.map((m) => [m, []]));
    events = 0;
    start = Date.now();
    let metrics: Record<string, number | Record<string, number>>;
    try {
      metrics = aggregate(options, names, held);
    } catch {
      // A release that cannot be computed is not sent at all, rather than sent in part.
      options.onError?.(new FieldguardError('ERR_INTERNAL', `${name}: the release of a window could not be computed`));
      return { window: { start: new Date(from).toISOString(), end: new Date(start).toISOString() }, epsilon: 0, metrics: {} };
    }
    const out: TelemetryRelease = { window: { start: new Date(from).toISOString(), end: new Date(start).toISOString() }, epsilon: options.epsilon, metrics };
    try {
      await send(out);
    } catch {
      options.onError?.(new FieldguardError('ERR_INTERNAL', `${name}: the release of a window could not be sent`));
    }
    return out;
  };

  const timer = setInterval(() => void release().catch(() => undefined), options.window);
  timer.unref();

  const observe = (event: TelemetryEvent<N>): void => {
    if (events >= maxEvents) return;
    events++;
    try {
      const subject = options.subject?.(event);
      for (const m of names) {
        const r = recordOf(options.metrics[m]!, event, subject);
        if (r !== undefined) records.get(m)!.push(r);
      }
    } catch {
      // A metric function that throws leaves this event out; the request itself is not affected.
    }
  };

  const behaviour: Behaviour<N> = async (ex) => {
    const t0 = performance.now();
    ex.finished((outcome) => {
      observe({ method: ex.req.method ?? 'GET', route: ex.route(), status: outcome.status, durationMs: performance.now() - t0, native: ex.native });
    });
    await ex.next();
  };

  return {
    behaviour,
    control: {
      record: (event) => observe(event as TelemetryEvent<N>),
      flush: release,
      async close() {
        clearInterval(timer);
        await release();
      },
    },
  };
}
