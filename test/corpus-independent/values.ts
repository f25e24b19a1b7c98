// Draws synthetic sensitive values from published formats (numbering plans, card IIN ranges,
// the IBAN registry, SSA rules, provider token formats) with real checksums, from a seeded PRNG.
// Written from the public specifications only, without reference to the detectors it measures.

/** A seeded PRNG (mulberry32): the corpus must be reproducible byte for byte. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  chars(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
  digits(n: number): string {
    return this.chars('0123456789', n);
  }
}

export const DIGITS = '0123456789';
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const ALNUM = UPPER + LOWER + DIGITS;
export const HEX = '0123456789abcdef';
export const B64URL = ALNUM + '-_';
export const B64 = ALNUM + '+/';

// ---------- checksums ----------

/** Luhn check digit for a digit string without its check digit. */
export function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function luhnValid(n: string): boolean {
  return luhnDigit(n.slice(0, -1)) === n.slice(-1);
}

function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

/** ISO 13616 check digits for country + BBAN. */
export function ibanCheck(country: string, bban: string): string {
  const r = mod97(bban + country + '00');
  return String(98 - r).padStart(2, '0');
}

export function ibanValid(iban: string): boolean {
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1;
}

// ---------- cards (IIN ranges published by the networks) ----------

interface CardNetwork {
  readonly name: string;
  readonly prefixes: readonly string[];
  readonly lengths: readonly number[];
}
const NETWORKS: readonly CardNetwork[] = [
  { name: 'visa', prefixes: ['4'], lengths: [16, 16, 16, 13, 19] },
  { name: 'mastercard', prefixes: ['51', '52', '53', '54', '55', '2221', '2300', '2500', '2720'], lengths: [16] },
  { name: 'amex', prefixes: ['34', '37'], lengths: [15] },
  { name: 'discover', prefixes: ['6011', '65', '644', '649'], lengths: [16] },
  { name: 'jcb', prefixes: ['3528', '3540', '3589'], lengths: [16] },
  { name: 'diners', prefixes: ['36', '300', '305'], lengths: [14] },
  { name: 'unionpay', prefixes: ['62'], lengths: [16, 19] },
];

export function cardNumber(rng: Rng): { digits: string; network: string } {
  const net = rng.pick(NETWORKS);
  const prefix = rng.pick(net.prefixes);
  const len = rng.pick(net.lengths);
  const body = prefix + rng.digits(len - 1 - prefix.length);
  return { digits: body + luhnDigit(body), network: net.name };
}

/** A 16-digit number that fails Luhn (an id, not a card). */
export function luhnInvalid16(rng: Rng): string {
  const body = rng.pick(['4', '5', '3', '6', '1', '9']) + rng.digits(14);
  const good = Number(luhnDigit(body));
  return body + String((good + rng.int(1, 9)) % 10);
}

export function groupCard(d: string, sep: string): string {
  if (d.length === 15) return [d.slice(0, 4), d.slice(4, 10), d.slice(10)].join(sep);
  if (d.length === 14) return [d.slice(0, 4), d.slice(4, 10), d.slice(10)].join(sep);
  const parts: string[] = [];
  for (let i = 0; i < d.length; i += 4) parts.push(d.slice(i, i + 4));
  return parts.join(sep);
}

// ---------- SSN (SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999) ----------

export function ssn(rng: Rng): [string, string, string] {
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  return [String(area).padStart(3, '0'), String(rng.int(1, 99)).padStart(2, '0'), String(rng.int(1, 9999)).padStart(4, '0')];
}

export function invalidSsn(rng: Rng): string {
  const v = rng.int(0, 4);
  const [a, g, s] = ssn(rng);
  if (v === 0) return `666-${g}-${s}`;
  if (v === 1) return `000-${g}-${s}`;
  if (v === 2) return `${rng.int(900, 999)}-${g}-${s}`;
  if (v === 3) return `${a}-00-${s}`;
  return `${a}-${g}-0000`;
}

// ---------- IBAN (SWIFT IBAN registry: total length per country) ----------

/** Country → total IBAN length, as in the SWIFT IBAN registry. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * BBAN layouts where the registry puts letters (a = letters, c = alphanumeric, n = digits);
 * countries not listed are all digits in this generator.
 */
const BBAN_LAYOUT: Readonly<Record<string, string>> = {
  GB: '4a14n', IE: '4a14n', NL: '4a10n', BG: '4a6n8c', MT: '4a5n18c', LV: '4a13c', KW: '4a22c',
  QA: '4a21c', JO: '4a4n18c', MU: '4a19n3a', RO: '4a16c', PK: '4a16c', GI: '4a15c', IT: '1a10n12c',
  SM: '1a10n12c', FR: '10n11c2n', MC: '10n11c2n', GE: '2a16n', AZ: '4a20c', BR: '23n1a1c',
  VG: '4a16n', LC: '4a24c', SC: '4a20n3a', UA: '6n19c', IQ: '4a15n', BH: '4a14c', CY: '8n16c',
  GT: '4c20c', DO: '4c20n', SV: '4a20n', AL: '8n16c', CH: '5n12c', LI: '5n12c', AD: '8n12c',
  HN: '4a20n', NI: '4a20n', MN: '16n', YE: '4a4n18c', OM: '3n16c', SA: '2n18c', PS: '4a21c',
  LB: '4n20c', CR: '18n', TL: '19n', BY: '4c4n16c', KZ: '3n13c', MD: '2c18c', IS: '22n',
  RU: '9n5n15c', LY: '21n', SD: '14n', SO: '19n', BI: '23n', DJ: '23n', EG: '25n', FK: '2a12n',
};

function expandLayout(rng: Rng, layout: string, length: number): string {
  let out = '';
  const re = /(\d+)([anc])/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(layout)) !== null) {
    const n = Number(m[1]);
    const t = m[2];
    out += rng.chars(t === 'a' ? UPPER : t === 'n' ? DIGITS : UPPER + DIGITS, n);
  }
  if (out.length < length) out += rng.digits(length - out.length);
  return out.slice(0, length);
}

export function iban(rng: Rng, country?: string): string {
  const cc = country ?? rng.pick(Object.keys(IBAN_LENGTHS));
  const len = IBAN_LENGTHS[cc];
  if (len === undefined) throw new Error(`no IBAN length for ${cc}`);
  const bban = expandLayout(rng, BBAN_LAYOUT[cc] ?? `${len - 4}n`, len - 4);
  return cc + ibanCheck(cc, bban) + bban;
}

/** An IBAN-shaped string whose check digits fail. */
export function badIban(rng: Rng): string {
  const good = iban(rng, rng.pick(['DE', 'FR', 'GB', 'ES', 'IT', 'NL', 'BE', 'CH', 'AT', 'PL']));
  const check = Number(good.slice(2, 4));
  let bad = (check + rng.int(1, 40)) % 97;
  if (bad < 2) bad += 2;
  const out = good.slice(0, 2) + String(bad).padStart(2, '0') + good.slice(4);
  return ibanValid(out) ? good.slice(0, 2) + '00' + good.slice(4) : out;
}

export function spaceIban(s: string): string {
  return s.replace(/(.{4})(?=.)/g, '$1 ');
}

// ---------- IP addresses (public unicast only) ----------

export function publicIpv4(rng: Rng): string {
  for (;;) {
    const a = rng.int(1, 223);
    const b = rng.int(0, 255);
    const c = rng.int(0, 255);
    const d = rng.int(1, 254);
    if (a === 10 || a === 127 || a === 0) continue;
    if (a === 100 && b >= 64 && b <= 127) continue;
    if (a === 169 && b === 254) continue;
    if (a === 172 && b >= 16 && b <= 31) continue;
    if (a === 192 && b === 168) continue;
    if (a === 192 && b === 0) continue;
    if (a === 198 && (b === 18 || b === 19 || b === 51)) continue;
    if (a === 203 && b === 0 && c === 113) continue;
    return `${a}.${b}.${c}.${d}`;
  }
}

export function publicIpv6(rng: Rng): string {
  const first = rng.pick(['2001', '2a00', '2a01', '2a02', '2a03', '2600', '2603', '2604', '2607', '2800', '2c0f', '2400', '2406', '240e']);
  let second = rng.chars(HEX, 4).replace(/^0+(?=.)/, '');
  if (first === '2001' && second === 'db8') second = '4860';
  const groups = [first, second];
  for (let i = 0; i < 6; i++) groups.push(rng.chars(HEX, rng.int(1, 4)).replace(/^0+(?=.)/, ''));
  const form = rng.int(0, 3);
  if (form === 0) return groups.join(':');
  if (form === 1) return `${groups.slice(0, 3).join(':')}::${groups.slice(6).join(':')}`;
  if (form === 2) return `${groups.slice(0, 2).join(':')}::${groups[7] ?? '1'}`;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

// ---------- emails (RFC 5322 / RFC 6531) ----------

const FIRST = ['anna', 'bob', 'carlos', 'dana', 'elif', 'farid', 'grace', 'hiro', 'ines', 'jonas', 'kiran', 'lena', 'marta', 'nils', 'olu', 'priya', 'quentin', 'rosa', 'sven', 'tomoko', 'uma', 'viktor', 'wei', 'ximena', 'yusuf', 'zoe'];
const LAST = ['smith', 'garcia', 'mueller', 'rossi', 'dubois', 'tanaka', 'kowalski', 'silva', 'nguyen', 'patel', 'jansen', 'murphy', 'olsen', 'novak', 'cohen'];
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.co.uk', 'web.de', 'orange.fr', 'libero.it', 'acme-corp.io', 'mail.northwind.net', 'fastmail.fm', 'proton.me', 'uni-heidelberg.de', 'correo.ucm.es', 'globo.com.br', 'bigpond.com.au', 'rediffmail.com', 'docomo.ne.jp', 'ziggo.nl', 'shaw.ca'];
const IDN_DOMAINS = ['bücher.de', 'münchen-reisen.de', 'café-olé.fr', 'españa-viajes.es', 'xn--bcher-kva.de', 'παράδειγμα.gr', 'пример.рф', '例え.jp', 'ñandú.com.ar', 'zürich-bank.ch'];
const UNICODE_LOCAL = ['josé.garcía', 'müller.jürgen', 'françois', 'δοκιμή', 'иван.петров', '山田', 'søren.kierkegård', 'zoë.ødegaard', 'łukasz'];

export function emailParts(rng: Rng): { local: string; domain: string; style: 'ascii' | 'idn' | 'unicode' } {
  const r = rng.next();
  if (r < 0.6) {
    const sep = rng.pick(['.', '_', '', '-', '.']);
    let local = rng.pick(FIRST) + sep + rng.pick(LAST);
    if (rng.chance(0.2)) local += String(rng.int(1, 99));
    if (rng.chance(0.1)) local += '+' + rng.pick(['billing', 'news', 'test', 'shop']);
    return { local, domain: rng.pick(DOMAINS), style: 'ascii' };
  }
  if (r < 0.8) return { local: rng.pick(FIRST) + rng.pick(['', '.']) + rng.pick(LAST), domain: rng.pick(IDN_DOMAINS), style: 'idn' };
  return { local: rng.pick(UNICODE_LOCAL), domain: rng.pick([...DOMAINS, ...IDN_DOMAINS]), style: 'unicode' };
}

// ---------- phones (national numbering plans, as people write them) ----------

export interface PhoneDraw {
  readonly text: string;
  readonly country: string;
  /** Whether this form is ambiguous without a context word (plain national digits). */
  readonly needsContext: boolean;
}

function usSubscriber(rng: Rng, areas: readonly string[]): [string, string, string] {
  const area = rng.pick(areas);
  let exch = String(rng.int(200, 999));
  if (exch.endsWith('11') || exch === '555') exch = '734';
  return [area, exch, rng.digits(4)];
}

const US_AREAS = ['212', '310', '415', '617', '312', '206', '512', '303', '404', '702', '919', '646', '213', '305', '503'];
const CA_AREAS = ['416', '604', '514', '613', '403', '780', '902', '647', '778', '905'];

export function phone(rng: Rng, country: string): PhoneDraw {
  const r = rng.int(0, 5);
  switch (country) {
    case 'US':
    case 'CA': {
      const [a, e, s] = usSubscriber(rng, country === 'US' ? US_AREAS : CA_AREAS);
      const forms: [string, boolean][] = [
        [`(${a}) ${e}-${s}`, false], [`${a}-${e}-${s}`, false], [`${a}.${e}.${s}`, false],
        [`+1 ${a} ${e} ${s}`, false], [`+1-${a}-${e}-${s}`, false], [`${a}${e}${s}`, true],
        [`${a} ${e} ${s}`, true], [`+1${a}${e}${s}`, false], [`1-${a}-${e}-${s}`, false], [`+1 (${a}) ${e}-${s}`, false],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'UK': {
      const mob = `7${rng.pick(['700', '911', '400', '834', '525'])}${rng.digits(6)}`;
      const lon = `20${rng.pick(['7', '3', '8'])}${rng.digits(7)}`;
      const forms = [
        `+44 ${mob.slice(0, 4)} ${mob.slice(4)}`, `0${mob.slice(0, 4)} ${mob.slice(4)}`, `+44 ${lon.slice(0, 2)} ${lon.slice(2, 6)} ${lon.slice(6)}`,
        `0${lon.slice(0, 2)} ${lon.slice(2, 6)} ${lon.slice(6)}`, `+44 (0)${lon.slice(0, 2)} ${lon.slice(2, 6)} ${lon.slice(6)}`,
        `0161 ${rng.int(200, 999)} ${rng.digits(4)}`, `+447${mob.slice(1)}`,
      ];
      return { text: forms[r] ?? forms[0]!, country, needsContext: r === 5 };
    }
    case 'DE': {
      const city = rng.pick(['30', '40', '89', '69', '221', '711', '341']);
      const sub = rng.digits(city.length === 2 ? 8 : 7);
      const mob = `1${rng.pick(['51', '52', '60', '70', '76'])}${rng.digits(8)}`;
      const forms = [
        `+49 ${city} ${sub}`, `0${city} ${sub}`, `0${city}-${sub}`, `0${city}/${sub}`, `+49 (0)${city} ${sub}`,
        `+49 ${mob.slice(0, 3)} ${mob.slice(3)}`, `0${mob.slice(0, 3)} ${mob.slice(3)}`, `0${city}-${sub.slice(0, 3)}-${sub.slice(3)}`,
      ];
      const i = rng.int(0, forms.length - 1);
      return { text: forms[i]!, country, needsContext: i === 1 || i === 2 || i === 3 || i === 6 || i === 7 };
    }
    case 'FR': {
      const lead = rng.pick(['1', '2', '3', '4', '5', '6', '7', '9']);
      const n = lead + rng.digits(8);
      const pairs = n.slice(1).match(/../g)!.join(' ');
      const forms: [string, boolean][] = [
        [`+33 ${lead} ${pairs}`, false], [`0${lead} ${pairs}`, true], [`0${n}`, true], [`+33${n}`, false],
        [`0${lead}.${pairs.replace(/ /g, '.')}`, true], [`+33 (0)${lead} ${pairs}`, false], [`0${lead}-${pairs.replace(/ /g, '-')}`, true],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'ES': {
      const n = rng.pick(['6', '7', '9']) + rng.digits(8);
      const forms: [string, boolean][] = [
        [`+34 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`, false], [`${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`, true],
        [`+34${n}`, false], [`+34 ${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`, false], [`${n}`, true],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'IT': {
      const mob = `3${rng.pick(['47', '33', '38', '20', '93'])}${rng.digits(7)}`;
      const land = `0${rng.pick(['6', '2'])}${rng.digits(8)}`;
      const forms: [string, boolean][] = [
        [`+39 ${mob.slice(0, 3)} ${mob.slice(3, 6)} ${mob.slice(6)}`, false], [`${mob.slice(0, 3)} ${mob.slice(3)}`, true],
        [`+39 ${land.slice(0, 2)} ${land.slice(2, 6)} ${land.slice(6)}`, false], [`${land.slice(0, 2)} ${land.slice(2)}`, true],
        [`+39${mob}`, false], [`${land.slice(0, 2)} ${land.slice(2, 6)} ${land.slice(6)}`, true],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'NL': {
      const mob = `6${rng.digits(8)}`;
      const land = `20${rng.digits(7)}`;
      const forms: [string, boolean][] = [
        [`+31 6 ${mob.slice(1)}`, false], [`06-${mob.slice(1)}`, true], [`+31 20 ${land.slice(2, 5)} ${land.slice(5)}`, false],
        [`020-${land.slice(2, 5)} ${land.slice(5)}`, true], [`+31${mob}`, false], [`06 ${mob.slice(1, 3)} ${mob.slice(3, 5)} ${mob.slice(5, 7)} ${mob.slice(7)}`, true],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'IN': {
      const mob = rng.pick(['9', '8', '7', '6']) + rng.digits(9);
      const forms: [string, boolean][] = [
        [`+91 ${mob.slice(0, 5)} ${mob.slice(5)}`, false], [`+91-${mob}`, false], [`0${mob.slice(0, 5)} ${mob.slice(5)}`, true],
        [mob, true], [`+91${mob}`, false], [`022 ${rng.digits(4)} ${rng.digits(4)}`, true],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'BR': {
      const ddd = rng.pick(['11', '21', '31', '41', '51', '61', '71', '81']);
      const mob = `9${rng.digits(4)}-${rng.digits(4)}`;
      const land = `${rng.int(2, 5)}${rng.digits(3)}-${rng.digits(4)}`;
      const forms: [string, boolean][] = [
        [`+55 ${ddd} ${mob}`, false], [`(${ddd}) ${mob}`, true], [`(${ddd}) ${land}`, true], [`+55 ${ddd} ${land.replace('-', ' ')}`, false],
        [`+55${ddd}${mob.replace('-', '')}`, false], [`${ddd} ${mob}`, true],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'JP': {
      const mob = `${rng.pick(['90', '80', '70'])}-${rng.digits(4)}-${rng.digits(4)}`;
      const tokyo = `3-${rng.digits(4)}-${rng.digits(4)}`;
      const osaka = `6-${rng.digits(4)}-${rng.digits(4)}`;
      const forms: [string, boolean][] = [
        [`+81 ${mob}`, false], [`0${mob}`, true], [`0${tokyo}`, true], [`+81 ${tokyo}`, false], [`0${osaka}`, true], [`+81${mob.replace(/-/g, '')}`, false],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    case 'AU': {
      const mob = `4${rng.digits(8)}`;
      const land = `${rng.pick(['2', '3', '7', '8'])}${rng.digits(8)}`;
      const forms: [string, boolean][] = [
        [`+61 ${mob.slice(0, 3)} ${mob.slice(3, 6)} ${mob.slice(6)}`, false], [`0${mob.slice(0, 3)} ${mob.slice(3, 6)} ${mob.slice(6)}`, true],
        [`(0${land[0]}) ${land.slice(1, 5)} ${land.slice(5)}`, true], [`+61 ${land[0]} ${land.slice(1, 5)} ${land.slice(5)}`, false],
        [`+61${mob}`, false], [`0${land[0]} ${land.slice(1, 5)} ${land.slice(5)}`, true],
      ];
      const [text, ctx] = rng.pick(forms);
      return { text, country, needsContext: ctx };
    }
    default:
      throw new Error(`no phone plan for ${country}`);
  }
}

export const PHONE_COUNTRIES = ['US', 'CA', 'UK', 'DE', 'FR', 'ES', 'IT', 'NL', 'IN', 'BR', 'JP', 'AU'] as const;

export const PHONE_CONTEXT: Readonly<Record<string, readonly string[]>> = {
  US: ['phone:', 'call me at', 'cell', 'Phone number', 'tel:'], CA: ['phone:', 'call', 'mobile:', 'Tel.'],
  UK: ['mobile:', 'ring me on', 'Tel:', 'phone'], DE: ['Telefon:', 'Tel.', 'Handy:', 'Rufnummer'],
  FR: ['téléphone :', 'tél.', 'portable :', 'appelez le'], ES: ['teléfono:', 'móvil:', 'tel.', 'llamar al'],
  IT: ['telefono:', 'cellulare:', 'tel.', 'chiamare il'], NL: ['telefoon:', 'mobiel:', 'tel.', 'bel'],
  IN: ['mobile no.', 'phone:', 'contact:', 'call'], BR: ['telefone:', 'celular:', 'tel.', 'WhatsApp'],
  JP: ['電話:', 'TEL', 'tel:', '携帯:'], AU: ['mobile:', 'ph:', 'phone', 'call'],
};

// ---------- tokens (provider-documented formats) ----------

export function jwt(rng: Rng): string {
  const header = Buffer.from(JSON.stringify(rng.pick([{ alg: 'HS256', typ: 'JWT' }, { alg: 'RS256', typ: 'JWT', kid: rng.chars(HEX, 8) }, { alg: 'ES256' }]))).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ sub: String(rng.int(1000, 999999)), iat: 1764600000 + rng.int(0, 99999), exp: 1764700000 + rng.int(0, 99999), scope: rng.pick(['read', 'read write', 'admin']) })).toString('base64url');
  return `${header}.${payload}.${rng.chars(B64URL, rng.pick([43, 86, 342]))}`;
}

export function awsAccessKey(rng: Rng): string {
  return rng.pick(['AKIA', 'ASIA']) + rng.chars(UPPER + '234567', 16);
}

export function awsSecretKey(rng: Rng): string {
  return rng.chars(ALNUM + '+/', 40);
}

/** A provider key with a documented prefix; returns the key and the provider's name. */
export function providerKey(rng: Rng): { key: string; provider: string } {
  const v = rng.int(0, 13);
  switch (v) {
    case 0: return { key: `sk_live_${rng.chars(ALNUM, rng.pick([24, 99]))}`, provider: 'stripe-secret' };
    case 1: return { key: `rk_live_${rng.chars(ALNUM, rng.pick([24, 99]))}`, provider: 'stripe-restricted' };
    case 2: return { key: `whsec_${rng.chars(ALNUM, 32)}`, provider: 'stripe-webhook' };
    case 3: return { key: `ghp_${rng.chars(ALNUM, 36)}`, provider: 'github-pat' };
    case 4: return { key: `gho_${rng.chars(ALNUM, 36)}`, provider: 'github-oauth' };
    case 5: return { key: `ghs_${rng.chars(ALNUM, 36)}`, provider: 'github-app' };
    case 6: return { key: `github_pat_${rng.chars(ALNUM, 22)}_${rng.chars(ALNUM, 59)}`, provider: 'github-fine-grained' };
    case 7: return { key: `AIza${rng.chars(ALNUM + '-_', 35)}`, provider: 'google-api' };
    case 8: return { key: `xox${rng.pick(['b', 'p', 'a', 'r', 's'])}-${rng.digits(12)}-${rng.digits(13)}-${rng.chars(ALNUM, 24)}`, provider: 'slack' };
    case 9: return { key: `glpat-${rng.chars(ALNUM + '-_', 20)}`, provider: 'gitlab' };
    case 10: return { key: `npm_${rng.chars(ALNUM, 36)}`, provider: 'npm' };
    case 11: return { key: `SG.${rng.chars(B64URL, 22)}.${rng.chars(B64URL, 43)}`, provider: 'sendgrid' };
    case 12: return { key: `sk-proj-${rng.chars(B64URL, 48)}`, provider: 'openai' };
    default: return { key: `ghu_${rng.chars(ALNUM, 36)}`, provider: 'github-user' };
  }
}

export function opaqueToken(rng: Rng): string {
  const v = rng.int(0, 3);
  if (v === 0) return rng.chars(HEX, 32);
  if (v === 1) return rng.chars(B64URL, rng.int(24, 48));
  if (v === 2) return `s%3A${rng.chars(B64URL, 32)}.${rng.chars(B64URL, 43)}`;
  return rng.chars(ALNUM, 40);
}

export function password(rng: Rng): string {
  const words = ['Tr0ub4dor', 'correct-horse', 'Summer2026', 'P@ssw0rd', 'hunter2', 'Zebra!', 'qwerty', 'Blue$ky'];
  return rng.pick(words) + rng.chars(ALNUM + '!#$%^*-_', rng.int(3, 8));
}

export function pemBody(rng: Rng, lines: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(rng.chars(B64, 64));
  out.push(rng.chars(B64, rng.int(8, 60)) + rng.pick(['', '=', '==']));
  return out;
}
