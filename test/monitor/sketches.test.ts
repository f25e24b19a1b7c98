// The monitor's parts on their own: the HyperLogLog, the multi-pattern search, the baseline, honeytoken forms — and the false-alarm rate and memory bound over long simulated runs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { defineDestinations } from '../../src/index.js';
import { baselineOf, createMonitor, HyperLogLog, hash32, scoreOf } from '../../src/monitor/index.js';
import { compileMatcher } from '../../src/monitor/matcher.js';
import { formsOf, HoneytokenSet, mintValue } from '../../src/monitor/honeytokens.js';
import { shapeOf } from '../../src/monitor/shape.js';
import { watchOf } from '../../src/monitor/watch.js';
import { keepSubjects, type Report } from '../../src/plan/report.js';
import { keys, testClock } from './helpers.js';

describe('HyperLogLog', () => {
  it.each([10, 1_000, 100_000])('estimates %i distinct values within 3%%', (n) => {
    const h = new HyperLogLog();
    for (let i = 0; i < n; i++) h.add(hash32(`subject-${i}`));
    for (let i = 0; i < n; i++) h.add(hash32(`subject-${i}`));
    expect(Math.abs(h.count() - n) / n).toBeLessThan(0.03);
  });
  it('estimates distinct keyed hashes and tokens from their last characters as well as from the whole', async () => {
    const { hmacPseudonym } = await import('../../src/vault/crypto.js');
    const { subjectHash } = await import('../../src/monitor/hll.js');
    const { createHash } = await import('node:crypto');
    const ring = keys;
    // Tokens as uniform as random ones, but the same on every run: a 3% bound is about two standard errors of this sketch.
    const token = (i: number): string => `tok_${createHash('sha256').update(`token-${i}`).digest('base64url').slice(0, 22)}`;
    for (const make of [(i: number) => hmacPseudonym(ring, `person-${i}@example.com`, 'crm'), token]) {
      const h = new HyperLogLog();
      for (let i = 0; i < 50_000; i++) h.add(subjectHash(make(i)));
      expect(Math.abs(h.count() - 50_000) / 50_000).toBeLessThan(0.03);
    }
    // Anything else is hashed whole: values that differ only early are still told apart.
    const other = new HyperLogLog();
    for (let i = 0; i < 1_000; i++) other.add(subjectHash(`4111${String(i).padStart(8, '0')}1111`));
    expect(Math.abs(other.count() - 1_000) / 1_000).toBeLessThan(0.05);
  });
  it('merges as a union and round-trips through base64', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 500; i++) a.add(hash32(`x${i}`));
    for (let i = 250; i < 750; i++) b.add(hash32(`x${i}`));
    a.merge(b);
    expect(Math.abs(a.count() - 750)).toBeLessThan(25);
    expect(HyperLogLog.fromBase64(a.toBase64()).count()).toBe(a.count());
  });
});

describe('compileMatcher (Aho–Corasick)', () => {
  it('finds any pattern, overlapping ones and suffixes included, and nothing else', () => {
    const m = compileMatcher([
      ['he', 0],
      ['she', 1],
      ['hers', 2],
      ['abcd', 3],
      ['bc', 4],
    ]);
    expect(m.find('ushers')).toBe(1);
    expect(m.find('xxabcx')).toBe(4);
    expect(m.find('ab c d')).toBe(-1);
    expect(m.find('ééhe')).toBe(0);
  });
  it('agrees with indexOf on random texts', () => {
    const pats = Array.from({ length: 50 }, (_, i) => [`p${(i * 7919) % 1000}q`, i] as const);
    const m = compileMatcher(pats);
    for (let t = 0; t < 200; t++) {
      const text = Array.from({ length: 40 }, () => `p${Math.floor(Math.random() * 1000)}${Math.random() < 0.5 ? 'q' : ''}`).join('');
      expect(m.find(text) !== -1).toBe(pats.some(([p]) => text.includes(p)));
    }
  });
  it('agrees with a brute-force search for patterns of any length, case-folded ones included', () => {
    // A small alphabet makes overlaps, shared grams and near misses common.
    const pick = (n: number): string => Array.from({ length: n }, () => 'abAB01_%'[Math.floor(Math.random() * 8)]).join('');
    for (let round = 0; round < 300; round++) {
      const pats = Array.from({ length: 1 + Math.floor(Math.random() * 12) }, (_, i) => [pick(2 + Math.floor(Math.random() * 24)), i, Math.random() < 0.3] as const);
      const m = compileMatcher(pats);
      const text = pick(Math.floor(Math.random() * 120));
      const at = (p: readonly [string, number, boolean]): number => {
        for (let s = 0; s + p[0].length <= text.length; s++) {
          const w = text.slice(s, s + p[0].length);
          if (p[2] ? w.toLowerCase() === p[0].toLowerCase() : w === p[0]) return s;
        }
        return -1;
      };
      const found = m.find(text);
      const starts = pats.map(at);
      if (starts.every((s) => s === -1)) expect(found).toBe(-1);
      else {
        expect(found).not.toBe(-1);
        // The pattern answered occurs in the text.
        expect(starts[found]).not.toBe(-1);
      }
    }
  });
});

describe('honeytokens', () => {
  it('mints Luhn-valid cards, emails at the given domain and key-shaped strings', () => {
    const card = mintValue({ kind: 'cardNumber' });
    expect(card).toMatch(/^4\d{15}$/);
    const sum = [...card].reverse().reduce((s, c, i) => s + (i % 2 === 1 ? ((+c * 2) % 10) + Math.floor((+c * 2) / 10) : +c), 0);
    expect(sum % 10).toBe(0);
    expect(mintValue({ kind: 'email', domain: 'decoys.example.org' })).toMatch(/^[a-z0-9]{10}@decoys\.example\.org$/);
    expect(mintValue({ kind: 'apiKey' })).toMatch(/^sk_live_[A-Za-z0-9]{32}$/);
    expect(() => mintValue({ kind: 'email' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });
  it('finds a decoy in a parsed body wherever its JSON text would carry it, and nowhere else', () => {
    const set = new HoneytokenSet();
    const card = mintValue({ kind: 'cardNumber' });
    const key = mintValue({ kind: 'apiKey' });
    const email = mintValue({ kind: 'email', domain: 'decoys.example.org' });
    for (const [value, kind] of [[card, 'cardNumber'], [key, 'apiKey'], [email, 'email']] as const) set.add({ value, kind, label: kind });
    const found = (body: unknown): string | undefined => set.findIn(body)?.kind;
    expect(found({ a: [{ b: [1, 'x', null, true] }], c: 'ordinary text 4111 1111' })).toBeUndefined();
    expect(found({ a: [{ b: [1, `note ${key} here`] }] })).toBe('apiKey');
    expect(found({ [card]: 1 })).toBe('cardNumber');
    expect(found({ n: Number(card) })).toBe('cardNumber');
    expect(found({ deep: { x: email.toUpperCase() } })).toBe('email');
    expect(found({ b64: Buffer.from(`k=${key};`).toString('base64') })).toBe('apiKey');
    expect(found({ when: { toJSON: () => `at ${key}` } })).toBe('apiKey');
    // A body nested 10,000 deep is searched without exhausting the stack.
    let deep: unknown = key;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(found(deep)).toBe('apiKey');
    // Agrees with a search of JSON.stringify on random bodies.
    for (let t = 0; t < 200; t++) {
      const body = { list: Array.from({ length: 5 }, (_, i) => (Math.random() < 0.1 ? { [`k${i}`]: `v ${[card, key, email][i % 3]}` } : { [`k${i}`]: `v${i}` })) };
      expect(set.findIn(body)?.value).toBe(set.find(JSON.stringify(body))?.value);
    }
  });
  it('has a form for every base64 alignment that occurs inside any encoding of text around the decoy', () => {
    const v = mintValue({ kind: 'email', domain: 'decoys.example.org' });
    const m = compileMatcher(formsOf(v).map((f) => [f, 0] as const));
    for (const before of ['', 'a', 'ab', 'abc']) {
      for (const after of ['', 'z', 'zz']) {
        const text = `${before}${v}${after}`;
        expect(m.find(Buffer.from(text).toString('base64'))).toBe(0);
        expect(m.find(Buffer.from(text).toString('base64url'))).toBe(0);
        expect(m.find(encodeURIComponent(text))).toBe(0);
      }
    }
  });
});

describe('baseline', () => {
  it('ignores one outlier, floors the spread at √median, and scores rises only', () => {
    const b = baselineOf([10, 11, 9, 10, 1000, 10, 12, 9]);
    expect(b.median).toBe(10);
    expect(b.scale).toBeCloseTo(Math.max(1.4826, Math.sqrt(10)), 5);
    expect(scoreOf(5, b)).toBe(0);
    expect(scoreOf(10 + 6 * b.scale, b)).toBeCloseTo(6, 5);
  });
});

describe('shapeOf', () => {
  it('writes a key holding a credential, or shaped like one, as *', () => {
    expect(shapeOf({ AKIAIOSFODNN7EXAMPLE: 1, sk_live_4eC39HqLyjWDarjtT1zdp7dc: 2, user12345678901234: 3, status: 4 }).sort()).toEqual(['*:number', 'status:number']);
  });
  it('names field-like keys and writes data-like keys and wide maps as *', () => {
    expect(shapeOf({ id: 'x', 'jane@x.io': 1, items: [{ qty: 1 }] }).sort()).toEqual(['*:number', 'id:string', 'items:array', 'items[*].qty:number', 'items[*]:object']);
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    expect(shapeOf({ m: wide })).toEqual(['m:object', 'm.*:number']);
  });
});

/** Poisson draws (Knuth), from a seeded generator so the run is reproducible. */
function poisson(lambda: number, rand: () => number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function report(paths: number): Report {
  return {
    kept: 1, dropped: 0, masked: 0, rejected: 0, scanned: 0, untagged: 0, hashed: paths, encrypted: 0, decrypted: 0, tokenized: 0, detokenized: 0, generalized: 0, shifted: 0, unresolved: 0,
    fields: [{ path: 'id', action: 'keep', count: 1, sensitivity: 'public' }, ...Array.from({ length: paths }, (_, i) => ({ path: `p${i}`, action: 'hash' as const, count: 1, sensitivity: 'personal' as const, kind: 'email' as const }))],
  };
}

const destinationsFor = () =>
  defineDestinations({ crm: { vendor: 'CRM', baseUrl: 'https://crm.example', region: 'DE', lawfulBasis: 'contract', purpose: 'records', rules: { public: 'keep', personal: 'hash' } } }, { keys });

describe('false alarms and memory', () => {
  it('raises at most one alert over 10,000 windows of steady Poisson traffic', async () => {
    const clock = testClock(0);
    const destinations = destinationsFor();
    const alerts: unknown[] = [];
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, onAlert: (a) => void alerts.push(a), audit: () => undefined });
    const watch = watchOf(destinations)!;
    const rand = seeded(42);
    const r = report(1);
    for (let w = 0; w < 10_000; w++) {
      const n = poisson(20, rand);
      for (let i = 0; i < n; i++) {
        // Each request about one of 10,000 customers, drawn at random: distinct subjects are Poisson-like too.
        watch.outbound('crm', { report: keepSubjects({ ...r }, [`h${Math.floor(rand() * 10_000)}`]), bytes: 200 + Math.floor(rand() * 50) });
      }
      clock.advance(1000);
      await monitor.flush();
    }
    expect(alerts.length).toBeLessThanOrEqual(1);
    await monitor.close();
  }, 120_000);

  it('keeps memory bounded whatever the number of distinct paths and subjects', async () => {
    const clock = testClock(0);
    const destinations = destinationsFor();
    const monitor = createMonitor({ destinations, clock: clock.now, window: 1000, history: 4, warmup: 2, signals: { outboundDrift: false }, audit: () => undefined });
    const watch = watchOf(destinations)!;
    const feed = async (start: number, n: number): Promise<void> => {
      for (let i = start; i < start + n; i++) {
        const paths = [{ path: `x${i}.*`, action: 'hash' as const, count: 1, sensitivity: 'personal' as const, kind: 'email' as const }];
        watch.outbound('crm', { report: keepSubjects({ ...report(0), hashed: 1, fields: paths }, [`subject-${i}`]), bytes: 10 });
        if (i % 5000 === 0) {
          clock.advance(1000);
          await monitor.flush();
        }
      }
      await monitor.flush();
    };
    // A real collection before each reading, so the comparison is of what is retained.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    await feed(0, 50_000);
    gc();
    const first = process.memoryUsage().heapUsed;
    await feed(50_000, 200_000);
    gc();
    const growth = process.memoryUsage().heapUsed - first;
    // Four times more distinct paths and subjects: the learned set is capped and the windows expire.
    expect(growth).toBeLessThan(16 * 2 ** 20);
    const snap = await monitor.snapshot();
    expect(snap.destinations['crm']!.length).toBeLessThanOrEqual(5);
    await monitor.close();
  }, 120_000);
});
