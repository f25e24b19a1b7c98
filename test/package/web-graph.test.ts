// What the built fieldguard/web loads: no Node module of its own on the request path, and exactly which ones the shared core still imports, and why.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Every file of dist/ reachable from an entry through relative imports, with the bare specifiers each imports. */
function graph(entry: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const bare: string[] = [];
    files.set(basename(file), bare);
    const specifiers = [...text.matchAll(/\b(?:from|import|require)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);
    for (const s of specifiers) {
      if (s.startsWith('.')) visit(resolve(dirname(file), s));
      else bare.push(s.replace(/^node:/, ''));
    }
  };
  visit(resolve(dist, entry));
  return files;
}

/**
 * The Node modules the core shared with every adapter imports when it is loaded, and why. None is
 * called by the Web adapter's own request path (reading the body, rebuilding the Request, reading and
 * rebuilding the Response); a runtime without them needs its Node compatibility layer for these.
 */
const CORE_BUILTINS: Readonly<Record<string, string>> = {
  module: 'src/peer.ts: createRequire loads zod and the optional peers, once, when the module loads',
  crypto: 'src/vault/keys.ts, crypto.ts: the key ring behind the hash and encrypt actions (HMAC, AES-GCM, HKDF), synchronous in the walk',
  stream: 'src/middleware/stream-node.ts: the Transform that rewrites streamed records (SSE, NDJSON) over a Node response or request, which runs only over Node streams (never in the Web adapter)',
  net: 'src/detect/detect.ts: isIPv4 / isIPv6 of the ipAddress detector',
  zlib: "src/middleware/response.ts: the Node response interceptor's decompression, which runs only over a Node response (never in the Web adapter)",
};

describe('the built fieldguard/web', () => {
  for (const entry of ['web.js', 'web.cjs']) {
    it(`${entry}: imports no Node module but those the shared core documents, and none of the Node body readers`, () => {
      const files = graph(entry);
      const builtins = new Set([...files.values()].flat().filter((s) => BUILTINS.has(s)));
      expect([...builtins].sort()).toEqual(Object.keys(CORE_BUILTINS).sort());
      const packages = new Set([...files.values()].flat().filter((s) => !BUILTINS.has(s)));
      // raw-body, on-finished and type-is (which reaches `path`) are the Node adapters' readers: never on this graph.
      for (const reader of ['raw-body', 'on-finished', 'type-is']) expect(packages.has(reader)).toBe(false);
      // The entry itself — the Web Exchange, the wire reader, the wrappers — imports nothing of Node.
      expect(files.get(entry)!.filter((s) => BUILTINS.has(s))).toEqual([]);
    });
  }
});
