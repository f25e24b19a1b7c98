// Scores the detectors on the independent corpus and holds each kind that meets the quality bar
// (recall and precision >= 0.97, no partial leaks of cards, keys, JWTs and URL credentials, at most
// 2% of entity-free lines altered) to it; the kinds that do not yet are recorded as todos.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { redactText } from '../../src/index.js';
import { precisionOf, readCorpus, recallOf, score, type RedactText } from './score.js';

const corpus = readCorpus(fileURLToPath(new URL('./corpus.jsonl', import.meta.url)));
const result = score(corpus, redactText as RedactText, 1);

/** Kinds whose recall and precision met 0.97 on this corpus when it was written. */
const MEETING = ['email', 'ssn', 'iban', 'jwt', 'awsAccessKey', 'apiKey', 'privateKey', 'urlCredentials', 'cardNumber'] as const;
const ALL = [...MEETING, 'phone', 'ipAddress'] as const;
const NO_PARTIAL = ['privateKey', 'jwt', 'urlCredentials'] as const;

describe('detectors on the independent corpus', () => {
  it.each(MEETING)('%s: recall >= 0.97', (kind) => {
    const k = result.kinds[kind];
    expect(k?.entities ?? 0).toBeGreaterThan(20);
    expect(recallOf(k!)).toBeGreaterThanOrEqual(0.97);
  });

  it.each(ALL)('%s: precision >= 0.97', (kind) => {
    expect(precisionOf(result.kinds[kind]!)).toBeGreaterThanOrEqual(0.97);
  });

  it.each(NO_PARTIAL)('%s: never masked only in part', (kind) => {
    expect(result.kinds[kind]!.partial).toBe(0);
  });

  it('alters at most 2% of the entity-free lines', () => {
    expect(result.entityFreeAltered / result.entityFreeLines).toBeLessThanOrEqual(0.02);
  });

  it('leaves no masked span on an entity-free line', () => {
    const fp = result.findings.filter((f) => f.what === 'false-positive');
    expect(fp.map((f) => `${f.id}:${f.kind}`)).toEqual([]);
  });

  // Misses measured when the corpus was written (see RESULTS.md):
  it.todo('phone: recall >= 0.97 (0.910: plain national forms after a context word — FR 0X XXXXXXXX, BR (DD) 9XXXX-XXXX without parentheses, IN 0XXXXX XXXXX, DE 0XX-XXX-XXXXX)');
  it.todo('ipAddress: recall >= 0.97 (0.911: IPv6 followed by :port without brackets, as Apache error logs write the client)');
  it.todo('cardNumber: no partial leaks (a 19-digit Visa spaced 4-4-4-4-3 is masked only to 16 digits; a dashed 19-digit UnionPay PAN not at all)');
  // Seen in probes outside the counted corpus:
  it.todo("phone: a number followed by a space and a date is masked ('tel: 303-710-6258 2026-12-02' stays in clear)");
  it.todo("urlCredentials: a pasted connection string whose password holds an unencoded '#' is masked");
});
