// fieldguard/pino: pino options from a FieldSchema.
export { pinoOptions, type PinoOptionsOptions, type FieldguardPinoOptions } from './pino.js';
export { redactingLogger, type LoggerLike } from './wrap.js';
