// Detection in logs that also reads percent-encoded text as a server or form parser would: a URL, a query or a form body logged as it arrived.
import { surelyClean } from '../detect/detect.js';
import { decodePercent } from '../detect/url.js';

/** Percent-decoded up to twice (a value a client library encoded twice is decoded twice by some servers). */
function percentDecoded(text: string): string {
  let t = text;
  for (let round = 0; round < 2 && t.includes('%'); round++) {
    const next = decodePercent(t);
    if (next === t) break;
    t = next;
  }
  return t;
}

// Digits joined by `+`: a form body or query (`card=4111+1111+1111+1111`) writes its spaces so.
const PLUS_BETWEEN_DIGITS = /(\d)\+(?=\d)/g;
// A value glued to a word by `-`, `_` or `.` (`ref-123-45-6789`, `id_4111…`): the detectors want a boundary before it.
const GLUED = /([A-Za-z])[-_.](?=\d)/g;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * Whether PLUS_BETWEEN_DIGITS or GLUED matches somewhere: a digit, `+`, a digit; or a letter, one of
 * `- _ .`, a digit. One pass over the characters, where the two patterns are tried at every position.
 */
export function spacingApplies(text: string): boolean {
  for (let i = 1; i + 1 < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 43) {
      if (isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) return true;
    } else if (c === 45 || c === 95 || c === 46) {
      if (isLetter(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) return true;
    }
  }
  return false;
}

/** `+` between digits as spaces, and a digit glued to a word read apart from it. */
function spacedOut(text: string): string {
  if (!spacingApplies(text)) return text;
  PLUS_BETWEEN_DIGITS.lastIndex = 0;
  let t = PLUS_BETWEEN_DIGITS.test(text) ? text.replace(PLUS_BETWEEN_DIGITS, '$1 ') : text;
  GLUED.lastIndex = 0;
  if (GLUED.test(t)) t = t.replace(GLUED, '$1 ');
  return t;
}

/**
 * Wraps a text scanner so that text is also read as whoever reads the line would read it:
 * percent-decoded (up to twice), then with form-encoded `+` between digits as spaces and a value
 * glued to a word by `-`, `_` or `.` read apart. Logs write URLs, queries, route parameters and
 * raw form bodies as they arrived — Node's `IncomingMessage.url`, a framework's request object, a
 * body kept as text — and a card written `4111%201111%201111%201111` or `ref-4111…` is a card
 * all the same. Each reading is scanned after the findings of the one before it are censored (a
 * censored value reads as nothing, so nothing is censored twice), and the line gets the last
 * reading that held a finding, censored; when none did, the scanner's answer on the text as it
 * is (`jane%40example.com`, which the detectors read as written, stays `j***%40example.com`). Text with no `%`, no `+` between digits and no glued digit costs three tests more.
 *
 * @example
 * ```ts
 * const scan = decodingScan(scanner({ censor: 'mask' }));
 * scan('/orders;ref=4111%201111%201111%201111'); // '/orders;ref=**** **** **** 1111'
 * ```
 */
export function decodingScan(scan: (text: string) => string): (text: string) => string {
  return (text) => {
    // No reading of a text surelyClean clears can hold a finding: no "%" to decode, and spacing it out keeps its length and digits.
    if (surelyClean(text)) return text;
    let result = scan(text);
    // What the next reading starts from: the most censored text so far.
    let base = result;
    if (result.includes('%')) {
      // What the scan found as written stays as written; only what the escapes hid makes the line decoded.
      const decoded = percentDecoded(result);
      if (decoded !== result) {
        const masked = scan(decoded);
        if (masked !== decoded) result = base = masked;
        else base = decoded;
      }
    }
    const spaced = spacedOut(base);
    if (spaced === base) return result;
    const masked = scan(spaced);
    return masked === spaced ? result : masked;
  };
}
