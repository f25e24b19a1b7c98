// Every TypeScript example in README type-checks against the built package, with the names it assumes declared.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = `${root}/test/package/.readme-blocks`;
const blocks = [...readFileSync(`${root}/README.md`, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** Names README examples use without defining them, and what they stand for. */
const AMBIENT: Record<string, string> = {
  z: "import { z } from 'zod';",
  tag: "import { tag } from 'fieldguard';",
  defineSchema: "import { defineSchema } from 'fieldguard';",
  express: "import express from 'express';",
  app: "declare const app: import('express').Express;",
  schema: "declare const schema: import('fieldguard').FieldSchema;",
  spec: "declare const spec: { components: { schemas: { Order: object } } };",
  vault: "declare const vault: import('fieldguard/vault').Vault;",
  order: 'declare const order: Record<string, unknown>;',
  VENDOR: 'declare const VENDOR: string;',
  proxyToCrm: "declare const proxyToCrm: import('express').RequestHandler;",
  fetchFromCrm: "declare const fetchFromCrm: import('express').RequestHandler;",
  proxyToParcelCo: "declare const proxyToParcelCo: import('express').RequestHandler;",
  keys: "declare const keys: import('fieldguard/vault').KeyRing;",
  alerts: "declare const alerts: import('fieldguard').Alert[];",
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  it('type-check against the package exports', () => {
    mkdirSync(dir, { recursive: true });
    const files: string[] = [];
    blocks.forEach((block, i) => {
      const defined = new Set<string>();
      for (const m of block.matchAll(/import\s+(?:(\w+)|\{([^}]*)\})(?:\s*,\s*\{([^}]*)\})?\s+from/g)) {
        if (m[1]) defined.add(m[1]);
        for (const list of [m[2], m[3]]) for (const n of (list ?? '').split(',')) if (n.trim()) defined.add(n.trim().split(/\s+as\s+/).pop()!);
      }
      for (const m of block.matchAll(/(?:const|let)\s+(?:\{([^}]*)\}|(\w+))/g)) {
        if (m[2]) defined.add(m[2]);
        for (const n of (m[1] ?? '').split(',')) if (n.trim()) defined.add(n.trim());
      }
      const prelude = Object.entries(AMBIENT)
        .filter(([name]) => !defined.has(name) && new RegExp(`\\b${name}\\b`).test(block))
        .map(([, decl]) => decl);
      const file = `block-${i}.mts`;
      writeFileSync(`${dir}/${file}`, `${prelude.join('\n')}\n${block}\nexport {};\n`);
      files.push(file);
    });
    writeFileSync(
      `${dir}/tsconfig.json`,
      JSON.stringify({ compilerOptions: { module: 'Node16', moduleResolution: 'Node16', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files }),
    );
    const tsc = `${root}/node_modules/typescript/bin/tsc`;
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', `${dir}/tsconfig.json`], { cwd: root, encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out).toBe('');
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
});
