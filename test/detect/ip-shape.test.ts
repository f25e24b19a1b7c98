// IPv4 candidates are shaped (7–15 characters, three dots) before node:net reads them: the same findings as the loop that read every candidate.
import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipAddresses } from '../../src/detect/addresses.js';
import type { Finding } from '../../src/detect/finding.js';

// The former loop, kept here as the reference (the IPv6 half is unchanged and shared).
const isAlnumCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isV4Char = (c: number): boolean => (c >= 48 && c <= 57) || c === 46;
const isWord = (c: number): boolean => isAlnumCode(c) || c === 95;
const VERSION_BEFORE = /(?:(?:^|[^a-z])v|version|ver|build|release|rev)[\s:=]*$/;
const anonymousV4 = (a: string): boolean => a.startsWith('127.') || a === '0.0.0.0' || a.startsWith('255.') || a.startsWith('0.');
function referenceV4(text: string): Finding[] {
  const out: Finding[] = [];
  let dot = text.indexOf('.');
  while (dot >= 0) {
    let s = dot;
    while (s > 0 && isV4Char(text.charCodeAt(s - 1))) s--;
    let e = dot + 1;
    while (e < text.length && isV4Char(text.charCodeAt(e))) e++;
    let t = e;
    while (t > s && text.charCodeAt(t - 1) === 46) t--;
    const candidate = text.slice(s, t);
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    const after = t < text.length ? text.charCodeAt(t) : 32;
    if (!isWord(before) && !isWord(after) && before !== 45 && isIPv4(candidate) && !anonymousV4(candidate)) {
      const prefix = text.slice(Math.max(0, s - 10), s).toLowerCase();
      if (!VERSION_BEFORE.test(prefix)) out.push({ kind: 'ipAddress', start: s, end: t });
    }
    dot = text.indexOf('.', e + 1);
  }
  return out;
}

const pieces = fc.constantFrom('1', '10', '203', '255', '256', '0', '00', '127', '.', '..', ' ', '-', 'v', 'version ', 'a', ':', '_');
const text = fc.oneof(fc.array(pieces, { maxLength: 24 }).map((xs) => xs.join('')), fc.string({ maxLength: 40 }));

describe('ipAddresses', () => {
  it('finds the IPv4 addresses the loop that read every candidate found', () => {
    fc.assert(
      fc.property(text, (t) => {
        const got: Finding[] = [];
        ipAddresses(t, got);
        expect(got.filter((f) => !t.slice(f.start, f.end).includes(':'))).toEqual(referenceV4(t));
      }),
      { numRuns: 30_000 },
    );
  });

  it('still finds addresses of every length, and no version or short decimal', () => {
    const found = (t: string): string[] => {
      const out: Finding[] = [];
      ipAddresses(t, out);
      return out.map((f) => t.slice(f.start, f.end));
    };
    expect(found('from 1.2.3.4 and 203.113.255.254.')).toEqual(['1.2.3.4', '203.113.255.254']);
    expect(found('took 12.4 ms, v1.2.3.4, 1.4.2, 1.2.3.4.5')).toEqual([]);
    expect(isIPv6('::1')).toBe(true);
  });
});
