// pinoOptions' message hook: it writes what pino would for harmless messages, and withholds what it cannot prepare.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { WITHHELD } from '../../src/index.js';
import { pinoOptions } from '../../src/log/pino-entry.js';

function capture(options: pino.LoggerOptions) {
  const lines: string[] = [];
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      lines.push(...c.toString().split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  return { logger: pino({ base: null, timestamp: false, ...options }, stream), lines };
}

// What quick-format does with each specifier, with nothing to redact in it.
const CALLS: unknown[][] = [
  ['hello'],
  ['a %s b', 'x'],
  ['%s %s', 'only one'],
  ['%d %i %f', '42', 4.7, '1.5'],
  ['%d', 'abc'],
  ['%j %o %O', { a: 1 }, [1, 2], 'str'],
  ['100%'],
  ['100%%'],
  ['%% %s', 'x'],
  ['%x %s', 'a', 'b'],
  ['%c %s', 'css', 'x'],
  ['%s|%d|%o', null, null, null],
  ['%s|%o', undefined, undefined],
  ['%s and %s', 'a', 'b', 'extra'],
  ['%o', function named() {}],
  [{ a: 1 }, 'obj %s', 'x'],
  [{ a: 1 }],
  [{ a: 1 }, 42],
  [42],
  [true],
  [undefined, 'later %s', 'x'],
  [null],
  [],
];

describe('pinoOptions message hook', () => {
  it.each(CALLS.map((c) => [JSON.stringify(c) ?? 'undefined', c] as const))('writes what pino writes for %s', (_name, args) => {
    const plain = capture({});
    const ours = capture(pinoOptions(undefined, { detect: false }));
    (plain.logger.info as (...a: unknown[]) => void)(...args);
    (ours.logger.info as (...a: unknown[]) => void)(...args);
    expect(ours.lines).toEqual(plain.lines);
  });

  it("writes what pino writes with a child's msgPrefix", () => {
    const plain = capture({ msgPrefix: 'root ' });
    const ours = capture({ ...pinoOptions(undefined, { detect: false }), msgPrefix: 'root ' });
    for (const { logger } of [plain, ours]) {
      const child = logger.child({ a: 1 }, { msgPrefix: '[child] ' });
      child.info('x %s', 'y');
      child.child({}, { msgPrefix: '[grand] ' }).warn('z');
      logger.info('top');
      child.info({ k: 1 });
    }
    expect(ours.lines).toEqual(plain.lines);
  });

  it('withholds the message and its arguments when they cannot be read, and still writes one valid line', () => {
    const { logger, lines } = capture(pinoOptions(undefined));
    logger.info('value %s', {
      toString(): string {
        throw new Error('jane.doe@example.com');
      },
    });
    expect(lines).toEqual([JSON.stringify({ level: 30, code: WITHHELD.code, msg: WITHHELD.msg })]);
  });
});
