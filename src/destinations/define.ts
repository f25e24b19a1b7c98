// Destinations: each vendor declared once — who, where, why, and what it may receive in which form — validated at start-up.
import type { ZodOptional } from 'zod/v4';
import { z } from '../zod.js';
import { FieldguardError } from '../errors.js';
import { parseOptions, keysOption, untaggedOption, vaultOption } from '../options.js';
import { parsePath } from '../schema/path.js';
import type { Rule, UntaggedMode } from '../plan/compile.js';
import { KINDS, LAWFUL_BASES, SENSITIVITIES, type Kind, type LawfulBasis, type Sensitivity } from '../schema/tags.js';
import type { KeyRing } from '../vault/keys.js';
import type { Vault } from '../vault/vault.js';
import type { GeneralizeOptions } from '../techniques/generalize.js';
import type { ShiftDatesOptions } from '../techniques/shift-dates.js';
import { resolveTechnique } from '../techniques/leaf.js';

/** What a destination's policy does with a field. */
export type PolicyAction = 'keep' | 'drop' | 'mask' | 'tokenize' | 'hash' | 'encrypt' | 'fpe' | 'generalize' | 'shiftDates';

/** A path's action with options of its own (`{ action: 'generalize', options: { postalPrefix: 3 } }`). */
export interface PolicyActionWithOptions {
  readonly action: 'generalize' | 'shiftDates';
  readonly options: GeneralizeOptions | ShiftDatesOptions;
}

/** A cross-border transfer mechanism (GDPR Chapter V). */
export type Transfer = 'adequacy' | 'scc' | 'bcr';

/** One vendor, as declared. */
export interface DestinationDeclaration {
  /** The vendor's name, for the inventory. */
  readonly vendor: string;
  /** Requests to URLs under this base go to this destination (guardFetch). */
  readonly baseUrl?: string;
  /** Where the vendor processes the data: ISO 3166-1 alpha-2, or `'EU'`. */
  readonly region: string;
  /** The transfer mechanism for a region outside the EEA; absent means none. */
  readonly transfer?: Transfer;
  /** The GDPR Art. 6 basis for sending the data. */
  readonly lawfulBasis: LawfulBasis;
  /** Why the vendor receives data. */
  readonly purpose: string;
  /** e.g. `['ISO27001', 'SOC2']`. */
  readonly certifications?: readonly string[];
  /** Action per sensitivity; a level not named is dropped. */
  readonly rules: Readonly<Partial<Record<Sensitivity, PolicyAction>>>;
  /** Action per kind, overriding `rules`. */
  readonly kinds?: Readonly<Partial<Record<Kind, PolicyAction>>>;
  /** Action per path (pino syntax), overriding `kinds` and `rules`. */
  readonly paths?: Readonly<Record<string, PolicyAction | PolicyActionWithOptions>>;
  /** Options of every `generalize` in this policy that has none of its own. Default: the documented defaults. */
  readonly generalize?: GeneralizeOptions;
  /** Options of every `shiftDates` in this policy that has none of its own; `subject` is required when the policy shifts dates. */
  readonly shiftDates?: ShiftDatesOptions;
  /** Fields no tag covers. Default `'drop'`. */
  readonly untagged?: UntaggedMode;
  /** Names of the config's schemas this destination receives (for the inventory and the check). */
  readonly receives?: readonly string[];
  /** Token and hash namespace. Default: the destination's name. */
  readonly namespace?: string;
}

/** A declared destination, resolved. */
export interface Destination extends DestinationDeclaration {
  readonly name: string;
  /** The policy as plan rules: paths first, then kinds, then levels, then drop for anything tagged. */
  readonly planRules: readonly Rule[];
  readonly untagged: UntaggedMode;
  readonly namespace: string;
  /** Whether the region is in the EEA (or is the EU). */
  readonly eea: boolean;
}

/**
 * The registry `defineDestinations` returns. `D` is the declarations it was made from, as the type
 * knows them: `Outbound<typeof destinations, 'crm', typeof Order>` reads a destination's policy
 * from it. It exists in types only; the default is a registry whose declarations are not known.
 */
export interface Destinations<D extends Readonly<Record<string, DestinationDeclaration>> = Readonly<Record<string, DestinationDeclaration>>> {
  /** The declarations, in types only: no registry carries this property at run time. */
  readonly '~declarations'?: D;
  readonly names: readonly string[];
  get(name: string): Destination;
  /** The destination whose `baseUrl` is the longest prefix of `url`, if any. */
  match(url: URL | string): Destination | undefined;
  readonly vault: Vault | undefined;
  readonly keys: KeyRing | undefined;
  /**
   * The kill switch: every protect and guardFetch call to the destination is refused with 503
   * `ERR_DESTINATION_SUSPENDED` and nothing is forwarded, until {@link resume}. With a monitor on a
   * shared store, the suspension reaches every instance.
   */
  suspend(name: string, reason: string): void;
  /** Lets traffic to a suspended destination flow again. */
  resume(name: string): void;
  /** The destination's suspension, or `undefined` when it is not suspended. */
  suspension(name: string): Suspension | undefined;
  /** Calls `listener` on every suspension and resumption (for audit events and shared state); returns the unsubscribe. */
  onSuspension(listener: (event: SuspensionEvent) => void): () => void;
}

/** Why and since when a destination is suspended. */
export interface Suspension {
  readonly reason: string;
  /** ISO-8601 time. */
  readonly at: string;
}

/** A suspension or resumption, as listeners receive it. */
export interface SuspensionEvent {
  readonly destination: string;
  readonly suspended: boolean;
  readonly reason: string;
  readonly at: string;
}

/** EEA members (EU 27 plus Iceland, Liechtenstein, Norway). */
export const EEA: ReadonlySet<string> = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO', 'EU',
]);

const action = z.enum(['keep', 'drop', 'mask', 'tokenize', 'hash', 'encrypt', 'fpe', 'generalize', 'shiftDates']);
// Techniques' options are checked where the plan compiles them; here only their place is.
const techniqueOptions = z.record(z.string(), z.unknown());
const pathAction = z.union([action, z.strictObject({ action: z.enum(['generalize', 'shiftDates']), options: techniqueOptions })]);
const declaration = z.strictObject({
  vendor: z.string().min(1),
  baseUrl: z.url().optional(),
  region: z.string().regex(/^(?:[A-Z]{2}|EU)$/, 'must be an ISO 3166-1 alpha-2 code such as DE or US, or EU'),
  transfer: z.enum(['adequacy', 'scc', 'bcr']).optional(),
  lawfulBasis: z.enum(LAWFUL_BASES),
  purpose: z.string().min(1),
  certifications: z.array(z.string().min(1)).optional(),
  rules: z.strictObject(Object.fromEntries(SENSITIVITIES.map((s) => [s, action.optional()])) as Record<Sensitivity, ZodOptional<typeof action>>),
  kinds: z.strictObject(Object.fromEntries(KINDS.map((k) => [k, action.optional()])) as Record<Kind, ZodOptional<typeof action>>).optional(),
  paths: z.record(z.string(), pathAction).optional(),
  generalize: techniqueOptions.optional(),
  shiftDates: techniqueOptions.optional(),
  untagged: untaggedOption.optional(),
  receives: z.array(z.string().min(1)).optional(),
  namespace: z.string().min(1).optional(),
});
const declarations = z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'destination names are letters, digits, - and _'), declaration);
const registryOptions = z.strictObject({ vault: vaultOption.optional(), keys: keysOption.optional() });

const NEEDS_KEYS: ReadonlySet<PolicyAction> = new Set(['hash', 'encrypt', 'fpe']);

/** The plan rules of a declared policy, in precedence order: paths, kinds, levels, then drop. */
export function policyRules(d: DestinationDeclaration): Rule[] {
  const rules: Rule[] = [];
  // generalize and shiftDates carry the policy's options for them unless a path gives its own.
  const rule = (select: Rule['select'], a: PolicyAction | PolicyActionWithOptions): Rule => {
    if (typeof a !== 'string') return { select, action: a.action, options: a.options };
    const options = a === 'generalize' ? d.generalize : a === 'shiftDates' ? d.shiftDates : undefined;
    return options === undefined ? { select, action: a } : { select, action: a, options };
  };
  for (const [path, a] of Object.entries(d.paths ?? {})) rules.push(rule({ paths: [path] }, a));
  for (const [kind, a] of Object.entries(d.kinds ?? {})) if (a !== undefined) rules.push(rule({ kinds: [kind as Kind] }, a));
  for (const [level, a] of Object.entries(d.rules)) if (a !== undefined) rules.push(rule({ sensitivity: level as Sensitivity }, a));
  // Anything not stated is dropped, whatever `untagged` says of fields no tag covers.
  rules.push({ select: { atLeast: 'public' }, action: 'drop' });
  return rules;
}

/**
 * Declares the destinations — vendors — a service sends data to, each with its region, transfer
 * mechanism, lawful basis, purpose and policy: an action per sensitivity (`keep`, `drop`, `mask`,
 * `tokenize`, `hash`, `encrypt`, `fpe` (each kind's default format), `generalize`, `shiftDates` — options in
 * `generalize` / `shiftDates` or per path), overridden per kind and per path. Anything not stated is
 * dropped, and so are untagged fields unless `untagged` says otherwise. Validated at start-up: a
 * typo names the destination and the key; a policy that needs a vault or keys the registry lacks
 * is refused.
 *
 * @example
 * ```ts
 * const destinations = defineDestinations({
 *   analytics: { vendor: 'Acme Analytics', baseUrl: 'https://api.acme.example', region: 'US', transfer: 'scc',
 *     lawfulBasis: 'legitimate_interests', purpose: 'product analytics',
 *     rules: { public: 'keep', internal: 'keep', personal: 'hash' } },
 * }, { keys });
 * ```
 */
export function defineDestinations<const D extends Readonly<Record<string, DestinationDeclaration>>>(
  decls: D,
  options: { readonly vault?: Vault; readonly keys?: KeyRing } = {},
): Destinations<D> {
  parseOptions('defineDestinations', declarations, decls);
  parseOptions('defineDestinations', registryOptions, options);
  const keys = options.keys ?? options.vault?.keys;
  const map = new Map<string, Destination>();
  for (const [name, d] of Object.entries(decls)) {
    const actions = [...Object.values(d.rules), ...Object.values(d.kinds ?? {}), ...Object.values(d.paths ?? {}).map((a) => (typeof a === 'string' ? a : a.action))].filter(
      (a): a is PolicyAction => a !== undefined,
    );
    for (const path of Object.keys(d.paths ?? {})) {
      try {
        parsePath(path);
      } catch (e) {
        throw new FieldguardError('ERR_INVALID_PATH', `defineDestinations(): ${name}.paths: ${(e as Error).message}`);
      }
    }
    if (actions.some((a) => a === 'tokenize') && options.vault === undefined) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `defineDestinations(): ${name} tokenizes, so pass a vault: defineDestinations(decls, { vault })`);
    }
    if (actions.some((a) => NEEDS_KEYS.has(a)) && keys === undefined) {
      throw new FieldguardError('ERR_INVALID_OPTIONS', `defineDestinations(): ${name} hashes or encrypts, so pass keys (or a vault): defineDestinations(decls, { keys })`);
    }
    const planRules = policyRules(d);
    // A technique's options are checked now, at start-up, as the plan will compile them.
    planRules.forEach((r) => {
      try {
        resolveTechnique(r, 0, keys);
      } catch (e) {
        throw new FieldguardError(e instanceof FieldguardError ? e.code : 'ERR_INVALID_OPTIONS', `defineDestinations(): ${name}: ${(e as Error).message.replace(/^rule 0: /, '')}`);
      }
    });
    map.set(
      name,
      Object.freeze({
        ...d,
        name,
        planRules,
        untagged: d.untagged ?? 'drop',
        namespace: d.namespace ?? name,
        eea: EEA.has(d.region),
      }),
    );
  }
  const suspended = new Map<string, Suspension>();
  const listeners = new Set<(event: SuspensionEvent) => void>();
  const announce = (event: SuspensionEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // A failing listener never stops the switch.
      }
    }
  };
  const byBase = [...map.values()].filter((d) => d.baseUrl !== undefined).sort((a, b) => b.baseUrl!.length - a.baseUrl!.length);
  // Each base URL normalized once, with the two prefixes a URL under it starts with: matching parses only the URL asked about.
  const bases = byBase.map((d) => {
    const base = new URL(d.baseUrl!).href;
    return { d, base, below: base.endsWith('/') ? base : `${base}/`, query: `${base}?` };
  });
  return Object.freeze({
    names: Object.freeze([...map.keys()]),
    vault: options.vault,
    keys,
    get(name: string): Destination {
      const d = map.get(name);
      if (d === undefined) throw new FieldguardError('ERR_UNKNOWN_DESTINATION', `no destination named ${JSON.stringify(name)}; declared: ${[...map.keys()].join(', ')}`);
      return d;
    },
    suspend(name: string, reason: string): void {
      if (!map.has(name)) throw new FieldguardError('ERR_UNKNOWN_DESTINATION', `suspend(): no destination named ${JSON.stringify(name)}; declared: ${[...map.keys()].join(', ')}`);
      if (suspended.has(name)) return;
      const s = Object.freeze({ reason: String(reason), at: new Date().toISOString() });
      suspended.set(name, s);
      announce({ destination: name, suspended: true, ...s });
    },
    resume(name: string): void {
      const s = suspended.get(name);
      if (s === undefined) return;
      suspended.delete(name);
      announce({ destination: name, suspended: false, reason: s.reason, at: new Date().toISOString() });
    },
    suspension(name: string): Suspension | undefined {
      return suspended.get(name);
    },
    onSuspension(listener: (event: SuspensionEvent) => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    match(url: URL | string): Destination | undefined {
      const href = typeof url === 'string' ? new URL(url).href : url.href;
      for (const b of bases) if (href === b.base || href.startsWith(b.below) || href.startsWith(b.query)) return b.d;
      return undefined;
    },
  });
}

/** Whether a value is a registry made by {@link defineDestinations}. */
export function isDestinations(v: unknown): v is Destinations {
  return v !== null && typeof v === 'object' && typeof (v as Destinations).match === 'function' && Array.isArray((v as Destinations).names);
}
