// Phone numbering plans: whether a group layout is a number of one of the plans we read (E.164 and twelve national plans).
import type { Group } from './numbers.js';

/**
 * ITU country codes in use (E.164), by length. A `+` number must start with one of them; for the
 * plans below the national number's length is checked too.
 */
const CC1 = new Set(['1', '7']);
const CC2 = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49', '51', '52', '53', '54', '55', '56', '57',
  '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98',
]);
/** National significant number lengths of the plans we know, by country code. */
const NSN: Readonly<Record<string, readonly [number, number]>> = {
  '1': [10, 10], // US, CA (NANP)
  '44': [9, 10], // UK
  '49': [6, 13], // DE
  '33': [9, 9], // FR
  '34': [9, 9], // ES
  '39': [6, 11], // IT
  '31': [9, 9], // NL
  '91': [10, 10], // IN
  '55': [10, 11], // BR
  '81': [9, 10], // JP
  '61': [9, 9], // AU
};

/** Context words that make a plain run of digits a phone number; looked for in a bounded window before it. */
// The words of the plans we read (EN, DE, FR, ES, IT, PT, JA), then the short words a sentence puts between
// the word and the number (`appelez le`, `llamar al`, `ligue para`, `mobile no.`).
const PHONE_WORDS =
  /(?:phone|t[eé]l|mobil|m[oó]vil|cell|(?<![a-z])cel|call|appel|llam|ligue|ruf|sms|fax|whatsapp|contact|numero|número|nummer|msisdn|dial|handy|portable|電話|携帯)[a-zéó]*(?:[\s:=#"'.,()_\\-]|number|num|nr|no|n°|at|me|is|on|to|le|la|au|al|el|de|del|da|do|para|unter|per|a|à)*$/i;

const digitsOf = (span: readonly Group[]): string => span.map((g) => g.digits).join('');

/** NANP: area code and exchange start with 2–9. */
function nanp(d: string): boolean {
  return d.length === 10 && d[0]! >= '2' && d[3]! >= '2';
}

/** A `+` number: a known country code, then a national number of a plausible length for it. */
export function internationalPhone(span: readonly Group[]): boolean {
  let d = digitsOf(span);
  if (d.length < 8 || d.length > 15 || d[0] === '0') return false;
  // "+44 (0)20 …": the trunk 0 written in parentheses is not part of the number.
  if (span.length > 2 && span[1]!.digits === '0' && span[1]!.sep.includes('(')) d = span[0]!.digits + digitsOf(span.slice(2));
  let cc = '';
  if (CC1.has(d.slice(0, 1))) cc = d.slice(0, 1);
  else if (CC2.has(d.slice(0, 2))) cc = d.slice(0, 2);
  else if (/^[2-9]\d\d/.test(d)) cc = d.slice(0, 3);
  if (cc === '') return false;
  const nsn = d.slice(cc.length);
  if (cc === '1') return nanp(nsn);
  const range = NSN[cc];
  // Italy keeps the leading 0 of its landlines after +39; every other plan drops its trunk prefix.
  if (range !== undefined) return nsn.length >= range[0] && nsn.length <= range[1] && (nsn[0] !== '0' || cc === '39');
  return nsn.length >= 6 && nsn.length <= 12;
}

const layoutOf = (span: readonly Group[]): string => span.map((g) => g.digits.length).join('-');

/** Day-month-year and year-month-day shapes, which national plans with a trunk 0 could otherwise take. */
function dateLike(span: readonly Group[]): boolean {
  const l = layoutOf(span);
  return /^(?:2-2-4|4-2-2)(?:-|$)/.test(l) && span[1]!.sep !== ' ';
}

/**
 * A number written the national way. With separators, its layout must be one the plan prints
 * (trunk `0` plans: UK, DE, FR, IT landlines, NL, AU, JP, IN; NANP; ES; IT mobiles; IN mobiles; BR
 * with the area code in parentheses). Without separators, and for BR without parentheses, a
 * context word (`phone`, `tel`, `appelez le`, `llamar al`, `celular`, …) must come before it.
 */
export function nationalPhone(span: readonly Group[], paren: boolean, text: string, start: number): boolean {
  const d = digitsOf(span);
  const n = d.length;
  const plain = span.length === 1;
  let said: boolean | undefined;
  const context = (): boolean => (said ??= PHONE_WORDS.test(text.slice(Math.max(0, start - 32), start)));
  if (plain && !context()) return false;
  if (n === 11 && d[0] === '1' && nanp(d.slice(1)) && (plain || span[0]!.digits === '1')) return true;
  if (nanp(d) && (plain || /^(?:3-3-4|10)$/.test(layoutOf(span)))) return true;
  if (d[0] === '0' && d[1] !== '0') {
    if (n < 10 || n > 12 || dateLike(span)) return false;
    if (plain) return n >= 10 && n <= 12;
    const first = span[0]!.digits.length;
    // India: the trunk 0 before a mobile's five-and-five (`075453 11432`).
    if (first === 6 && span.length === 2 && n === 11) return span[1]!.digits.length === 5 && /[6-9]/.test(d[1]!);
    if (first < 2 || first > 5) return false;
    // Pairs (FR `01 23 45 67 89`, NL `06 12 34 56 78`) are ten digits.
    if (span.every((g) => g.digits.length === 2)) return n === 10;
    // Otherwise a prefix and one or two blocks of three or more (UK `020 7946 0958`, DE `030-1234567`,
    // `030-616-51268`, JP `090-1234-5678`).
    const [, second, third] = span.map((g) => g.digits.length);
    if (span.length === 2) return second! >= 5 && second! <= 8;
    return span.length === 3 && second! >= 3 && second! <= 4 && third! >= 3 && third! <= 5;
  }
  // Spain: nine digits starting 6–9, printed 3-3-3 or 3-2-2-2.
  if (n === 9 && /[6-9]/.test(d[0]!) && (plain || /^(?:3-3-3|3-2-2-2)$/.test(layoutOf(span)))) return true;
  // Italian mobiles (3xx) and Indian mobiles (6–9): ten digits.
  if (n === 10 && d[0] === '3' && (plain || /^(?:3-3-4|3-7|3-3-2-2|3-4-3)$/.test(layoutOf(span)))) return true;
  if (n === 10 && /[6-9]/.test(d[0]!) && (plain || layoutOf(span) === '5-5')) return true;
  // Brazil: (11) 91234-5678, (21) 2345-6789; without the parentheses (`21 98794-8535`) only after a context word.
  if (/^(?:2-5-4|2-4-4)$/.test(layoutOf(span)) && d[0] !== '0' && (paren || context())) return true;
  return false;
}
