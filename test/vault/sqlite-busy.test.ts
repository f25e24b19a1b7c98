// Another process holds the SQLite file's lock: vault calls wait without blocking the event loop and give up at the vault's timeoutMs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createVault, keyRing, sqliteStore, type Vault } from '../../src/vault/index.js';

const keys = keyRing({ keys: { k1: Buffer.alloc(32, 4).toString('base64') } });
const holderScript = fileURLToPath(new URL('./fixtures/lock-holder.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fieldguard-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the lock holder and resolves once it holds the lock. */
async function holdLock(file: string, mode: 'write' | 'read'): Promise<{ child: ChildProcessWithoutNullStreams; release: () => Promise<void> }> {
  const child = spawn(process.execPath, [holderScript, file, mode], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const saw = (word: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (out.includes(word)) resolve();
      };
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        check();
      });
      child.once('exit', (code) => (out.includes(word) ? resolve() : reject(new Error(`lock holder exited with ${code}`))));
      check();
    });
  await saw('locked');
  return {
    child,
    release: async () => {
      child.stdin.write('release\n');
      await saw('released');
    },
  };
}

/** Runs `call` while a 10 ms interval counts ticks: the event loop's liveness during the wait. */
async function ticking<T>(call: () => Promise<T>): Promise<{ outcome: T | unknown; ticks: number; elapsed: number }> {
  let ticks = 0;
  const interval = setInterval(() => void ticks++, 10);
  const start = Date.now();
  const outcome = await call().catch((e: unknown) => e);
  const elapsed = Date.now() - start;
  clearInterval(interval);
  return { outcome, ticks, elapsed };
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('sqliteStore while another process holds the lock', () => {
  const setup = (name: string): { file: string; vault: Vault; close: () => Promise<void> } => {
    const file = join(dir, name);
    // SQLite's own wait would be 3 s here, blocking the loop; the vault's deadline is 300 ms.
    const store = sqliteStore(file, { busyTimeoutMs: 3000 });
    const vault = createVault({ store, keys, audit: () => undefined, timeoutMs: 300 });
    return { file, vault, close: () => vault.close() };
  };

  it('tokenize rejects with ERR_VAULT_UNAVAILABLE at timeoutMs while the event loop keeps ticking, and writes nothing later', async () => {
    const { file, vault, close } = setup('write.db');
    const holder = await holdLock(file, 'write');
    children.push(holder.child);
    const { outcome, ticks, elapsed } = await ticking(() => vault.tokenize(['waiting@example.com'], { kind: 'email' }));
    expect(outcome).toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE', message: 'the token vault is unavailable; nothing was forwarded' });
    expect(String((outcome as Error).message)).not.toContain('waiting');
    // About 30 ticks fit in 300 ms; a blocked loop gets none until SQLite's 3 s wait ends.
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    await holder.release();
    // The abandoned call stopped retrying: once the lock is free, nothing it held appears.
    await new Promise((r) => setTimeout(r, 150));
    const reader = sqliteStore(file);
    expect((await reader.scan(null, 10)).records).toEqual([]);
    await reader.close?.();
    const [token] = await vault.tokenize(['waiting@example.com'], { kind: 'email' });
    expect(await vault.detokenize([token!], { actor: 't', purpose: 'test', kind: 'email' })).toEqual(['waiting@example.com']);
    await close();
  });

  it('forget, purgeExpired and rotate reject the same way, while detokenize keeps reading (WAL readers never wait for a writer)', async () => {
    const { file, vault, close } = setup('others.db');
    const [token] = await vault.tokenize(['held@example.com']);
    const holder = await holdLock(file, 'write');
    children.push(holder.child);
    const rotating = createVault({ store: sqliteStore(file, { busyTimeoutMs: 3000 }), keys: keyRing({ keys: { k2: Buffer.alloc(32, 6).toString('base64'), k1: Buffer.alloc(32, 4).toString('base64') } }), audit: () => undefined, timeoutMs: 300 });
    const calls: Array<() => Promise<unknown>> = [() => vault.forget('held@example.com'), () => vault.purgeExpired(), () => rotating.rotate()];
    for (const call of calls) {
      const { outcome, ticks } = await ticking(call);
      expect(outcome).toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
      expect(ticks).toBeGreaterThanOrEqual(10);
    }
    expect(await vault.detokenize([token!], { actor: 't', purpose: 'test' })).toEqual(['held@example.com']);
    await holder.release();
    expect(await rotating.rotate()).toEqual({ rotated: 1, scanned: 1 });
    expect(await rotating.forget('held@example.com')).toBe(1);
    await rotating.close();
    await close();
  });

  it('without a vault deadline, a store call waits busyTimeoutMs asynchronously, then answers ERR_VAULT_UNAVAILABLE', async () => {
    const file = join(dir, 'own-deadline.db');
    const store = sqliteStore(file, { busyTimeoutMs: 200 });
    const holder = await holdLock(file, 'write');
    children.push(holder.child);
    const { outcome, ticks } = await ticking(() => store.purgeExpired(Date.now()));
    expect(outcome).toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE', message: 'sqliteStore(): the SQLite file stayed locked by another connection' });
    expect(ticks).toBeGreaterThanOrEqual(5);
    await holder.release();
    expect(await store.purgeExpired(Date.now())).toBe(0);
    await store.close?.();
  });

  it('forget rejects while a reader keeps the WAL from being truncated, and finishes the erasure when called again', async () => {
    const { file, vault, close } = setup('reader.db');
    const [token] = await vault.tokenize(['read-while-erased@example.com']);
    const holder = await holdLock(file, 'read');
    children.push(holder.child);
    const { outcome, ticks } = await ticking(() => vault.forget('read-while-erased@example.com'));
    // The record is deleted, but the WAL still holds its old page: the caller is told erasure is not done.
    expect(outcome).toMatchObject({ code: 'ERR_VAULT_UNAVAILABLE' });
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(await vault.detokenize([token!], { actor: 't', purpose: 'test' })).toEqual([null]);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    await holder.release();
    expect(await vault.forget('read-while-erased@example.com')).toBe(0);
    expect(statSync(`${file}-wal`).size).toBe(0);
    await close();
  });
});
