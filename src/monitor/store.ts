// Where a monitor keeps its windows, what it has learned, its claims on alerts and the suspensions: the interface, and the in-memory store.
import { HyperLogLog } from './hll.js';

/** What one instance counted for one destination in one window since its last flush. */
export interface WindowDelta {
  readonly destination: string;
  /** The window's index: `Math.floor(time / windowMs)`. */
  readonly window: number;
  /** Counts by metric (`requests`, `bytes`, `fields`, `kind:email:token`, `status:2xx`, …). */
  readonly counts: Readonly<Record<string, number>>;
  /** 32-bit hashes of the distinct subjects sent (tokens and hashes), for the distinct count. */
  readonly subjects: readonly number[];
}

/** A window's totals, over every instance that shares the store. */
export interface WindowTotals {
  readonly window: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Estimated distinct subjects. */
  readonly subjects: number;
}

/** A suspended destination, as stored. */
export interface StoredSuspension {
  readonly reason: string;
  readonly at: string;
}

/**
 * A monitor's store. Counts and sketches only — never a value. The default keeps everything in
 * this process; `redisMonitorStore` shares it across a fleet. Every method may reject: the
 * monitor then keeps its local counts and reports nothing it cannot compute.
 */
export interface MonitorStore {
  /** Adds deltas to their windows (atomically per window in a shared store); windows expire after `ttlMs`. */
  add(deltas: readonly WindowDelta[], ttlMs: number): Promise<void>;
  /** The totals of windows `from`…`to` (inclusive) of a destination; a window nothing was counted in is absent. */
  windows(destination: string, from: number, to: number): Promise<WindowTotals[]>;
  /** Records keys (field paths, shapes, hosts) under a namespace; resolves to those no instance had recorded before. */
  learn(namespace: string, keys: readonly string[]): Promise<string[]>;
  /** Whether this instance is the first to claim an alert id (so a fleet raises each alert once). */
  claim(id: string, ttlMs: number): Promise<boolean>;
  /** Sets or clears a destination's suspension. */
  setSuspension(destination: string, state: StoredSuspension | undefined): Promise<void>;
  /** Every suspended destination. */
  suspensions(): Promise<Readonly<Record<string, StoredSuspension>>>;
  /**
   * Appends a sealed honeytoken entry to the list every instance reads (a shared store shares the
   * decoys with it). Without this method decoys are this instance's only.
   */
  addHoneytoken?(entry: string): Promise<void>;
  /** The sealed honeytoken entries from position `from` on (each instance reads only what it has not read). */
  honeytokens?(from: number): Promise<string[]>;
  /** Releases what the store holds open (connections are the app's). */
  close?(): Promise<void>;
}

/** Most keys learned per namespace: paths and shapes past it are not learned (and so not reported as new). */
export const MAX_LEARNED = 10_000;

interface MemoryWindow {
  readonly counts: Map<string, number>;
  readonly sketch: HyperLogLog;
  expires: number;
}

/**
 * The default store: this process only. Windows are dropped once expired, learned keys are capped
 * at {@link MAX_LEARNED} per namespace, so memory is bounded whatever the traffic.
 *
 * @example
 * ```ts
 * const monitor = createMonitor({ destinations, store: memoryMonitorStore(), onAlert });
 * ```
 */
export function memoryMonitorStore(options: { readonly now?: () => number } = {}): MonitorStore {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Map<number, MemoryWindow>>();
  const learned = new Map<string, Set<string>>();
  const claims = new Map<string, number>();
  const suspended = new Map<string, StoredSuspension>();
  const decoys: string[] = [];
  const sweep = (t: number): void => {
    for (const [d, byWindow] of windows) {
      for (const [w, entry] of byWindow) if (entry.expires <= t) byWindow.delete(w);
      if (byWindow.size === 0) windows.delete(d);
    }
    for (const [id, expires] of claims) if (expires <= t) claims.delete(id);
  };
  return {
    async add(deltas, ttlMs) {
      const t = now();
      sweep(t);
      for (const d of deltas) {
        let byWindow = windows.get(d.destination);
        if (byWindow === undefined) windows.set(d.destination, (byWindow = new Map()));
        let entry = byWindow.get(d.window);
        if (entry === undefined) byWindow.set(d.window, (entry = { counts: new Map(), sketch: new HyperLogLog(), expires: 0 }));
        entry.expires = t + ttlMs;
        for (const [k, n] of Object.entries(d.counts)) entry.counts.set(k, (entry.counts.get(k) ?? 0) + n);
        for (const h of d.subjects) entry.sketch.add(h);
      }
    },
    async windows(destination, from, to) {
      const out: WindowTotals[] = [];
      const byWindow = windows.get(destination);
      if (byWindow === undefined) return out;
      for (let w = from; w <= to; w++) {
        const entry = byWindow.get(w);
        if (entry !== undefined) out.push({ window: w, counts: Object.fromEntries(entry.counts), subjects: entry.sketch.count() });
      }
      return out;
    },
    async learn(namespace, keys) {
      let set = learned.get(namespace);
      if (set === undefined) learned.set(namespace, (set = new Set()));
      const fresh: string[] = [];
      for (const k of keys) {
        if (set.has(k) || set.size >= MAX_LEARNED) continue;
        set.add(k);
        fresh.push(k);
      }
      return fresh;
    },
    async claim(id, ttlMs) {
      const t = now();
      const expires = claims.get(id);
      if (expires !== undefined && expires > t) return false;
      claims.set(id, t + ttlMs);
      return true;
    },
    async setSuspension(destination, state) {
      if (state === undefined) suspended.delete(destination);
      else suspended.set(destination, state);
    },
    async suspensions() {
      return Object.fromEntries(suspended);
    },
    async addHoneytoken(entry) {
      decoys.push(entry);
    },
    async honeytokens(from) {
      return decoys.slice(from);
    },
  };
}
