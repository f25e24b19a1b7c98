// fieldguard/pino: pino options from a FieldSchema.
export { pinoOptions, type PinoOptionsOptions, type FieldguardPinoOptions } from './pino.js';
export { redactingLogger, isRedactingLogger, type LoggerLike, type ChildLogger } from './wrap.js';
