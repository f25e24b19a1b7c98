// Loads an optional peer dependency on first use, with an error that says what to install.
import { createRequire } from 'node:module';
import { FieldguardError } from '../errors.js';

const load = createRequire(import.meta.url);

/** Requires `name`, or throws `ERR_MISSING_DEPENDENCY` naming the package and the version to install. */
export function optionalPeer<T>(name: string, range: string, feature: string): T {
  try {
    return load(name) as T;
  } catch {
    throw new FieldguardError('ERR_MISSING_DEPENDENCY', `${feature} needs the optional peer dependency ${name}: npm install ${name}@${range}`);
  }
}
