// Checksums and rules that decide whether a shape is really a card, an SSN or an IBAN.

/** Luhn (mod 10) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function ssnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

/**
 * IBAN lengths by country, as published in the SWIFT IBAN registry (ISO 13616), including the
 * countries that joined it most recently (BI, DJ, FK, LY, MN, NI, OM, RU, SD, SO, YE, …), and the
 * territories that use another country's IBAN under their own country code (French overseas
 * territories and collectivities with FR's 27 characters, Åland with FI's 18).
 */
const IBAN_LENGTH: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24,
  SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
  // Territories: the parent's layout under the territory's own code.
  AX: 18, GF: 27, GP: 27, MF: 27, MQ: 27, NC: 27, PF: 27, PM: 27, RE: 27, TF: 27, WF: 27, YT: 27,
};

/** Whether a country is in the IBAN registry, and the length of its IBANs. */
export function ibanLength(country: string): number | undefined {
  return IBAN_LENGTH[country];
}

/**
 * Whether a Luhn-valid number starts like a payment card of a network that issues them (Visa,
 * Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, RuPay, Mir) at a length it issues.
 * Ids and timestamps that happen to pass Luhn (one in ten does) mostly start otherwise.
 */
export function cardIssuer(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  switch (d[0]) {
    case '4':
      return n === 13 || n === 16 || n === 19;
    case '5':
      return p2 >= 51 && p2 <= 55 ? n === 16 : (p2 === 50 || (p2 >= 56 && p2 <= 58)) && n >= 12 && n <= 19; // Mastercard; Maestro
    case '2':
      return (p4 >= 2221 && p4 <= 2720 && n === 16) || (p4 >= 2200 && p4 <= 2204 && n >= 16 && n <= 19); // Mastercard 2-series; Mir
    case '3':
      if (p2 === 34 || p2 === 37) return n === 15;
      if (p2 === 35) return p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19;
      if (p2 === 36 || p2 === 38 || p2 === 39 || (p2 === 30 && Number(d[2]) <= 5)) return n >= 14 && n <= 19;
      return false;
    case '6':
      return n >= 13 && n <= 19; // Discover 6011/644–649/65, UnionPay 62, Maestro 6x, RuPay 60/65
    case '8':
      return p2 === 81 && n === 16; // RuPay
    default:
      return false;
  }
}

/** An IBAN (spaces removed, upper case): the country's length and a mod-97 remainder of 1. */
export function ibanValid(iban: string): boolean {
  if (IBAN_LENGTH[iban.slice(0, 2)] !== iban.length || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    const v = c >= 65 ? c - 55 : c - 48;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}
