// The one loader of peer dependencies: a missing package answers ERR_MISSING_DEPENDENCY with the command that installs it.
import { createRequire } from 'node:module';
import { FieldguardError } from './errors.js';

const load = createRequire(import.meta.url);

/**
 * Requires a peer dependency (`zod/v4`, `better-sqlite3`, …) by its specifier, or throws
 * `ERR_MISSING_DEPENDENCY` naming the package and the range to install. A package that is
 * present but fails while loading is reported the same way, without its own message.
 */
export function peer<T>(specifier: string, range: string, feature: string): T {
  try {
    return load(specifier) as T;
  } catch (e) {
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
    const missing = (e as { code?: unknown }).code === 'MODULE_NOT_FOUND';
    throw new FieldguardError(
      'ERR_MISSING_DEPENDENCY',
      missing
        ? `${feature} needs the peer dependency ${name}: npm install ${name}@"${range}"`
        : `${feature} needs the peer dependency ${name}, which is installed but could not be loaded: npm install ${name}@"${range}"`,
    );
  }
}
