// The one seam between plans and the anonymization techniques: a rule's options resolved at compile time, a value transformed in the walk.
import type { Kind } from '../schema/tags.js';
import type { KeyRing } from '../vault/keys.js';
import { generalizeValue, resolveGeneralize, type GeneralizeOptions, type ResolvedGeneralize } from './generalize.js';
import { offsetDays, readSubject, resolveShift, shiftValue, type ResolvedShift, type ShiftDatesOptions } from './shift-dates.js';

/** Options a rule can carry for its action: {@link GeneralizeOptions} for `generalize`, {@link ShiftDatesOptions} for `shiftDates`. */
export type TechniqueOptions = GeneralizeOptions | ShiftDatesOptions;

/** A rule's technique, resolved once when the plan is compiled. */
export type Technique =
  | { readonly action: 'generalize'; readonly options: ResolvedGeneralize }
  | { readonly action: 'shiftDates'; readonly shift: ResolvedShift };

/** Each shiftDates rule's offset for one payload, read from its root before the walk (`undefined`: no subject, dates dropped). */
export type Offsets = ReadonlyMap<ResolvedShift, number | undefined>;

/** The technique of rule `i`, or `undefined` for actions that are not one. Throws at start-up on bad options. */
export function resolveTechnique(rule: { readonly action: string; readonly options?: unknown }, i: number, keys: KeyRing | undefined): Technique | undefined {
  if (rule.action === 'generalize') return { action: 'generalize', options: resolveGeneralize(rule.options, `rule ${i}`) };
  if (rule.action === 'shiftDates') return { action: 'shiftDates', shift: resolveShift(rule.options, keys, `rule ${i}`) };
  return undefined;
}

/** The shiftDates rules among a plan's techniques. */
export function shiftsOf(techniques: ReadonlyArray<Technique | undefined>): ResolvedShift[] {
  return techniques.flatMap((t) => (t?.action === 'shiftDates' ? [t.shift] : []));
}

/** Reads each subject once from the payload's root and derives its offset. */
export function subjectOffsets(shifts: readonly ResolvedShift[], root: unknown, namespace: string): Offsets {
  const out = new Map<ResolvedShift, number | undefined>();
  for (const s of shifts) {
    const id = readSubject(root, s.keys);
    out.set(s, id === undefined ? undefined : offsetDays(s, namespace, id));
  }
  return out;
}

/** A value through its technique; `undefined` means drop it (it could not be generalized or shifted). */
export function applyTechnique(t: Technique, kind: Kind | undefined, value: unknown, offsets: Offsets | undefined): unknown {
  if (t.action === 'generalize') return generalizeValue(kind, value, t.options);
  return shiftValue(value, offsets?.get(t.shift));
}
