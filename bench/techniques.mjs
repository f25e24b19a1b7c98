// The playbook's techniques side by side: µs per field, reversibility, and the k-anonymity each leaves on a generated population.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from 'fieldguard';
import { createVault, keyRing, memoryStore, sqliteStore } from 'fieldguard/vault';

const { compilePlan, compileTokenize, defineSchema, privacyBudget } = core;
const keys = keyRing({ keys: { k1: Buffer.alloc(32, 7).toString('base64') } });
const silent = () => undefined;

const FIELDS = {
  email: { 'x-sensitivity': 'personal', 'x-kind': 'email' },
  ssn: { 'x-sensitivity': 'special', 'x-kind': 'ssn' },
  card: { 'x-sensitivity': 'secret', 'x-kind': 'cardNumber' },
  phone: { 'x-sensitivity': 'personal', 'x-kind': 'phone' },
  birthDate: { 'x-sensitivity': 'personal', 'x-kind': 'birthDate' },
  postalCode: { 'x-sensitivity': 'personal', 'x-kind': 'postalCode' },
};
const schema = defineSchema({ type: 'object', properties: Object.fromEntries(Object.entries(FIELDS).map(([k, t]) => [k, { type: 'string', ...t }])) });
const PER_RECORD = Object.keys(FIELDS).length;

/** A Luhn-valid 16-digit number from a 15-digit body. */
function luhn(body) {
  let sum = 0;
  for (let i = body.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = body.charCodeAt(i) - 48;
    if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return body + ((10 - (sum % 10)) % 10);
}

/** A deterministic population: 2,000 people over 40 birth years and 30 postal codes (six digits, so FF1's domain rule admits them). */
function population(n) {
  let seed = 42;
  const rnd = (m) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % m);
  return Array.from({ length: n }, (_, i) => ({
    email: `person${String(i).padStart(5, '0')}@example.com`,
    ssn: `${100 + rnd(800)}-${10 + rnd(89)}-${1000 + rnd(8999)}`,
    card: luhn(`4${String(rnd(1e7)).padStart(7, '0')}${String(rnd(1e7)).padStart(7, '0')}`),
    phone: `+1 415 555 ${String(rnd(10000)).padStart(4, '0')}`,
    birthDate: `${1950 + rnd(40)}-${String(1 + rnd(12)).padStart(2, '0')}-${String(1 + rnd(28)).padStart(2, '0')}`,
    postalCode: String(100000 + rnd(30) * 1111),
  }));
}

const rule = (action) => [{ select: { atLeast: 'personal' }, action }];

/** µs per call of a synchronous function: median of rounds. */
function timeSync(fn, rounds, roundMs) {
  for (let i = 0; i < 50; i++) fn();
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(roundMs) * 1_000_000n;
    while (process.hrtime.bigint() - start < budget) {
      fn();
      n++;
    }
    samples.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

async function timeAsync(fn, rounds, roundMs) {
  for (let i = 0; i < 20; i++) await fn();
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(roundMs) * 1_000_000n;
    while (process.hrtime.bigint() - start < budget) {
      await fn();
      n++;
    }
    samples.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

/** k over the released quasi-identifiers, by assessRisk where this build has it; `undefined` (a dash) where it does not. */
function kOf(released) {
  if (typeof core.assessRisk !== 'function') return undefined;
  try {
    const r = core.assessRisk(released, { schema, quasiIdentifiers: ['birthDate', 'postalCode'] });
    return typeof r?.k === 'number' ? r.k : undefined;
  } catch {
    return undefined;
  }
}

export async function runTechniquesBench({ rounds, roundMs }) {
  const people = population(2000);
  const one = people[0];
  const dir = mkdtempSync(join(tmpdir(), 'fieldguard-techniques-'));
  const rows = [];
  const add = (name, us, reversible, k, note = '') => rows.push({ name, us, reversible, k, note });

  const keep = compilePlan({ schema, rules: rule('keep') });
  const floor = timeSync(() => keep(one), rounds, roundMs) / PER_RECORD;
  add('keep (floor: the walk alone)', floor, 'yes (it is the value)', kOf(people.map((p) => keep(p).value)));
  for (const [action, reversible] of [
    ['drop', 'no'],
    ['mask', 'no'],
    ['hash', 'no (keyed HMAC; a dictionary attack needs the key)'],
    ['encrypt', 'yes, with the key ring (AES-256-GCM)'],
    ['fpe', 'yes, with the key ring (FF1, AES-256)'],
  ]) {
    const plan = compilePlan({ schema, keys, rules: rule(action) });
    const us = timeSync(() => plan(one), rounds, roundMs) / PER_RECORD;
    add(action, us, reversible, kOf(people.map((p) => plan(p).value)));
  }
  for (const [name, store] of [
    ['tokenize (memory store)', memoryStore()],
    ['tokenize (SQLite store)', sqliteStore(join(dir, 'tokens.db'))],
  ]) {
    const vault = createVault({ store, keys, audit: silent });
    const plan = compileTokenize({ schema, vault });
    // Deterministic tokens: after the first call the same values are looked up, as for a returning customer.
    const us = (await timeAsync(() => plan(one), rounds, roundMs)) / PER_RECORD;
    const released = [];
    for (const p of people.slice(0, 500)) released.push((await plan(p)).value);
    add(name, us, 'yes, through the vault (authorized, audited)', kOf(released));
  }
  if (typeof core.generalize === 'function' || compilePlanKnows('generalize')) {
    const plan = compilePlan({ schema, rules: rule('generalize') });
    const us = timeSync(() => plan(one), rounds, roundMs) / PER_RECORD;
    add('generalize', us, 'no', kOf(people.map((p) => plan(p).value)));
  } else {
    add('generalize', undefined, 'no', undefined, 'not in this build: filled in once the generalize action is merged');
  }
  const budget = privacyBudget({ epsilon: Number.MAX_SAFE_INTEGER });
  const records = people.map((p) => ({ subject: p.email }));
  const dpUs = timeSync(() => budget.count(records, { epsilon: 1 }), rounds, roundMs) / records.length;
  add('DP count (discrete Laplace, ε = 1, 2,000 people)', dpUs, 'no (only a noisy aggregate leaves)', undefined, 'no records are released, so k does not apply');
  rmSync(dir, { recursive: true, force: true });

  const hasK = rows.some((r) => r.k !== undefined);
  const lines = ['## Privacy techniques (µs per field, reversibility, k reached)', ''];
  lines.push(
    `One record of ${PER_RECORD} personal fields (email, SSN, card, phone, birth date, postal code) through a plan that gives every field the technique; µs per field = time per record / ${PER_RECORD}, median of rounds. DP count: time of one release over 2,000 people / 2,000. k: the smallest equivalence class of (birth date, postal code) in what the technique releases of a generated population of 2,000 (500 for the vault rows)${hasK ? ', by assessRisk' : '; not measured: assessRisk is not in this build'}.`,
    '',
    `| technique | µs per field | vs keep | reversible | k reached |${rows.some((r) => r.note) ? ' note |' : ''}`,
    `| --- | ---: | ---: | --- | ---: |${rows.some((r) => r.note) ? ' --- |' : ''}`,
  );
  for (const r of rows) {
    const us = r.us === undefined ? '—' : r.us.toFixed(2);
    const ratio = r.us === undefined ? '—' : `${(r.us / floor).toFixed(1)}x`;
    lines.push(`| ${r.name} | ${us} | ${ratio} | ${r.reversible} | ${r.k ?? '—'} |${rows.some((x) => x.note) ? ` ${r.note} |` : ''}`);
    console.log(`technique ${r.name.padEnd(52)} ${us.padStart(8)} µs/field  k=${r.k ?? '—'}`);
  }
  lines.push('');
  return { lines, targets: [] };
}

/** Whether compilePlan accepts an action (a build without it refuses the rule at start-up). */
function compilePlanKnows(action) {
  try {
    compilePlan({ schema, keys, rules: rule(action) });
    return true;
  } catch {
    return false;
  }
}
