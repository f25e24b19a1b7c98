// The narrow seam between the guards and a monitor: what protect, scrubPII, guardFetch and redactLogs tell it — counts, paths, sizes, statuses, never values.
import type { Report } from '../plan/report.js';

/** Where an outbound decoy was found. */
export type Channel = 'body' | 'query' | 'headers' | 'url';

/** One request as it left for a destination. */
export interface Outbound {
  /** The walk's report (paths, kinds, actions, counts); the tokens and hashes it sent are read beside it (`subjectsOf`) for distinct subjects. */
  readonly report: Report | undefined;
  /** Bytes of the body sent. */
  readonly bytes: number;
  /** `false` for a record of a streamed body, counted after its request was: its fields and subjects only. Default `true`. */
  readonly request?: boolean;
}

/** What a monitor exposes to the guards. Every method is cheap and never throws. */
export interface Watch {
  /** How many honeytokens there are to search for (0: no search at all). */
  readonly honeytokens: number;
  /** Whether the answers of proxied routes are watched (status, and shape for responseDrift). */
  readonly answers: boolean;
  /**
   * Whether to read this answer for its shape: every answer while the destination's shape is being
   * learned, then at most one per destination per {@link ANSWER_SAMPLE_MS} of the monitor's clock.
   */
  sampleAnswer(destination: string): boolean;
  /** Searches a text for a honeytoken; when one is found, raises the critical alert and returns the error to refuse with. */
  check(destination: string, channel: Channel, text: string): Error | undefined;
  /** Searches a parsed body (every key, string and number, as its JSON text would carry them) for a honeytoken; as `check`. */
  checkValue(destination: string, channel: Channel, value: unknown): Error | undefined;
  /** Counts one outbound request. */
  outbound(destination: string, out: Outbound): void;
  /** Counts a refusal (its code only). */
  refused(destination: string, code: string): void;
  /** Counts an answer's status. */
  status(destination: string, status: number, bytes?: number): void;
  /** Learns the shape of a vendor's answer (paths and JSON types only). */
  response(destination: string, value: unknown): void;
  /** A host that no destination declares was called. */
  unknownHost(host: string): void;
}

const WATCH = Symbol.for('fieldguard.monitor.watch');
const ATTACHED = Symbol.for('fieldguard.monitor.attached');
type Holder = { [ATTACHED]?: WeakMap<object, Watch> };
// Shared by the ESM and CJS builds, like the schema registry: a monitor from one build watches guards from the other.
const attached: WeakMap<object, Watch> = ((globalThis as Holder)[ATTACHED] ??= new WeakMap());

/** Attaches a monitor's watch to a destinations registry, so every guard built on it feeds the monitor. */
export function attachWatch(registry: object, watch: Watch): void {
  attached.set(registry, watch);
}

/** The watch of a registry or of a monitor, if any. */
export function watchOf(source: object | undefined): Watch | undefined {
  if (source === undefined) return undefined;
  return attached.get(source) ?? (source as { [WATCH]?: Watch })[WATCH];
}

/** The property under which a monitor carries its watch (for scrubPII's and redactLogs' `monitor` option). */
export const WATCH_KEY: typeof WATCH = WATCH;

/** After warm-up, the shortest time between two answers of one destination read for their shape (ms). */
export const ANSWER_SAMPLE_MS = 100;
