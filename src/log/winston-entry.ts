// fieldguard/winston: a winston format from a FieldSchema.
export { redactFormat, type WinstonFormat, type WinstonInfo } from './winston.js';
export { redactingLogger, isRedactingLogger, type LoggerLike, type ChildLogger } from './wrap.js';
