// Labelled values for the detector corpus, drawn from the published formats (with their real checksums), written without reference to the detectors.

/** A small seeded PRNG (mulberry32), so a corpus is the same for the same seed. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  const digits = (n) => Array.from({ length: n }, () => String(int(0, 9))).join('');
  const chars = (n, alphabet) => Array.from({ length: n }, () => alphabet[int(0, alphabet.length - 1)]).join('');
  return { next, int, pick, digits, chars };
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const UPPER_NUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const B64URL = ALNUM + '-_';
export const B64 = ALNUM + '+/';
export const HEX = '0123456789abcdef';

// ---- Checksums, implemented from their specifications ----

/** Luhn check digit for a payload (ISO/IEC 7812-1). */
export function luhnDigit(payload) {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** ISO 7064 mod 97-10 over an IBAN's rearranged characters. */
export function mod97(s) {
  let rem = 0;
  for (const ch of s) {
    const v = /[A-Z]/.test(ch) ? ch.charCodeAt(0) - 55 : Number(ch);
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem;
}

/** IBAN check digits for a country and BBAN (ISO 13616). */
export function ibanFor(country, bban) {
  const check = 98 - mod97(bban + country + '00');
  return country + String(check).padStart(2, '0') + bban;
}

// ---- Generators by kind ----

const FIRST = ['jane', 'john', 'maria', 'li', 'ahmed', 'olga', 'pierre', 'yuki', 'sofia', 'raj', 'emma', 'lukas', 'chloe', 'mateo', 'aisha', 'noah'];
const LAST = ['doe', 'smith', 'garcia', 'wang', 'khan', 'ivanova', 'dubois', 'tanaka', 'rossi', 'patel', 'brown', 'müller', 'martin', 'silva', 'okafor', 'kim'];
const UNICODE_LOCAL = ['josé', 'müller', 'zoë', 'françois', 'søren', 'łukasz', 'ángel', 'дмитрий', '李雷', 'ανδρέας'];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'corp.example.de', 'example.co.uk', 'example.io', 'bücher.de', 'xn--bcher-kva.example', 'münchen.example', 'example.fr', 'students.example.edu'];

export function email(r) {
  const f = r.pick(FIRST);
  const l = r.pick(LAST).replace('ü', 'u');
  const local = r.pick([
    `${f}.${l}`,
    `${f}_${l}${r.int(1, 99)}`,
    `${f[0]}${l}`,
    `${f}+${r.pick(['news', 'billing', 'test'])}`,
    `${f}-${l}`,
    `${f}${r.int(1970, 2005)}`,
    r.pick(UNICODE_LOCAL),
    `o'${l}`,
  ]);
  return `${local}@${r.pick(DOMAINS)}`;
}

/** The same address with its "@" encoded the ways logs and markup carry it. */
export function encodedEmail(r) {
  const plain = email(r).replace(/[^\x00-\x7f]/g, 'a');
  return plain.replace('@', r.pick(['%40', '%2540', '&#64;', '\\u0040', '&#x40;']));
}

/** A Luhn-valid card number of a real network's IIN range and length. */
export function card(r) {
  const network = r.pick(['visa', 'visa', 'mc', 'mc2', 'amex', 'discover', 'jcb', 'diners', 'unionpay']);
  const [prefix, len] = {
    visa: [`4${r.digits(5)}`, r.pick([16, 16, 16, 13, 19])],
    mc: [`5${r.int(1, 5)}${r.digits(4)}`, 16],
    mc2: [String(r.int(2221, 2720)) + r.digits(2), 16],
    amex: [r.pick(['34', '37']) + r.digits(4), 15],
    discover: [r.pick(['6011', '65' + r.digits(2), String(r.int(644, 649)) + r.digits(1)]) + r.digits(2), 16],
    jcb: [String(r.int(3528, 3589)) + r.digits(2), 16],
    diners: ['36' + r.digits(4), 14],
    unionpay: ['62' + r.digits(4), 16],
  }[network];
  const payload = prefix + r.digits(len - prefix.length - 1);
  return { digits: payload + luhnDigit(payload), network };
}

/** A card number written the ways receipts, forms and logs write it. */
export function cardText(r) {
  const { digits, network } = card(r);
  const style = r.int(0, 5);
  if (style === 0 || digits.length % 4 !== 0) {
    if (network === 'amex' && r.next() < 0.5) return `${digits.slice(0, 4)} ${digits.slice(4, 10)} ${digits.slice(10)}`;
    return digits;
  }
  const blocks = digits.match(/.{1,4}/g);
  if (style === 1) return blocks.join(' ');
  if (style === 2) return blocks.join('-');
  if (style === 3) return blocks.join('.');
  if (style === 4) return blocks.map((b, i) => (i === 0 ? b : (i % 2 ? ' ' : '-') + b)).join('');
  return digits;
}

/** An SSN under the SSA rules (area 001–665, 667–899; group 01–99; serial 0001–9999). */
export function ssn(r) {
  let area = r.int(1, 898);
  if (area >= 666) area++;
  return [String(area).padStart(3, '0'), String(r.int(1, 99)).padStart(2, '0'), String(r.int(1, 9999)).padStart(4, '0')];
}

/** IBAN structures (length, BBAN alphabet per position) of registry countries. */
const IBAN_BBAN = {
  DE: 'n18', FR: 'n10c11n2', GB: 'a4n14', ES: 'n20', IT: 'a1n10c12', NL: 'a4n10', BE: 'n12', AT: 'n16', CH: 'n5c12', PL: 'n24', PT: 'n21', IE: 'a4n14',
  SE: 'n20', NO: 'n11', DK: 'n14', FI: 'n14', LU: 'n3c13', RU: 'n14c15', LY: 'n21', SD: 'n14', MN: 'n16', BI: 'n23', DJ: 'n23', FK: 'a2n12', NI: 'a4n20',
  OM: 'n3c16', SO: 'n19', YE: 'a4n4c18', BR: 'n23a1c1', TR: 'n5c17', SA: 'n2c18', AE: 'n19', GR: 'n7c16', HU: 'n24', RO: 'a4c16', UA: 'n6c19',
};

export function iban(r) {
  const country = r.pick(Object.keys(IBAN_BBAN));
  let bban = '';
  for (const [, kind, n] of IBAN_BBAN[country].matchAll(/([anc])(\d+)/g)) {
    bban += r.chars(Number(n), kind === 'n' ? '0123456789' : kind === 'a' ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' : UPPER_NUM);
  }
  return ibanFor(country, bban);
}

export function ibanText(r) {
  const v = iban(r);
  const style = r.int(0, 3);
  if (style === 1) return v.match(/.{1,4}/g).join(' ');
  if (style === 2) return v.toLowerCase();
  return v;
}

export function ipv4(r) {
  const first = r.pick([r.int(1, 126), r.int(128, 223), 10, 192, 172, r.int(11, 99)]);
  if (first === 192) return `192.168.${r.int(0, 255)}.${r.int(1, 254)}`;
  if (first === 172) return `172.${r.int(16, 31)}.${r.int(0, 255)}.${r.int(1, 254)}`;
  return `${first}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
}

export function ipv6(r) {
  const g = () => r.chars(r.int(1, 4), HEX).replace(/^0+(?=.)/, '');
  return r.pick([
    `2001:db8:${g()}:${g()}::${g()}`,
    `${r.pick(['2a00', '2607', '2600', '2a02'])}:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}`,
    `fe80::${g()}:${g()}:${g()}:${g()}`,
  ]);
}

const b64url = (s) => Buffer.from(s).toString('base64url');

export function jwt(r) {
  const header = b64url(JSON.stringify({ alg: r.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ sub: r.digits(8), name: r.pick(FIRST), iat: 1700000000 + r.int(0, 1e7), scope: 'read write' }));
  return `${header}.${payload}.${r.chars(r.pick([43, 86]), B64URL)}`;
}

export function awsAccessKey(r) {
  return r.pick(['AKIA', 'ASIA']) + r.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
}

/** Provider keys by their documented prefixes and lengths. */
export function providerKey(r) {
  return r.pick([
    () => `sk_live_${r.chars(r.int(24, 99), ALNUM)}`,
    () => `sk_test_${r.chars(24, ALNUM)}`,
    () => `rk_live_${r.chars(24, ALNUM)}`,
    () => `whsec_${r.chars(32, ALNUM)}`,
    () => `ghp_${r.chars(36, ALNUM)}`,
    () => `gho_${r.chars(36, ALNUM)}`,
    () => `ghs_${r.chars(36, ALNUM)}`,
    () => `github_pat_${r.chars(22, ALNUM)}_${r.chars(59, ALNUM)}`,
    () => `AIza${r.chars(35, B64URL)}`,
    () => `xoxb-${r.digits(11)}-${r.digits(13)}-${r.chars(24, ALNUM)}`,
    () => `xoxp-${r.digits(11)}-${r.digits(11)}-${r.digits(12)}-${r.chars(32, HEX)}`,
    () => `glpat-${r.chars(20, B64URL)}`,
    () => `npm_${r.chars(36, ALNUM)}`,
    () => `sk-proj-${r.chars(48, B64URL)}`,
    () => `SG.${r.chars(22, B64URL)}.${r.chars(43, B64URL)}`,
  ])();
}

/** An opaque secret: session ids, OAuth codes, raw tokens, passwords. */
export function opaque(r, kind) {
  switch (kind) {
    case 'session':
      return r.pick([`s%3A${r.chars(32, B64URL)}.${r.chars(43, B64URL)}`, r.chars(32, HEX), r.chars(26, 'abcdefghijklmnopqrstuvwxyz0123456789'), r.chars(40, ALNUM)]);
    case 'code':
      return r.chars(r.int(20, 43), B64URL);
    case 'awsSecret':
      return r.chars(40, B64);
    case 'password':
      return r.pick([`${r.pick(FIRST)}${r.int(10, 9999)}!`, r.chars(r.int(8, 20), ALNUM + '!#$*'), `Summer${r.int(2019, 2026)}`, r.chars(12, ALNUM)]);
    default:
      return r.chars(r.int(24, 64), ALNUM + '-._');
  }
}

export function pem(r, escaped, truncated) {
  const type = r.pick(['RSA ', 'EC ', '', 'OPENSSH ', 'ENCRYPTED ']);
  const nl = escaped ? '\\n' : '\n';
  const lines = Array.from({ length: r.int(3, 8) }, () => r.chars(64, B64));
  let text = `-----BEGIN ${type}PRIVATE KEY-----${nl}${lines.join(nl)}${nl}${r.chars(r.int(4, 60), B64)}=`;
  if (!truncated) text += `${nl}-----END ${type}PRIVATE KEY-----`;
  return text;
}

/** `user:password` for a URL, the password sometimes carrying a raw "@" as people paste it. */
export function userinfo(r) {
  const user = r.pick(['app', 'admin', 'svc_orders', '', 'guest', r.pick(FIRST), 'postgres']);
  const pass = r.pick([r.chars(r.int(8, 24), ALNUM), `${r.pick(FIRST)}@${r.int(100, 999)}`, r.chars(16, ALNUM + '-_.~')]);
  return `${user}:${pass}`;
}

/** Phone numbers of twelve national plans, written the ways their people write them. */
export function phone(r) {
  const country = r.pick(['US', 'CA', 'UK', 'DE', 'FR', 'ES', 'IT', 'NL', 'IN', 'BR', 'JP', 'AU']);
  const d = (n) => r.digits(n);
  const nanp = () => [String(r.int(2, 9)) + d(2), String(r.int(2, 9)) + d(2), d(4)];
  switch (country) {
    case 'US':
    case 'CA': {
      const [a, b, c] = nanp();
      return { country, plainContext: true, text: r.pick([`(${a}) ${b}-${c}`, `${a}-${b}-${c}`, `${a}.${b}.${c}`, `+1 ${a} ${b} ${c}`, `+1${a}${b}${c}`, `%2B1${a}${b}${c}`, `1-${a}-${b}-${c}`, `${a} ${b} ${c}`, `+1 (${a}) ${b}-${c}`, `${a}${b}${c}`]) };
    }
    case 'UK':
      return { country, text: r.pick([`+44 20 ${d(4)} ${d(4)}`, `020 ${d(4)} ${d(4)}`, `07${r.int(100, 999)} ${d(6)}`, `+44 7${r.int(100, 999)} ${d(6)}`, `+44 (0)20 ${d(4)} ${d(4)}`, `0161 ${d(3)} ${d(4)}`, `07${d(9)}`]) };
    case 'DE':
      return { country, text: r.pick([`+49 30 ${d(8)}`, `030 ${d(8)}`, `030-${d(7)}`, `089/${d(7)}`, `0151 ${d(8)}`, `+49 151 ${d(8)}`, `0221-${d(3)}-${d(4)}`, `+49 (0)89 ${d(7)}`, `0${r.int(30, 99)}${d(8)}`]) };
    case 'FR': {
      const p = () => d(2);
      const lead = `0${r.int(1, 7)}`;
      return { country, text: r.pick([`${lead} ${p()} ${p()} ${p()} ${p()}`, `${lead}.${p()}.${p()}.${p()}.${p()}`, `+33 ${lead[1]} ${p()} ${p()} ${p()} ${p()}`, `+33${lead[1]}${d(8)}`, `${lead}${d(8)}`]) };
    }
    case 'ES': {
      const lead = String(r.pick([6, 7, 9]));
      return { country, text: r.pick([`+34 ${lead}${d(2)} ${d(2)} ${d(2)} ${d(2)}`, `${lead}${d(2)} ${d(3)} ${d(3)}`, `+34 ${lead}${d(8)}`, `${lead}${d(2)} ${d(2)} ${d(2)} ${d(2)}`, `${lead}${d(8)}`]) };
    }
    case 'IT':
      return { country, text: r.pick([`+39 06 ${d(4)} ${d(4)}`, `06 ${d(4)} ${d(4)}`, `3${d(2)} ${d(3)} ${d(4)}`, `+39 3${d(2)} ${d(7)}`, `02 ${d(8)}`, `3${d(9)}`]) };
    case 'NL':
      return { country, text: r.pick([`+31 6 ${d(8)}`, `06-${d(8)}`, `020 ${d(3)} ${d(4)}`, `+31 20 ${d(3)} ${d(4)}`, `06 ${d(2)} ${d(2)} ${d(2)} ${d(2)}`, `06${d(8)}`]) };
    case 'IN': {
      const m = String(r.int(6, 9)) + d(4);
      return { country, text: r.pick([`+91 ${m} ${d(5)}`, `${m} ${d(5)}`, `+91-${m}${d(5)}`, `0${m}${d(5)}`, `${m}${d(5)}`]) };
    }
    case 'BR':
      return { country, text: r.pick([`+55 11 9${d(4)}-${d(4)}`, `(11) 9${d(4)}-${d(4)}`, `(21) ${String(r.int(2, 5))}${d(3)}-${d(4)}`, `+55 21 ${String(r.int(2, 5))}${d(3)} ${d(4)}`]) };
    case 'JP':
      return { country, text: r.pick([`+81 3-${d(4)}-${d(4)}`, `03-${d(4)}-${d(4)}`, `090-${d(4)}-${d(4)}`, `+81 90 ${d(4)} ${d(4)}`, `06-${d(4)}-${d(4)}`]) };
    default:
      return { country, text: r.pick([`+61 2 ${d(4)} ${d(4)}`, `(02) ${d(4)} ${d(4)}`, `04${d(2)} ${d(3)} ${d(3)}`, `+61 4${d(2)} ${d(3)} ${d(3)}`, `04${d(8)}`]) };
  }
}
