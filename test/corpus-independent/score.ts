// Scores a text redactor against the independent corpus: per-kind recall, precision, partial leaks,
// entity-free lines altered, and throughput. Run after `npm run build`:
//   npx tsx test/corpus-independent/score.ts [corpus.jsonl]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CorpusRecord, Entity, Kind } from './generate.js';

/** The shape of fieldguard's `redactText` this scorer needs. */
export type RedactText = (text: string, options?: { censor?: 'mask' | 'redact' | ((text: string, kind: string) => string) }) => string;

export interface MaskedSpan {
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

export interface KindScore {
  entities: number;
  masked: number;
  partial: number;
  missed: number;
  /** Entities masked whole, but by a span the masker gave another kind. */
  otherKind: number;
  /** Masked spans the masker gave this kind, overlapping a labelled entity / overlapping none. */
  spansTrue: number;
  spansFalse: number;
}

export interface Finding {
  readonly id: number;
  readonly template: string;
  readonly kind: string;
  readonly form: string;
  /** 'missed' | 'partial' | 'false-positive' */
  readonly what: string;
  readonly text: string;
  readonly spanText: string;
}

export interface ScoreResult {
  readonly kinds: Record<string, KindScore>;
  readonly entityFreeLines: number;
  readonly entityFreeAltered: number;
  readonly findings: readonly Finding[];
  readonly bytes: number;
  readonly mbPerSecond: number;
  readonly load: readonly number[];
}

const OPEN = '\uE000';
const CLOSE = '\uE001';
const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Runs the redactor with a censor that leaves a marker carrying the replaced length, then reads the
 * masked spans back in input coordinates. It also checks that everything outside them is unchanged.
 */
export function maskedSpans(redact: RedactText, text: string): MaskedSpan[] {
  const found: { kind: string; len: number }[] = [];
  const out = redact(text, {
    censor: (t, kind) => {
      found.push({ kind, len: t.length });
      return `${OPEN}${found.length - 1}${CLOSE}`;
    },
  });
  const spans: MaskedSpan[] = [];
  let pos = 0;
  let i = 0;
  while (i < out.length) {
    if (out[i] === OPEN) {
      const close = out.indexOf(CLOSE, i);
      const f = found[Number(out.slice(i + 1, close))];
      if (f === undefined) throw new Error('marker without a finding');
      spans.push({ kind: f.kind, start: pos, end: pos + f.len });
      pos += f.len;
      i = close + 1;
    } else {
      if (out[i] !== text[pos]) throw new Error(`text outside findings changed at ${pos}`);
      pos++;
      i++;
    }
  }
  if (pos !== text.length) throw new Error('output does not cover the input');
  return spans;
}

function alnumPositions(text: string, e: Entity): number[] {
  const out: number[] = [];
  for (let i = e.start; i < e.end; i++) {
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (ALNUM.test(ch)) {
      out.push(i);
      if (ch.length === 2) out.push(i + 1);
    }
    if (ch.length === 2) i++;
  }
  return out;
}

function emptyScore(): KindScore {
  return { entities: 0, masked: 0, partial: 0, missed: 0, otherKind: 0, spansTrue: 0, spansFalse: 0 };
}

/** Reads a corpus file. */
export function readCorpus(path: string): CorpusRecord[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CorpusRecord);
}

/**
 * Scores `redact` on `records`.
 * - An entity is masked when every letter or digit in its span is inside a masked span (the
 *   separators of a card or phone may stay); partial when some but not all are; missed when none.
 * - A masked span overlapping no labelled entity of its line is a false positive of the kind the
 *   masker gave it; precision of a kind = spans overlapping an entity / all spans of that kind.
 * - Entity-free lines altered: lines without entities whose default-mask output differs from input.
 * - Throughput: the default `redactText` over every line, best of `rounds`, in MB (10^6 bytes) of UTF-8.
 */
export function score(records: readonly CorpusRecord[], redact: RedactText, rounds = 5): ScoreResult {
  const kinds: Record<string, KindScore> = {};
  const findings: Finding[] = [];
  let entityFreeLines = 0;
  let entityFreeAltered = 0;
  for (const rec of records) {
    const spans = maskedSpans(redact, rec.text);
    const covered = new Map<number, string>();
    for (const s of spans) for (let i = s.start; i < s.end; i++) covered.set(i, s.kind);
    for (const e of rec.entities) {
      const k = (kinds[e.kind] ??= emptyScore());
      k.entities++;
      const pos = alnumPositions(rec.text, e);
      const hit = pos.filter((p) => covered.has(p));
      if (hit.length === pos.length && pos.length > 0) {
        k.masked++;
        if (hit.some((p) => covered.get(p) !== e.kind)) k.otherKind++;
      } else if (hit.length > 0) {
        k.partial++;
        findings.push({ id: rec.id, template: rec.template, kind: e.kind, form: e.form, what: 'partial', text: rec.text, spanText: rec.text.slice(e.start, e.end) });
      } else {
        k.missed++;
        findings.push({ id: rec.id, template: rec.template, kind: e.kind, form: e.form, what: 'missed', text: rec.text, spanText: rec.text.slice(e.start, e.end) });
      }
    }
    for (const s of spans) {
      const k = (kinds[s.kind] ??= emptyScore());
      const overlaps = rec.entities.some((e) => e.start < s.end && s.start < e.end);
      if (overlaps) k.spansTrue++;
      else {
        k.spansFalse++;
        findings.push({ id: rec.id, template: rec.template, kind: s.kind, form: rec.negatives.join('+') || '-', what: 'false-positive', text: rec.text, spanText: rec.text.slice(s.start, s.end) });
      }
    }
    if (rec.entities.length === 0) {
      entityFreeLines++;
      if (redact(rec.text) !== rec.text) entityFreeAltered++;
    }
  }
  let bytes = 0;
  for (const rec of records) bytes += Buffer.byteLength(rec.text);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const rec of records) redact(rec.text);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, dt);
  }
  return { kinds, entityFreeLines, entityFreeAltered, findings, bytes, mbPerSecond: bytes / 1e6 / best, load: loadavg() };
}

export const ALL_KINDS: readonly Kind[] = ['email', 'phone', 'cardNumber', 'ssn', 'iban', 'ipAddress', 'jwt', 'awsAccessKey', 'apiKey', 'privateKey', 'urlCredentials'];

export function recallOf(k: KindScore): number {
  return k.entities === 0 ? 1 : k.masked / k.entities;
}

export function precisionOf(k: KindScore): number {
  const all = k.spansTrue + k.spansFalse;
  return all === 0 ? 1 : k.spansTrue / all;
}

/** The results as a Markdown table. */
export function table(res: ScoreResult): string {
  const rows = ['| kind | entities | recall | partial leaks | missed | masked as another kind | spans | false positives | precision |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|'];
  const names = [...ALL_KINDS, ...Object.keys(res.kinds).filter((k) => !(ALL_KINDS as readonly string[]).includes(k))];
  let e = 0, m = 0, t = 0, f = 0, p = 0;
  for (const name of names) {
    const k = res.kinds[name] ?? emptyScore();
    e += k.entities; m += k.masked; t += k.spansTrue; f += k.spansFalse; p += k.partial;
    rows.push(`| ${name} | ${k.entities} | ${recallOf(k).toFixed(3)} | ${k.partial} | ${k.missed} | ${k.otherKind} | ${k.spansTrue + k.spansFalse} | ${k.spansFalse} | ${precisionOf(k).toFixed(3)} |`);
  }
  rows.push(`| **all** | ${e} | ${(m / e).toFixed(3)} | ${p} | ${e - m - p} | | ${t + f} | ${f} | ${(t / (t + f)).toFixed(3)} |`);
  rows.push('');
  rows.push(`Entity-free lines altered: ${res.entityFreeAltered} / ${res.entityFreeLines} (${((100 * res.entityFreeAltered) / res.entityFreeLines).toFixed(1)}%).`);
  rows.push(`Throughput: ${res.mbPerSecond.toFixed(1)} MB/s over ${(res.bytes / 1e6).toFixed(3)} MB (best of 5 rounds, default mask), load average ${res.load.map((x) => x.toFixed(2)).join(' / ')}.`);
  return rows.join('\n');
}

if (process.argv[1] !== undefined && /score\.ts$/.test(process.argv[1])) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? `${here}corpus.jsonl`;
  const mod = (await import(`${here}../../dist/index.js`)) as { redactText: RedactText };
  const res = score(readCorpus(file), mod.redactText);
  console.log(table(res));
  if (process.argv.includes('--findings')) for (const f of res.findings) console.log(JSON.stringify({ ...f }));
}
