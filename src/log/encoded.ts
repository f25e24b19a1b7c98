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
const PLUS_BETWEEN_DIGITS = /\d\+\d/;

/**
 * Wraps a text scanner so that text holding percent escapes (or form-encoded `+` spaces) is also
 * read decoded. Logs write URLs, queries and raw form bodies as they arrived — Node's
 * `IncomingMessage.url`, a framework's request object, a body kept as text — and a card written
 * `4111%201111%201111%201111` is a card to whoever reads the line. When the decoded text holds a
 * finding, the line gets the decoded text with its findings censored (it then reads as what it
 * means); otherwise the scanner's answer on the text as it is. Text without `%` or `+` costs
 * one test more.
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
    const percent = text.includes('%');
    if (!percent && !PLUS_BETWEEN_DIGITS.test(text)) return out;
    const decoded = percent ? percentDecoded(text) : text;
    if (decoded !== text) {
      const masked = scan(decoded);
      if (masked !== decoded) return masked;
    }
    if (PLUS_BETWEEN_DIGITS.test(decoded)) {
      const spaced = decoded.replace(/\+/g, ' ');
      const masked = scan(spaced);
      if (masked !== spaced) return masked;
    }
    return out;
  };
}
