// IBAN detector: a country code of the registry, check digits, then the country's length compact or in groups of four; mod-97 decides.
import type { Finding } from './finding.js';
import { ibanLength, ibanValid } from './checks.js';

// Starts only where a word starts; the bounded groups cap each try.
const IBAN = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,32}/g;

/** Finds IBANs in any case, compact or grouped by spaces (or dashes). */
export function ibans(text: string, out: Finding[]): void {
  IBAN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IBAN.exec(text)) !== null) {
    const country = m[0].slice(0, 2).toUpperCase();
    const length = ibanLength(country);
    if (length === undefined) {
      IBAN.lastIndex = m.index + 2;
      continue;
    }
    // Take exactly the country's number of characters, skipping the separators between them.
    let n = 0;
    let i = 0;
    const s = m[0];
    let compact = '';
    while (i < s.length && n < length) {
      const c = s[i]!;
      if (c !== ' ' && c !== '-') {
        compact += c;
        n++;
      }
      i++;
    }
    const end = m.index + i;
    const next = end < text.length ? text.charCodeAt(end) : 32;
    const glued = (next >= 48 && next <= 57) || (next >= 65 && next <= 90) || (next >= 97 && next <= 122);
    if (n === length && !glued && ibanValid(compact.toUpperCase()) && (!/[ -]/.test(s.slice(0, i)) || grouped(s.slice(0, i)))) {
      out.push({ kind: 'iban', start: m.index, end });
      IBAN.lastIndex = end;
    } else {
      IBAN.lastIndex = m.index + 2;
    }
  }
}

/** Printed IBANs are grouped by four with one kind of separator. */
function grouped(s: string): boolean {
  return /^[A-Za-z0-9]{4}(?:([ -])[A-Za-z0-9]{4})(?:\1[A-Za-z0-9]{4})*(?:\1[A-Za-z0-9]{1,4})?$/.test(s);
}
