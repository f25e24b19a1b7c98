// The winston bridge's types stand alone: the published declarations need no logform.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { redactFormat, type WinstonFormat, type WinstonInfo } from '../../src/log/winston-entry.js';
import { orderSchema } from '../fixtures/order.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('redactFormat types', () => {
  it('declares the format and info shapes itself and imports nothing from logform', () => {
    const importsLogform = /from ['"]logform['"]|import\(['"]logform['"]\)|require\(['"]logform['"]\)/;
    expect(readFileSync(`${root}/src/log/winston.ts`, 'utf8')).not.toMatch(importsLogform);
    // The built declarations, when the package has been built (npm test builds before it runs vitest).
    for (const file of ['dist/winston.d.ts', 'dist/winston.d.cts']) {
      if (existsSync(`${root}/${file}`)) expect(readFileSync(`${root}/${file}`, 'utf8'), file).not.toMatch(importsLogform);
    }
  });

  it("is accepted where winston takes a format, and its transform takes winston's info", () => {
    const format: WinstonFormat = redactFormat(orderSchema);
    const logger = winston.createLogger({ format: winston.format.combine(format, winston.format.json()) });
    expect(typeof logger.info).toBe('function');
    const info: WinstonInfo = { level: 'info', message: 'card 4111 1111 1111 1111' };
    expect(format.transform(info)).toEqual({ level: 'info', message: 'card **** **** **** 1111' });
  });
});
