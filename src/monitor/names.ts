// Which names a vendor or a URL chose may be written in an alert, an error or the monitor's store: names that look like names, never data.

import { detect } from '../detect/detect.js';

/** A key the vendor chose is named only when it looks like a field name; anything else (an email, an id, a long key) becomes `*`. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
/** More digits than this in a key or a host label make it data: a phone number, an SSN, a postal code, a card. */
const MAX_DIGITS = 4;

const digitsIn = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
};

/**
 * Whether a key may be named in a path: it looks like a field name, it holds at most four digits
 * (`tel_14155550123`, `_078051120` are a phone number and an SSN written as identifiers), no detector
 * finds anything in it (an access key id `AKIA…`, a `sk_live_…` key), and it is not credential-shaped
 * (16 characters or more with four digits or more).
 */
export function nameable(key: string): boolean {
  if (!NAME.test(key)) return false;
  const digits = digitsIn(key);
  // Sixteen characters or more with four digits or more: a token, not a word.
  if (digits > MAX_DIGITS || (key.length >= 16 && digits >= 4)) return false;
  return detect(key).length === 0;
}

/** A DNS label that may be named: letters, digits and dashes, at most four digits and 24 characters, and nothing a detector finds. */
const LABEL = /^[A-Za-z0-9-]{1,24}$/;

/**
 * A host as alerts, errors and the monitor's store may write it: every label that could be data (a
 * value spelled into a subdomain — how data leaves through DNS — an id, a long token) is written `*`,
 * so `4111111111111111.078051120.exfil.example:443` is `*.*.exfil.example:443`. An IP address is named.
 */
export function reportedHost(host: string): string {
  const port = /:\d+$/.exec(host);
  const name = port === null ? host : host.slice(0, port.index);
  if (/^\[[0-9a-fA-F:.]+\]$/.test(name) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name)) return host;
  const labels = name.split('.').map((l) => (LABEL.test(l) && digitsIn(l) <= MAX_DIGITS && detect(l).length === 0 ? l : '*'));
  return labels.join('.') + (port === null ? '' : port[0]);
}
