// The shape every detector reports: a kind and a span, never the text.

/** What a detector can find. The last five are credentials and mask as the schema kind `credential`. */
export const FINDING_KINDS = [
  'email',
  'phone',
  'cardNumber',
  'ssn',
  'iban',
  'ipAddress',
  'jwt',
  'awsAccessKey',
  'apiKey',
  'privateKey',
  'urlCredentials',
] as const;

/** A kind of finding. */
export type FindingKind = (typeof FINDING_KINDS)[number];

/** One finding: its kind and the span `[start, end)` of the sensitive text. Never the text itself. */
export interface Finding {
  readonly kind: FindingKind;
  readonly start: number;
  readonly end: number;
}
