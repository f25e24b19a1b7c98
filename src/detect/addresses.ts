// Address detectors (emails, IP addresses): found from each "@" (or encoded "@"), "." or ":" and expanded by hand, so nothing can backtrack.
import { isIPv4, isIPv6 } from 'node:net';
import type { Finding } from './finding.js';

const isAlnumCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** Letters beyond ASCII (an IDN label, a Unicode local part); never a surrogate half, a space or punctuation block. */
const isWideLetter = (c: number): boolean =>
  c >= 0xc0 && !(c >= 0xd800 && c <= 0xdfff) && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x3003) && c !== 0xfeff && !(c >= 0xff01 && c <= 0xff0f) && c !== 0xd7 && c !== 0xf7;
// Local part: letters, digits and . _ % + - ' (RFC 5322 atoms seen in practice), and Unicode letters (RFC 6531).
const isLocal = (c: number): boolean => isAlnumCode(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39 || isWideLetter(c);
const isDomain = (c: number): boolean => isAlnumCode(c) || c === 46 || c === 45 || isWideLetter(c);
const DOMAIN_SHAPE = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,8}(?:[A-Za-z]{2,24}|xn--[A-Za-z0-9-]{1,59}|\p{L}{2,24})$/u;
/** File names written like addresses (`icon@2x.png`, `bundle@1.2.js`). */
const ASSET_TLD = /\.(?:png|jpe?g|gif|svg|webp|ico|bmp|css|m?js|map|json|txt|log|lock|woff2?|ttf)$/i;

const ENCODED_DELIMITER = /%(?:25)?(?:3[ABDEFabdef]|2[0236CFcf]|5[BDbd]|7[BCDbcd])/g;

/** How "@" is written: as itself, URL-encoded once or twice, as an HTML entity, as a JSON/JS escape. */
const AT_SIGNS = ['@', '%40', '%2540', '&#64;', '&#x40;', '\\\\u0040', '\\u0040'] as const;

/**
 * Finds email addresses, with an encoded "@" too. `encoded: false` tells that the text has no `%`,
 * `&` or `\\`, so none of the encoded signs can be in it and they are not looked for.
 */
export function emails(text: string, out: Finding[], encoded = true): void {
  if (!encoded) {
    emailsAround(text, out, '@');
    return;
  }
  for (const sign of AT_SIGNS) if (sign === '@' || text.includes(sign)) emailsAround(text, out, sign);
}

function emailsAround(text: string, out: Finding[], sign: string): void {
  const width = sign.length;
  let at = text.indexOf(sign);
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < 64 && isLocal(text.charCodeAt(s - 1))) s--;
    let e = at + width;
    while (e < text.length && e - at < 254 && isDomain(text.charCodeAt(e))) e++;
    while (e > at + width && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
    // In an encoded URL the local part starts after the last encoded delimiter (`%3D` "=", `%3F` "?", `%26` "&", `%2F` "/", …).
    if (hasPercent(text, s, at)) {
      ENCODED_DELIMITER.lastIndex = 0;
      const local = text.slice(s, at);
      let d: RegExpExecArray | null;
      let cut = -1;
      while ((d = ENCODED_DELIMITER.exec(local)) !== null) cut = d.index + d[0].length;
      if (cut > 0) s += cut;
    }
    while (s < at && (text[s] === '.' || text[s] === "'")) s++;
    if (s < at && e > at + width + 2 && !inUrlAuthority(text, s) && !scpRemote(text, e)) {
      const domain = text.slice(at + width, e);
      if (DOMAIN_SHAPE.test(domain) && !ASSET_TLD.test(domain)) out.push({ kind: 'email', start: s, end: e });
    }
    at = text.indexOf(sign, e > at ? e : at + 1);
  }
}

/** Whether `%` occurs in `[from, to)` (a bounded local part, never the text before it). */
function hasPercent(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 37) return true;
  return false;
}

/** `scheme://user@host` and `scheme://user:pass@host`: userinfo of a URL, not an address (credentials are their own detector). */
function inUrlAuthority(text: string, s: number): boolean {
  let k = s;
  const stop = Math.max(0, s - 256);
  while (k > stop) {
    const c = text.charCodeAt(k - 1);
    if (c === 47) return k >= 2 && text.charCodeAt(k - 2) === 47 && k >= 3 && text.charCodeAt(k - 3) === 58;
    if (c <= 32 || c === 64 || c === 34 || c === 39 || c === 60 || c === 61 || c === 63 || c === 38) return false;
    k--;
  }
  return false;
}

/** `git@github.com:org/repo.git`: an SSH remote, not an address. */
function scpRemote(text: string, e: number): boolean {
  if (text.charCodeAt(e) !== 58) return false;
  const c = text.charCodeAt(e + 1);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 126 || c === 47 || c === 95;
}

const isV4Char = (c: number): boolean => (c >= 48 && c <= 57) || c === 46;
const isV6Char = (c: number): boolean => (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
const isWord = (c: number): boolean => isAlnumCode(c) || c === 95;
/** Versions written like addresses: `v1.2.3.4`, `version 1.2.3.4`, `ver=…`, `build 1.0.0.12`. */
const VERSION_BEFORE = /(?:(?:^|[^a-z])v|version|ver|build|release|rev)[\s:=]*$/;

/** Addresses that name no one: loopback, unspecified, broadcast, netmasks. */
function anonymousV4(a: string): boolean {
  return a.startsWith('127.') || a === '0.0.0.0' || a.startsWith('255.') || a.startsWith('0.');
}

function anonymousV6(a: string): boolean {
  const l = a.toLowerCase();
  return l === '::1' || l === '::' || /^::ffff:(?:127\.|0\.0\.0\.0$)/.test(l) || /^0{0,4}(?::0{0,4}){6}:0{0,3}1$/.test(l);
}

/** Whether `text[s, t)`, digits and dots, has the length and the three dots every IPv4 address `isIPv4` accepts has. */
function v4Shaped(text: string, s: number, t: number): boolean {
  const n = t - s;
  if (n < 7 || n > 15) return false;
  let dots = 0;
  for (let i = s; i < t; i++) if (text.charCodeAt(i) === 46) dots++;
  return dots === 3;
}

/** A compressed or full eight-part IPv6 text that `node:net` accepts. */
function v6Shaped(candidate: string): boolean {
  return (candidate.includes('::') || candidate.split(':').length === 8) && isIPv6(candidate);
}

/** Finds IPv4 and IPv6 addresses (checked by `node:net`). */
export function ipAddresses(text: string, out: Finding[]): void {
  let dot = text.indexOf('.');
  while (dot >= 0) {
    let s = dot;
    while (s > 0 && isV4Char(text.charCodeAt(s - 1))) s--;
    let e = dot + 1;
    while (e < text.length && isV4Char(text.charCodeAt(e))) e++;
    let t = e;
    while (t > s && text.charCodeAt(t - 1) === 46) t--;
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    const after = t < text.length ? text.charCodeAt(t) : 32;
    // Digits and dots that are not 7–15 characters with three dots are no IPv4 address (`12.4`, `1.4.2`): no slice, no pattern.
    if (!isWord(before) && !isWord(after) && before !== 45 && v4Shaped(text, s, t)) {
      const candidate = text.slice(s, t);
      if (isIPv4(candidate) && !anonymousV4(candidate)) {
        const prefix = text.slice(Math.max(0, s - 10), s).toLowerCase();
        if (!VERSION_BEFORE.test(prefix)) out.push({ kind: 'ipAddress', start: s, end: t });
      }
    }
    dot = text.indexOf('.', e + 1);
  }
  let colon = text.indexOf(':');
  while (colon >= 0) {
    let s = colon;
    while (s > 0 && isV6Char(text.charCodeAt(s - 1))) s--;
    let e = colon + 1;
    while (e < text.length && isV6Char(text.charCodeAt(e))) e++;
    const runEnd = e;
    while (e > colon + 1 && (text[e - 1] === '.' || text[e - 1] === ':') && text.slice(e - 2, e) !== '::') e--;
    let candidate = text.slice(s, e);
    const before = s > 0 ? text.charCodeAt(s - 1) : 32;
    const after = e < text.length ? text.charCodeAt(e) : 32;
    if (candidate.length > 2 && !isWord(before) && !isWord(after)) {
      let end = e;
      let shaped = v6Shaped(candidate);
      if (!shaped) {
        // `2a01:9a::d9:29138`: Apache's error log writes the client's port after the address without
        // brackets; a last part of decimal digits that makes the text no address is that port.
        const last = candidate.lastIndexOf(':');
        if (last > 0 && candidate.charCodeAt(last - 1) !== 58 && /^\d{1,5}$/.test(candidate.slice(last + 1))) {
          candidate = candidate.slice(0, last);
          end = s + last;
          shaped = v6Shaped(candidate);
        }
      }
      if (shaped && !anonymousV6(candidate)) out.push({ kind: 'ipAddress', start: s, end });
    }
    colon = text.indexOf(':', runEnd + 1);
  }
}
