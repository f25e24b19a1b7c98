// Bounded memory: a 1 GB stream through a 64 MB heap, in a child process, each record checked on arrival.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

function run(direction: 'response' | 'request', bytes: number): Promise<{ records: number; bytes: number; seen: number; wrong: number; peakHeap: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--max-old-space-size=64', '--import', 'tsx', CHILD],
      { env: { ...process.env, STREAM_BYTES: String(bytes), STREAM_DIRECTION: direction }, maxBuffer: 1 << 20, timeout: 280_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`child failed: ${error.message}\n${stderr.slice(-2000)}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
      },
    );
  });
}

describe('streamed bodies in bounded memory', () => {
  it('masks a 1 GB server-sent event answer under a 64 MB heap, every event masked', { timeout: 300_000 }, async () => {
    const r = await run('response', 1024 ** 3);
    expect(r.bytes).toBeGreaterThanOrEqual(1024 ** 3);
    expect(r.seen).toBe(r.records);
    expect(r.wrong).toBe(0);
    expect(r.peakHeap).toBeLessThan(64 * 1024 ** 2);
  });

  it('scrubs a 256 MB NDJSON upload under a 64 MB heap, every line scrubbed before the vendor reads it', { timeout: 300_000 }, async () => {
    const r = await run('request', 256 * 1024 ** 2);
    expect(r.seen).toBe(r.records);
    expect(r.wrong).toBe(0);
    expect(r.peakHeap).toBeLessThan(64 * 1024 ** 2);
  });
});
