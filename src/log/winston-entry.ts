// fieldguard/winston: a winston format from a FieldSchema.
export { redactFormat } from './winston.js';
export { redactingLogger, type LoggerLike } from './wrap.js';
