// Scores a detector on a labelled corpus, per kind: recall, precision, partial leaks, and entity-free lines altered.
import { readFileSync } from 'node:fs';

/** Reads a corpus file (`dev.jsonl` or `held-out.jsonl`) next to this module. */
export function load(name) {
  return readFileSync(new URL(`./${name}.jsonl`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/**
 * `find(text)` returns findings `{ kind, start, end }`; `redact(text)` the redacted text.
 * A labelled value is found when findings cover all of it and one of them has its kind; it is a
 * partial leak when findings cover part of it only. A finding is true when it overlaps a labelled
 * value of its kind. An entity-free line is altered when `redact` changes it.
 */
export function score(lines, find, redact) {
  const byKind = {};
  const get = (k) => (byKind[k] ??= { values: 0, found: 0, partial: 0, findings: 0, trueFindings: 0 });
  const misses = [];
  let entityFree = 0;
  let altered = 0;
  for (const line of lines) {
    const findings = find(line.text);
    for (const p of line.pii) {
      const s = get(p.kind);
      s.values++;
      let covered = 0;
      let kindOk = false;
      // Coverage by the union of findings (they never overlap).
      for (const f of findings) {
        const lo = Math.max(f.start, p.start);
        const hi = Math.min(f.end, p.end);
        if (hi > lo) {
          covered += hi - lo;
          if (f.kind === p.kind) kindOk = true;
        }
      }
      if (covered === p.end - p.start && kindOk) s.found++;
      else {
        if (covered > 0 && covered < p.end - p.start) s.partial++;
        misses.push(`FN ${p.kind} ${JSON.stringify(p.value)} in ${JSON.stringify(line.text.slice(0, 140))}`);
      }
    }
    for (const f of findings) {
      const s = get(f.kind);
      s.findings++;
      if (line.pii.some((p) => p.kind === f.kind && f.start < p.end && p.start < f.end)) s.trueFindings++;
      else misses.push(`FP ${f.kind} ${JSON.stringify(line.text.slice(f.start, f.end))} in ${JSON.stringify(line.text.slice(0, 140))}`);
    }
    if (line.pii.length === 0) {
      entityFree++;
      if (redact(line.text) !== line.text) altered++;
    }
  }
  const kinds = {};
  for (const [k, s] of Object.entries(byKind)) {
    kinds[k] = {
      ...s,
      recall: s.values === 0 ? 1 : s.found / s.values,
      precision: s.findings === 0 ? 1 : s.trueFindings / s.findings,
    };
  }
  return { kinds, misses, entityFree, altered, alteredShare: entityFree === 0 ? 0 : altered / entityFree };
}

/** A markdown table of a score. */
export function table(result) {
  const rows = Object.entries(result.kinds)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, s]) => `| ${k} | ${s.values} | ${s.recall.toFixed(3)} | ${s.precision.toFixed(3)} | ${s.partial} |`);
  return [
    '| kind | values | recall | precision | partial leaks |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Entity-free lines altered: ${result.altered} of ${result.entityFree} (${(result.alteredShare * 100).toFixed(1)}%).`,
  ].join('\n');
}
