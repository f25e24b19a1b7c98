// Runs a function that must throw a FieldguardError, and returns it for assertions.
import { FieldguardError } from '../../src/index.js';

export function thrown(fn: () => unknown): FieldguardError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FieldguardError) return e;
    throw e;
  }
  throw new Error('expected a FieldguardError');
}
