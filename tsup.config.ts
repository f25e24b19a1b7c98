// Builds the package: ESM and CJS with types, one entry per subpath export, shared code in common chunks.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', express: 'src/express/index.ts', koa: 'src/koa/index.ts', vault: 'src/vault/index.ts', pino: 'src/log/pino-entry.ts', winston: 'src/log/winston-entry.ts', fetch: 'src/fetch/index.ts', fastify: 'src/fastify/index.ts', web: 'src/web/index.ts', monitor: 'src/monitor/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  // Shared chunks in both formats, so `fieldguard` and `fieldguard/express` share one copy of the core.
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // import.meta.url in the CJS build (optional peers are loaded with createRequire).
  shims: true,
  external: ['zod', 'zod/v4', 'zod/v4/core', 'express', 'koa', 'better-sqlite3', 'ioredis', 'pg', 'pino', 'winston', 'logform', 'undici', 'tsx', 'yaml', 'fastify', 'fastify-plugin', '@opentelemetry/api', '@opentelemetry/api-logs'],
});
