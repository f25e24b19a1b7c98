// Detection in logs that also reads percent-encoded text as a server or form parser would: a URL, a query or a form body logged as it arrived.

/** One round of percent-decoding; a malformed sequence still has its ASCII escapes decoded, so one bad byte cannot hide the rest. */
function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-7][0-9A-Fa-f])/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Percent-decoded up to twice (a value a client library encoded twice is decoded twice by some servers). */
function percentDecoded(text: string): string {
  let t = text;
  for (let round = 0; round < 2 && t.includes('%'); round++) {
    const next = decodeOnce(t);
    if (next === t) break;
    t = next;
  }
  return t;
}

// Digits joined by `+`: a form body or query (`card=4111+1111+1111+1111`) writes its spaces so.
const PLUS_BETWEEN_DIGITS = /(\d)\+(?=\d)/g;
// A value glued to a word by `-`, `_` or `.` (`ref-123-45-6789`, `id_4111…`): the detectors want a boundary before it.
const GLUED = /([A-Za-z])[-_.](?=\d)/g;

/**
 * Wraps a text scanner so that text is also read as whoever reads the line would read it:
 * percent-decoded (up to twice), with form-encoded `+` between digits as spaces, and with a value
 * glued to a word by `-`, `_` or `.` read apart. Logs write URLs, queries, route parameters and
 * raw form bodies as they arrived — Node's `IncomingMessage.url`, a framework's request object, a
 * body kept as text — and a card written `4111%201111%201111%201111` or `ref-4111…` is a card
 * all the same. When that reading holds a finding, the line gets the reading with its findings
 * censored; otherwise the scanner's answer on the text as it is. Text with none of `%`, `+`
 * between digits or a glued digit costs three tests more; other text, one scan more.
 *
 * @example
 * ```ts
 * const scan = decodingScan(scanner({ censor: 'mask' }));
 * scan('/orders;ref=4111%201111%201111%201111'); // '/orders;ref=**** **** **** 1111'
 * ```
 */
export function decodingScan(scan: (text: string) => string): (text: string) => string {
  return (text) => {
    const out = scan(text);
    let read = text.includes('%') ? percentDecoded(text) : text;
    PLUS_BETWEEN_DIGITS.lastIndex = 0;
    if (PLUS_BETWEEN_DIGITS.test(read)) read = read.replace(PLUS_BETWEEN_DIGITS, '$1 ');
    GLUED.lastIndex = 0;
    if (GLUED.test(read)) read = read.replace(GLUED, '$1 ');
    if (read === text) return out;
    const masked = scan(read);
    return masked === read ? out : masked;
  };
}
