// Short values and timestamps: the scanners' pre-check returns most of them at once, so every short value that holds a finding is pinned here, through real pino.
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

// Each shorter than fourteen characters or shaped like a timestamp, each a finding the detectors mask.
const SHORT = {
  ssn: '123-45-6789',
  glued: 'ssn_123456789',
  ip: '10.20.30.40',
  email: 'jo@b.co',
  encoded: 'jo%40b.co',
  password: 'pwd=hunter2',
  phone: '+4930123456',
  card: '4111111111111111',
  stamped: '2026-11-29T10:15:30.000+4111111111111111',
};

describe('short values in log lines', () => {
  it('masks every short value that holds a finding, as a value, a key and a message', () => {
    const { logger, text } = pinoLines();
    // As keys: all but the password pair, whose key names a credential (pinned below).
    const keys = Object.fromEntries(Object.entries(SHORT).filter(([n]) => n !== 'password').map(([, v]) => [v, 1]));
    logger.info({ ...SHORT, keys }, SHORT.ssn);
    const out = text();
    for (const [name, v] of Object.entries(SHORT)) {
      const raw = name === 'stamped' ? '4111111111111111' : name === 'password' ? 'hunter2' : name === 'encoded' ? 'jo%40b' : v;
      expect(out.includes(raw), `${name} ${raw}`).toBe(false);
    }
    expect(out).not.toContain('hunter2');
    expect(JSON.parse(out)).toMatchObject({ ssn: '***-**-6789', msg: '***-**-6789' });
  });

  // A key that names a credential may carry the credential itself (a query string parsed into keys):
  // the walk censors its value and reads the key with the detectors.
  it('masks a credential written in a key that names one (`{ "pwd=hunter2": 1 }`)', () => {
    const { logger, text } = pinoLines();
    logger.info({ keys: { 'pwd=hunter2': 1, 'token=sk8Xq2LmN4vB7': 2 } }, 'query keys');
    expect(text()).not.toContain('hunter2');
    expect(text()).not.toContain('sk8Xq2LmN4vB7');
  });

  it('writes short ids, codes and timestamps as they are', () => {
    const { logger, text } = pinoLines();
    logger.info({ id: 'ord_100007', sku: 'SKU-49', at: '2026-11-29T10:15:30.000Z', day: '2026-11-29', region: 'eu-west-1' }, 'done');
    expect(JSON.parse(text())).toEqual({ level: 30, id: 'ord_100007', sku: 'SKU-49', at: '2026-11-29T10:15:30.000Z', day: '2026-11-29', region: 'eu-west-1', msg: 'done' });
  });
});

describe('an address field holding an IPv4 address with its port', () => {
  // Found in this round: the ipAddress mask took `203.0.113.7:443` for IPv6 (it has a colon) and kept its first three
  // ':'-groups, which were the whole address — written as `203.0.113.7:443::`.
  it('writes neither the address nor its port, through real pino and compileMask', async () => {
    const { compileMask } = await import('../../src/index.js');
    const { logger, text } = pinoLines();
    logger.info({ ip: '203.0.113.7:443' }, 'peer');
    const line = JSON.parse(text()) as { ip: string };
    const masked = compileMask({ schema: orderSchema })({ ip: '203.0.113.7:443' }).value as { ip: string };
    for (const out of [line.ip, masked.ip, text()]) {
      expect(out).not.toContain('203.0.113');
      expect(out).not.toContain('113.7');
    }
    expect(line.ip).toBe(masked.ip);
  });
});
