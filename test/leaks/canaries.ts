// Fresh canary values for the leak hunt, and a scanner that finds any of them in any channel, in every encoding.
import { randomBytes, randomInt } from 'node:crypto';

/** The kinds of canary planted: each is a value that must never leave in clear. */
export type CanaryKind = 'email' | 'card' | 'ssn' | 'iban' | 'jwt' | 'apiKey' | 'health' | 'phone' | 'name';

/** One set of fresh canaries: new random values on every call. */
export type Canaries = Readonly<Record<CanaryKind, string>>;

const hex = (n: number): string => randomBytes(n).toString('hex');
const digits = (n: number): string => Array.from({ length: n }, () => String(randomInt(10))).join('');
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const b62 = (n: number): string => Array.from({ length: n }, () => B62[randomInt(62)]).join('');

function luhnCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A Luhn-valid 16-digit Visa-shaped number, grouped by four with spaces. */
export function cardCanary(): string {
  const body = '4' + digits(14);
  const n = body + luhnCheckDigit(body);
  return n.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** An SSN that passes the SSA rules (area 001–665 or 667–899, group 01–99, serial 0001–9999). */
export function ssnCanary(): string {
  let area = randomInt(1, 900);
  if (area === 666) area = 667;
  const group = randomInt(1, 100);
  const serial = randomInt(1, 10_000);
  return `${String(area).padStart(3, '0')}-${String(group).padStart(2, '0')}-${String(serial).padStart(4, '0')}`;
}

/** A German IBAN with correct mod-97 check digits. */
export function ibanCanary(): string {
  const bban = digits(18);
  const moved = `${bban}131400`; // D=13 E=14, check digits 00
  let rem = 0;
  for (const c of moved) rem = (rem * 10 + Number(c)) % 97;
  return `DE${String(98 - rem).padStart(2, '0')}${bban}`;
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

/** Fresh canaries, one of each kind. */
export function canaries(): Canaries {
  const tag = hex(4);
  return Object.freeze({
    email: `canary.${tag}@mail-${hex(2)}.example.com`,
    card: cardCanary(),
    ssn: ssnCanary(),
    iban: ibanCanary(),
    jwt: `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: `u-${tag}`, n: hex(6) }))}.${b64url(hex(16))}`,
    apiKey: `sk_live_${b62(24)}`,
    health: `diagnosed with canarysyndrome-${tag}`,
    phone: `+1 415 555 ${digits(4)}`,
    name: `Canary ${tag.toUpperCase()}son`,
  });
}

/** The stable middle of the base64 of `value` when it starts at each of the three byte alignments. */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    // Characters that depend only on the value's bits: those mixed with the padding before or the bytes after are left out.
    const start = Math.ceil((pad * 8) / 6);
    const end = Math.floor(((pad + bytes.length) * 8) / 6);
    const middle = b64.slice(start, end);
    if (middle.length >= 8) {
      out.push(middle);
      out.push(middle.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return out;
}

/** Every form in which a canary could appear: raw, URL-encoded (once and twice), JSON-escaped, lower case, digits only, hex, base64 at every alignment. */
export function encodings(value: string): string[] {
  const forms = new Set<string>([value, encodeURIComponent(value), encodeURIComponent(encodeURIComponent(value)), encodeURI(value)]);
  forms.add(value.replace(/ /g, '+'));
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(Buffer.from(value).toString('hex'));
  const onlyDigits = value.replace(/\D/g, '');
  if (onlyDigits.length >= 9 && onlyDigits.length >= value.replace(/[\s-]/g, '').length) forms.add(onlyDigits);
  for (const b of base64Forms(value)) forms.add(b);
  return [...forms];
}

/** One leak: which canary, in which form, found in which channel. */
export interface Leak {
  readonly channel: string;
  readonly canary: CanaryKind;
  readonly form: string;
}

/**
 * Scans channels (name → text or bytes) for every canary in every encoding. Matching is case
 * insensitive, so lower- and upper-cased copies count too. Returns every leak found.
 */
export function findLeaks(channels: Readonly<Record<string, string | Buffer | undefined>>, planted: Canaries | readonly Canaries[]): Leak[] {
  const sets = Array.isArray(planted) ? (planted as readonly Canaries[]) : [planted as Canaries];
  const leaks: Leak[] = [];
  for (const [channel, content] of Object.entries(channels)) {
    if (content === undefined) continue;
    const text = (typeof content === 'string' ? content : content.toString('latin1')).toLowerCase();
    const utf8 = typeof content === 'string' ? text : content.toString('utf8').toLowerCase();
    for (const set of sets) {
      for (const [kind, value] of Object.entries(set) as Array<[CanaryKind, string]>) {
        for (const form of encodings(value)) {
          const needle = form.toLowerCase();
          if (text.includes(needle) || utf8.includes(needle)) {
            leaks.push({ channel, canary: kind, form: form === value ? 'raw' : form });
            break;
          }
        }
      }
    }
  }
  return leaks;
}

/** Collects everything written to a stream-like sink, for log channels. */
export function sink(): { write(chunk: string | Buffer): boolean; readonly text: string; readonly lines: string[] } {
  const chunks: string[] = [];
  return {
    write(chunk) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      return true;
    },
    get text() {
      return chunks.join('');
    },
    get lines() {
      return chunks.join('').split('\n').filter((l) => l !== '');
    },
  };
}
