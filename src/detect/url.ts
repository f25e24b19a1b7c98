// Personal data and credentials in a URL's path: the kinds found in its segments, decoded as a server would read them, never the text.
import { detect, FINDING_KINDS, type FindingKind } from './detect.js';

/**
 * The kinds looked for in a path. Phone numbers and IP addresses are left out: ids, dates and
 * versions in paths (`/v1.2.3.4`, `/orders/2024-0101-5550`) trigger them too often for a finding to
 * be worth refusing a request over.
 */
const URL_KINDS: readonly FindingKind[] = ['email', 'cardNumber', 'ssn', 'iban', 'jwt', 'awsAccessKey', 'apiKey', 'privateKey', 'urlCredentials'];

/** Percent-decodes like a server would; a malformed sequence still has its ASCII escapes decoded, so one bad byte cannot hide the rest. */
export function decodePercent(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-7][0-9A-Fa-f])/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/**
 * The kinds of personal data or credentials a URL path carries: emails, card numbers, SSNs,
 * IBANs, JWTs, AWS access keys, API keys, private keys and URL credentials. Each segment is read
 * as it is, percent-decoded once and decoded twice (a value encoded twice by a client library is
 * decoded twice by some servers), and the whole path is read the same three ways, so a value
 * behind an encoded `/` is found too. Returns each kind once, in `FINDING_KINDS` order — never
 * the text or where it was.
 *
 * @example
 * ```ts
 * sensitiveInUrl('/v1/users/jane%40example.com/cards/4111111111111111'); // ['email', 'cardNumber']
 * sensitiveInUrl('/v1/orders/550e8400-e29b-41d4-a716-446655440000');   // []
 * ```
 */
export function sensitiveInUrl(pathname: string): readonly FindingKind[] {
  const texts = new Set<string>();
  const add = (t: string): void => {
    if (t === '') return;
    const once = decodePercent(t);
    texts.add(t).add(once).add(decodePercent(once));
  };
  for (const segment of pathname.split('/')) add(segment);
  add(pathname);
  // A number glued to a word (`card-4111…`, `ssn:123-45-6789`, `a%2F4111…`) is read with the glue as a space too.
  for (const t of [...texts]) if (/[^A-Za-z0-9\s]/.test(t)) texts.add(t.replace(/[^A-Za-z0-9@%\s-]+/g, ' ').replace(/(^|[^\d])-|-(?!\d)/g, '$1 '));
  const found = new Set<FindingKind>();
  for (const t of texts) for (const f of detect(t, { kinds: URL_KINDS })) found.add(f.kind);
  return Object.freeze(FINDING_KINDS.filter((k) => found.has(k)));
}
