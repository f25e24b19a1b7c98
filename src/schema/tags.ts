// The tag model: sensitivity levels, kinds of value, lawful bases, and the validation of a tag.

/** The ordered sensitivity scale, least to most harmful. */
export const SENSITIVITIES = ['public', 'internal', 'personal', 'special', 'secret'] as const;

/**
 * How harmful a field's value is if it leaks: `public` < `internal` < `personal`
 * (GDPR personal data) < `special` (Art. 9 data, national identifiers) < `secret` (credentials).
 */
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** What a value is, independent of its level; it picks the default mask format. */
export const KINDS = [
  'email',
  'phone',
  'name',
  'address',
  'postalCode',
  'birthDate',
  'ssn',
  'nationalId',
  'cardNumber',
  'cardCvv',
  'iban',
  'ipAddress',
  'geo',
  'health',
  'credential',
  'freeText',
  'identifier',
] as const;

/** The kind of a field's value (`email`, `cardNumber`, …). */
export type Kind = (typeof KINDS)[number];

/** The six lawful bases of GDPR Art. 6. */
export const LAWFUL_BASES = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interests',
] as const;

/** A lawful basis of GDPR Art. 6. */
export type LawfulBasis = (typeof LAWFUL_BASES)[number];

/** What a field is tagged with. A tag on an object or array applies to everything below it. */
export interface FieldTag {
  /** The field's sensitivity level. */
  readonly sensitivity: Sensitivity;
  /** What the value is; picks the default mask format. */
  readonly kind?: Kind;
  /** Why the service holds the value (free text, for the inventory). */
  readonly purpose?: string;
  /** How long the value may be kept, as an ISO-8601 duration such as `P30D`. */
  readonly retention?: string;
  /** The GDPR Art. 6 basis for processing the value. */
  readonly lawfulBasis?: LawfulBasis;
  /**
   * Whether the field is a quasi-identifier: not identifying alone, but in combination with others
   * (age, sex, ZIP code). `assessRisk` and `anonymize` count it as one besides the kinds that always are
   * (`birthDate`, `postalCode`, `geo`, `ipAddress`). JSON Schema keyword `x-quasi-identifier`.
   */
  readonly quasiIdentifier?: boolean;
}

/** The optional parts of a tag, as given to {@link tag}. */
export type TagExtra = Omit<FieldTag, 'sensitivity'>;

const RANK: Readonly<Record<Sensitivity, number>> = { public: 0, internal: 1, personal: 2, special: 3, secret: 4 };

/** Position of a level on the scale: `public` is 0, `secret` is 4. */
export function rank(s: Sensitivity): number {
  return RANK[s];
}

const SENSITIVITY_SET: ReadonlySet<string> = new Set(SENSITIVITIES);
const KIND_SET: ReadonlySet<string> = new Set(KINDS);
const BASIS_SET: ReadonlySet<string> = new Set(LAWFUL_BASES);
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** Whether a string is one of the sensitivity levels. */
export function isSensitivity(v: unknown): v is Sensitivity {
  return typeof v === 'string' && SENSITIVITY_SET.has(v);
}

/** Whether a string is one of the kinds. */
export function isKind(v: unknown): v is Kind {
  return typeof v === 'string' && KIND_SET.has(v);
}

/**
 * Checks the parts of a tag and returns it frozen, or the list of what is wrong.
 * Messages quote the offending annotation, which is schema text written by the developer, never payload data.
 */
export function checkTag(raw: {
  sensitivity: unknown;
  kind?: unknown;
  purpose?: unknown;
  retention?: unknown;
  lawfulBasis?: unknown;
  quasiIdentifier?: unknown;
}): FieldTag | string[] {
  const problems: string[] = [];
  if (!isSensitivity(raw.sensitivity)) {
    problems.push(`unknown sensitivity ${quote(raw.sensitivity)}; use one of ${SENSITIVITIES.join(', ')}`);
  }
  if (raw.kind !== undefined && !isKind(raw.kind)) {
    problems.push(`unknown kind ${quote(raw.kind)}; use one of ${KINDS.join(', ')}`);
  }
  if (raw.purpose !== undefined && typeof raw.purpose !== 'string') problems.push('purpose must be a string');
  if (raw.retention !== undefined) {
    if (typeof raw.retention !== 'string' || !ISO_DURATION.test(raw.retention)) {
      problems.push(`retention ${quote(raw.retention)} is not an ISO-8601 duration such as P30D`);
    } else if (!isPositiveDuration(raw.retention)) {
      // A zero retention would make every token of the field expire on arrival, as `ttl: 0` would.
      problems.push(`retention ${quote(raw.retention)} must be a positive duration such as P30D`);
    }
  }
  if (raw.lawfulBasis !== undefined && (typeof raw.lawfulBasis !== 'string' || !BASIS_SET.has(raw.lawfulBasis))) {
    problems.push(`unknown lawful basis ${quote(raw.lawfulBasis)}; use one of ${LAWFUL_BASES.join(', ')}`);
  }
  if (raw.quasiIdentifier !== undefined && typeof raw.quasiIdentifier !== 'boolean') problems.push('quasiIdentifier must be true or false');
  if (problems.length > 0) return problems;
  const tag: { -readonly [K in keyof FieldTag]: FieldTag[K] } = { sensitivity: raw.sensitivity as Sensitivity };
  if (raw.kind !== undefined) tag.kind = raw.kind as Kind;
  if (raw.purpose !== undefined) tag.purpose = raw.purpose as string;
  if (raw.retention !== undefined) tag.retention = raw.retention as string;
  if (raw.lawfulBasis !== undefined) tag.lawfulBasis = raw.lawfulBasis as LawfulBasis;
  if (raw.quasiIdentifier === true) tag.quasiIdentifier = true;
  return Object.freeze(tag);
}

/** Whether an ISO-8601 duration (already matched by the grammar) has some part above zero: `P0D`, `PT0S` have none. */
function isPositiveDuration(d: string): boolean {
  return (d.match(/\d+(?:\.\d+)?/g) ?? []).some((n) => Number(n) > 0);
}

function quote(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v) : typeof v;
  return s;
}

/** The more sensitive of two tags (the first on a tie), as used when `anyOf`/`oneOf`/`allOf` meet. */
export function moreSensitive(a: FieldTag | undefined, b: FieldTag | undefined): FieldTag | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return rank(b.sensitivity) > rank(a.sensitivity) ? b : a;
}
