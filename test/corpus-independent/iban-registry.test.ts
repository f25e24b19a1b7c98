// Checks the detector's IBAN length table against ibantools' country specifications, a maintained
// copy of the SWIFT IBAN registry: same length for every country, and no registry country missing,
// the territories that use FR and FI IBANs under their own code included.
import { describe, expect, it } from 'vitest';
import { getCountrySpecifications } from 'ibantools';
import { ibanLength } from '../../src/detect/checks.js';
import { IBAN_LENGTHS } from './values.js';

const specs = getCountrySpecifications();
const tableCountries = Object.keys(IBAN_LENGTHS);

/**
 * ibantools lists these as registry codes with the length of the IBAN they use (FR's for the French
 * overseas territories, FI's for Åland); the corpus generator's table leaves them out.
 */
const TERRITORIES = ['AX', 'GF', 'GP', 'MF', 'MQ', 'NC', 'PF', 'PM', 'RE', 'TF', 'WF', 'YT'];

describe('IBAN lengths against ibantools', () => {
  it.each(Object.keys(specs).filter((cc) => specs[cc]?.chars))('%s: the detector knows the same length, or the country is outside its table', (cc) => {
    const theirs = specs[cc]!.chars;
    const ours = ibanLength(cc);
    if (ours !== undefined) expect(ours).toBe(theirs);
  });

  it('every registry country of ibantools is in the detector table, territories included', () => {
    const missing = Object.keys(specs).filter((cc) => specs[cc]?.IBANRegistry && ibanLength(cc) === undefined);
    expect(missing).toEqual([]);
    for (const cc of TERRITORIES) expect(ibanLength(cc)).toBe(specs[cc]!.chars);
  });

  it('every country of the detector table has an ibantools specification', () => {
    // the detector table is private: probe every two-letter code
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const known: string[] = [];
    for (const a of letters) for (const b of letters) if (ibanLength(a + b) !== undefined) known.push(a + b);
    expect(known.filter((cc) => !specs[cc]?.chars)).toEqual([]);
    // against the corpus generator's own registry table: the detector also knows HN (Honduras,
    // 28), which ibantools specifies but does not flag as a registry country
    expect(known.filter((cc) => !tableCountries.includes(cc))).toEqual(['HN', ...TERRITORIES].sort());
    expect(tableCountries.filter((cc) => !known.includes(cc))).toEqual([]);
  });
});
