// A payload logged as its JSON text: the schema applies inside it, the text around it is scanned, anything else is only scanned.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileMask, defineSchema, redactor, tag } from '../../src/index.js';

const patient = defineSchema(z.object({ id: tag(z.string(), 'public'), diagnosis: tag(z.string(), 'special', { kind: 'health' }) }));
const r = redactor(patient, { censor: 'redact' });

describe('JSON inside a logged string', () => {
  it('redacts a message template holding the payload, and scans the text around it', () => {
    expect(r.text('sending {"id":"p-1","diagnosis":"tuberculosis"} to jane@example.com')).toBe('sending {"id":"p-1","diagnosis":"[REDACTED]"} to [REDACTED]');
  });

  it('redacts a string field holding the payload as JSON, arrays included', () => {
    const line = r({ config: { data: '[{"id":"p-1","diagnosis":"tuberculosis"}]' } });
    expect(JSON.parse(line)).toEqual({ config: { data: '[{"id":"p-1","diagnosis":"[REDACTED]"}]' } });
    expect(line).not.toContain('tuberculosis');
  });

  it('leaves text with braces that are not JSON to the detectors alone', () => {
    expect(r.text('retry {attempt} of [3] for jane@example.com')).toBe('retry {attempt} of [3] for [REDACTED]');
    expect(r.text('{not json')).toBe('{not json');
  });
});

describe('JSON inside an untagged string of an answer (maskFields, untagged: scan)', () => {
  it('masks the schema\'s tagged fields inside it, wherever they sit, and writes it back as JSON', () => {
    const mask = compileMask({ schema: patient, formats: { kinds: { health: () => '[HEALTH]' } } });
    const out = mask({ id: 'e-1', event: JSON.stringify({ id: 'p-1', diagnosis: 'tuberculosis', note: 'call jane@example.com' }) }).value;
    expect(out).toEqual({ id: 'e-1', event: '{"id":"p-1","diagnosis":"[HEALTH]","note":"call j***@example.com"}' });
  });
});
