// The detectors' gates skip passes (folding, the provider-key search, IPv4 reading) when one pass says they find nothing: values beside which a skipped pass would leak, through real pino.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { pinoOptions } from '../../src/log/pino-entry.js';
import { orderSchema } from '../fixtures/order.js';

function pinoLines(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ base: null, timestamp: false, ...pinoOptions(orderSchema) }, stream), text: () => chunks.join('') };
}

// Each beside text the gates read: accented letters and CJK (which fold nothing), decimals and versions (which are no IPv4), short runs of key characters.
const CASES: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['full-width card beside accented names', 'Zoë Müller 李雷 paid with ４１１１ １１１１ １１１１ １１１１', ['４１１１ １１１１ １１１１', '1111 1111 1111']],
  ['card grouped by no-break spaces beside é', 'café order: 4111\u00a01111\u00a01111\u00a01111', ['4111\u00a01111\u00a01111', '4111 1111 1111']],
  ['Arabic-Indic SSN', 'رقم ١٢٣-٤٥-٦٧٨٩', ['١٢٣-٤٥-٦٧٨٩', '123-45-6789']],
  ['address beside decimals and versions', 'took 12.4 ms v1.4.2 from 203.0.113.77 (1.2.3)', ['203.0.113.77']],
  ['provider key after short runs', 'ok=1 a-b c_d key sk_live_4eC39HqLyjWDarjtT1zdp7dc', ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', '4eC39HqLyjWDarjtT1zdp7dc']],
];

describe('log lines beside text whose passes the gates skip', () => {
  for (const [name, text, secrets] of CASES) {
    it(`masks the ${name}, in the message and in a field`, () => {
      const { logger, text: written } = pinoLines();
      logger.info({ comment: text }, text);
      const out = written();
      for (const s of secrets) expect(out, s).not.toContain(s);
      expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    });
  }
});
