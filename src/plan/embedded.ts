// Reads a payload held as JSON text inside a string (an HTTP client error's request body, a message template, a webhook kept as text): the schema applies inside it.

/** Longer texts are left to the detectors alone: parsing them on every line would cost more than the line. */
const MAX_EMBEDDED = 1_000_000;

function parsesAt(text: string, open: string, close: string): { start: number; end: number; value: object } | undefined {
  const start = text.indexOf(open);
  if (start < 0) return undefined;
  const end = text.lastIndexOf(close);
  if (end <= start) return undefined;
  try {
    const value: unknown = JSON.parse(text.slice(start, end + 1));
    return value !== null && typeof value === 'object' ? { start, end, value } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Wraps a text scanner so that a JSON object or array inside the text — the whole text, or one
 * run of it between text before and after — is parsed, redacted as a logged object would be, and
 * written back as JSON; the text around it is scanned. Text holding no JSON is only scanned.
 */
export function embeddedJsonScan(scan: (text: string) => string, redact: (value: unknown) => unknown): (text: string) => string {
  return function scanWithEmbeddedJson(text) {
    if (text.length > MAX_EMBEDDED || text.length < 2) return scan(text);
    const brace = text.indexOf('{');
    const bracket = text.indexOf('[');
    if (brace < 0 && bracket < 0) return scan(text);
    const a = brace < 0 ? undefined : parsesAt(text, '{', '}');
    const b = bracket < 0 || (a !== undefined && a.start < bracket) ? undefined : parsesAt(text, '[', ']');
    const found = a !== undefined && (b === undefined || a.start < b.start) ? a : b;
    if (found === undefined) return scan(text);
    const before = text.slice(0, found.start);
    const after = text.slice(found.end + 1);
    return (before === '' ? '' : scan(before)) + (JSON.stringify(redact(found.value)) ?? 'null') + (after === '' ? '' : scan(after));
  };
}
