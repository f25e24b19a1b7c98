// The detectors as a text filter, for values no tag covers: strings that could hold no finding are passed through at once.
import { detect, redactText, surelyClean, type RedactTextOptions } from './detect.js';
import { REDACTED } from '../mask/formats.js';

/** A run that may be base64 of something (a pagination cursor, a state parameter): long enough to carry a value. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,4096}={0,2}/g;

/** Whether decoded bytes read as text (not random bytes that happen to decode). */
function readable(s: string): boolean {
  let printable = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13 || c > 159) printable++;
  }
  return s.length > 0 && printable / s.length >= 0.9;
}

/** The characters of BASE64_RUN's class, by ASCII code: one look-up where a chain of comparisons was. */
const BASE64_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  BASE64_CHAR[c] = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 95 || c === 45 ? 1 : 0;
}

/**
 * Whether the text holds 24 characters of BASE64_RUN's class in a row, the least the pattern
 * matches. When it does not, the pattern matches nowhere: one pass over the characters answers
 * what the pattern would find only after a try at every position.
 */
export function holdsBase64Run(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || BASE64_CHAR[c] === 0) run = 0;
    else if (++run >= 24) return true;
  }
  return false;
}

/** Replaces every base64 run whose decoded text holds a finding with `[REDACTED]`: an encoded value is still the value. */
function encodedRuns(text: string, options: RedactTextOptions): string {
  if (text.length < 24 || !holdsBase64Run(text)) return text;
  return text.replace(BASE64_RUN, (run) => {
    // A JWT is found and masked as itself; anything else that decodes to text is read.
    if (run.startsWith('eyJ') && run.includes('.')) return run;
    // Node's base64 decoder reads the URL-safe alphabet too (RFC 4648 §5), so the run is decoded as it is.
    const decoded = Buffer.from(run, 'base64').toString('utf8');
    return readable(decoded) && detect(decoded, options.kinds === undefined ? {} : { kinds: options.kinds }).length > 0 ? REDACTED : run;
  });
}

/**
 * A function that returns a text with what the detectors find in it masked — in the text itself,
 * and inside base64 runs that decode to text. Texts shorter than six characters, and texts
 * `surelyClean` clears (short, few digits, none of the characters an address or a key/value needs),
 * are returned as they are.
 */
export function scanner(options: RedactTextOptions = {}): (text: string) => string {
  return function scanText(text) {
    // Most strings in logs and payloads are short ids, codes and words: one pass over a few characters
    // tells that nothing could be found, before any detector or base64 search runs.
    if (text.length < 6 || surelyClean(text)) return text;
    // redactText has its own fast path: a text with no digit, "@", ":", "=", "%", "&" or "\\" costs one
    // character scan and one look for provider key prefixes, and comes back as the same string.
    const redacted = redactText(text, options);
    return encodedRuns(redacted, options);
  };
}

/** The scanner every `untagged: 'scan'` plan uses unless told otherwise: every detector, each kind's mask format. */
export const defaultScan: (text: string) => string = scanner();
