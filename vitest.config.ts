// Test runner settings: unit, property, integration and package tests in one run.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Type tests (expectTypeOf) in test/types are checked by tsc and reported as tests.
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
  },
});
