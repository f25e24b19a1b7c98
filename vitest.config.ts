// Test runner settings: unit, property, integration and package tests in one run.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The detectors' linear-time test measures growth and ms per MB in child processes: it runs on its own
    // after the rest (`npm run test:linear`), so other test files do not share the two cores with it.
    exclude: process.env['FIELDGUARD_TIMING'] === '1' ? [] : ['test/detect/linear.test.ts', '**/node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Type tests (expectTypeOf) in test/types are checked by tsc and reported as tests.
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
  },
});
