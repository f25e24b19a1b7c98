// A deterministic generated population of patient records, for the k-anonymity tests.

/** A deterministic population: birth dates over 60 years, 40 postal areas, two sexes, five diagnoses. */
export interface Person {
  readonly id: string;
  readonly name: string;
  readonly birthDate: string;
  readonly zip: string;
  readonly sex: string;
  readonly diagnosis: string;
  readonly plan: string;
}

export function population(n: number, seed = 1): Person[] {
  let s = seed;
  const rnd = (m: number): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    // The high bits: the low bits of a power-of-two LCG cycle quickly.
    return Math.floor(s / 65_536) % m;
  };
  return Array.from({ length: n }, (_, i) => ({
    id: `p-${i}`,
    name: `Person ${i}`,
    birthDate: `${1940 + rnd(60)}-${String(1 + rnd(12)).padStart(2, '0')}-${String(1 + rnd(28)).padStart(2, '0')}`,
    zip: `${10 + rnd(40)}${String(rnd(1000)).padStart(3, '0')}`,
    sex: rnd(2) === 0 ? 'f' : 'm',
    diagnosis: ['flu', 'asthma', 'gout', 'migraine', 'none'][rnd(5)]!,
    plan: rnd(2) === 0 ? 'gold' : 'basic',
  }));
}
