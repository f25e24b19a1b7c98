// `fieldguard report`: sensitive fields sent per destination and kind over time, and the trend, from a monitor's snapshot or a flows() export.
import { readFileSync } from 'node:fs';
import type { FlowSnapshot } from '../destinations/flows.js';
import type { MonitorSnapshot } from '../monitor/monitor.js';

/** The formats `fieldguard report` writes. */
export type ReportFormat = 'md' | 'json' | 'svg' | 'mermaid';

/** One destination and kind over the windows. Kinds and forms only, never a path or a value. */
export interface KpiSeries {
  readonly destination: string;
  /** `email`, `phone`, … as tagged. */
  readonly kind: string;
  /** The form it was sent in: clear, masked, token, hash, ciphertext, scanned. */
  readonly form: string;
  readonly total: number;
  /** Per window, oldest first (one entry for a flows export). */
  readonly counts: readonly number[];
  /** Change from the first half of the windows to the second, in percent; `null` with fewer than two windows or a first half of zero. */
  readonly trend: number | null;
}

/** The report's data. */
export interface KpiReport {
  readonly source: 'monitor' | 'flows';
  /** Window starts (ISO-8601), oldest first. */
  readonly windows: readonly string[];
  readonly series: readonly KpiSeries[];
}

function trendOf(counts: readonly number[]): number | null {
  if (counts.length < 2) return null;
  const half = Math.floor(counts.length / 2);
  const first = counts.slice(0, half).reduce((a, b) => a + b, 0) / half;
  const second = counts.slice(counts.length - half).reduce((a, b) => a + b, 0) / half;
  return first === 0 ? null : Math.round(((second - first) / first) * 1000) / 10;
}

const SENT = new Set(['clear', 'scanned', 'masked', 'token', 'hash', 'ciphertext']);

/** Builds the report from a monitor snapshot (`monitor.snapshot()`) or a flows export (`flows()`). */
export function kpiReport(input: unknown): KpiReport {
  if (input !== null && typeof input === 'object' && (input as MonitorSnapshot).version === 1 && typeof (input as MonitorSnapshot).windowMs === 'number') {
    const snap = input as MonitorSnapshot;
    const starts = [...new Set(Object.values(snap.destinations).flatMap((ws) => ws.map((w) => w.start)))].sort();
    const series: KpiSeries[] = [];
    for (const [destination, ws] of Object.entries(snap.destinations)) {
      const byStart = new Map(ws.map((w) => [w.start, w.counts]));
      const keys = new Set(ws.flatMap((w) => Object.keys(w.counts).filter((k) => k.startsWith('kind:'))));
      for (const key of [...keys].sort()) {
        const [, kind = '', form = ''] = key.split(':');
        const counts = starts.map((s) => byStart.get(s)?.[key] ?? 0);
        series.push({ destination, kind, form, total: counts.reduce((a, b) => a + b, 0), counts, trend: trendOf(counts) });
      }
    }
    return { source: 'monitor', windows: starts, series };
  }
  if (input !== null && typeof input === 'object') {
    const flows = input as FlowSnapshot;
    const series: KpiSeries[] = [];
    for (const [destination, d] of Object.entries(flows)) {
      if (d === null || typeof d !== 'object' || !Array.isArray(d.fields)) throw new TypeError('not a flows export');
      const sums = new Map<string, number>();
      for (const f of d.fields) {
        if (!SENT.has(f.form) || f.sensitivity === undefined || ['public', 'internal', 'untagged'].includes(f.sensitivity)) continue;
        const key = `${f.kind ?? f.sensitivity}:${f.form}`;
        sums.set(key, (sums.get(key) ?? 0) + f.count);
      }
      for (const [key, total] of [...sums].sort()) {
        const [kind = '', form = ''] = key.split(':');
        series.push({ destination, kind, form, total, counts: [total], trend: null });
      }
    }
    const last = Object.values(flows).map((d) => d.lastSeen).sort().at(-1);
    return { source: 'flows', windows: last === undefined ? [] : [last], series };
  }
  throw new TypeError('not a monitor snapshot or a flows export');
}

/** Reads a file with a monitor snapshot or a flows export. */
export function readKpiReport(file: string): KpiReport {
  return kpiReport(JSON.parse(readFileSync(file, 'utf8')) as unknown);
}

/** Sensitive fields per destination and window, summed over kinds: what the charts draw. */
function lines(r: KpiReport): Array<{ name: string; values: number[] }> {
  const by = new Map<string, number[]>();
  for (const s of r.series) {
    const v = by.get(s.destination) ?? new Array<number>(r.windows.length).fill(0);
    s.counts.forEach((n, i) => (v[i] = (v[i] ?? 0) + n));
    by.set(s.destination, v);
  }
  return [...by].map(([name, values]) => ({ name, values }));
}

const label = (iso: string): string => iso.slice(11, 16) || iso.slice(0, 10);
const pct = (t: number | null): string => (t === null ? '—' : `${t > 0 ? '+' : ''}${t}%`);
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The report as Markdown: one table of kinds per destination, and the Mermaid chart. */
export function markdownReport(r: KpiReport): string {
  const out = ['# Sensitive fields sent', '', `From a ${r.source === 'monitor' ? `monitor snapshot, ${r.windows.length} windows` : 'flows export (totals, no windows)'}. Counts of fields at or above \`personal\`, by the form they left in.`, ''];
  out.push('| destination | kind | form | total | last window | trend |', '| --- | --- | --- | ---: | ---: | ---: |');
  for (const s of r.series) out.push(`| ${s.destination} | ${s.kind} | ${s.form} | ${s.total} | ${s.counts.at(-1) ?? 0} | ${pct(s.trend)} |`);
  if (r.series.length === 0) out.push('| — | — | — | 0 | 0 | — |');
  out.push('', '```mermaid', mermaidReport(r), '```', '');
  return out.join('\n');
}

/** A Mermaid `xychart-beta` line chart: sensitive fields per window, one line per destination (in the order of the table). */
export function mermaidReport(r: KpiReport): string {
  const ls = lines(r);
  const max = Math.max(1, ...ls.flatMap((l) => l.values));
  const out = ['xychart-beta', '  title "Sensitive fields sent per window"', `  x-axis [${r.windows.map((w) => `"${label(w)}"`).join(', ')}]`, `  y-axis "fields" 0 --> ${max}`];
  for (const l of ls) out.push(`  line [${l.values.join(', ')}]`);
  return out.join('\n');
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

/** A standalone SVG line chart with axes and a legend. */
export function svgReport(r: KpiReport): string {
  const W = 720;
  const H = 320;
  const m = { l: 56, r: 160, t: 36, b: 40 };
  const ls = lines(r);
  const max = Math.max(1, ...ls.flatMap((l) => l.values));
  const n = Math.max(1, r.windows.length);
  const x = (i: number): number => m.l + (n === 1 ? (W - m.l - m.r) / 2 : (i * (W - m.l - m.r)) / (n - 1));
  const y = (v: number): number => H - m.b - (v / max) * (H - m.t - m.b);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="20" font-size="15" font-weight="bold">Sensitive fields sent per window</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#555"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#555"/>`,
  ];
  for (const v of [0, max / 2, max]) {
    parts.push(`<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`, `<line x1="${m.l}" y1="${y(v)}" x2="${W - m.r}" y2="${y(v)}" stroke="#eee"/>`);
  }
  const step = Math.max(1, Math.ceil(n / 8));
  r.windows.forEach((w, i) => {
    if (i % step === 0) parts.push(`<text x="${x(i)}" y="${H - m.b + 16}" text-anchor="middle">${esc(label(w))}</text>`);
  });
  ls.forEach((l, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const pts = l.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
    if (l.values.length === 1) parts.push(`<circle cx="${x(0)}" cy="${y(l.values[0]!)}" r="4" fill="${color}"/>`);
    parts.push(`<rect x="${W - m.r + 16}" y="${m.t + k * 20}" width="12" height="12" fill="${color}"/>`, `<text x="${W - m.r + 34}" y="${m.t + k * 20 + 11}">${esc(l.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The report in a format. */
export function renderReport(r: KpiReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  if (format === 'svg') return `${svgReport(r)}\n`;
  if (format === 'mermaid') return `${mermaidReport(r)}\n`;
  return markdownReport(r);
}
