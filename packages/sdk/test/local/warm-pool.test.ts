/** The warm pool: `create` takes a pre-started sandbox and the pool refills in the background. */
import { readdir, rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalProvider } from '../../src/local/index.js';
import { WarmPool } from '../../src/local/warm-pool.js';
import { leftovers, runnerExec, tempStateDir } from './helpers.js';

describe('local warm pool', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await tempStateDir();
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('hands out pre-started sandboxes, refills, applies labels and ids, and close() destroys unclaimed ones', async () => {
    const provider = createLocalProvider({ stateDir, minReady: 1, limits: { maxProcesses: 128 } });
    try {
      await provider.whenPoolReady();
      expect(await provider.list()).toEqual([]); // unclaimed sandboxes are not listed
      const sb = await provider.create({
        id: 'from-pool',
        labels: { pooled: 'yes' },
        maxLifetimeMs: 60_000,
      });
      expect(sb.info).toMatchObject({
        id: 'from-pool',
        labels: { pooled: 'yes' },
        state: 'running',
      });
      expect(sb.info.isolation.limitsApplied.maxProcesses ?? 128).toBe(128);
      expect((await runnerExec(sb.endpoint, 'echo pooled-ok; pwd')).stdout).toBe(
        'pooled-ok\n/work\n',
      );
      expect((await provider.list()).map((s) => s.id)).toEqual(['from-pool']);
      await provider.whenPoolReady(); // refilled
      // other settings bypass the pool
      const custom = await provider.create({ id: 'custom', env: { X: '1' } });
      expect((await runnerExec(custom.endpoint, 'echo $X')).stdout).toBe('1\n');
      await provider.delete('custom');
      await provider.delete('from-pool');
      expect(await leftovers(sb.info, 'from-pool')).toEqual([]);
    } finally {
      await provider.close();
    }
    // close() destroyed the refilled, unclaimed sandbox
    expect((await readdir(stateDir)).filter((n) => !n.startsWith('.'))).toEqual([]);
  });

  it('WarmPool replaces dead items, stops after a failed start until the next take, and closes cleanly', async () => {
    let n = 0;
    let fail = false;
    const destroyed: number[] = [];
    const items: { id: number; alive: boolean }[] = [];
    const pool = new WarmPool<{ id: number; alive: boolean }>({
      size: 2,
      start: () => {
        if (fail) return Promise.reject(new Error('no luck'));
        const item = { id: ++n, alive: true };
        items.push(item);
        return Promise.resolve(item);
      },
      alive: (i) => i.alive,
      destroy: (i) => {
        destroyed.push(i.id);
        return Promise.resolve();
      },
    });
    await pool.whenReady();
    expect(pool.readyCount).toBe(2);
    items[0]!.alive = false;
    fail = true;
    expect(pool.take()?.id).toBe(2);
    expect(destroyed).toEqual([1]);
    await expect(pool.whenReady()).rejects.toThrow('no luck');
    fail = false;
    expect(pool.take()).toBeUndefined();
    await pool.whenReady();
    expect(pool.readyCount).toBe(2);
    await pool.close();
    expect(pool.readyCount).toBe(0);
    expect(destroyed.length).toBeGreaterThanOrEqual(3);
  });

  it('WarmPool with refillDelayMs starts the replacement later, or at once when someone waits for it', async () => {
    let started = 0;
    const destroyed: number[] = [];
    const pool = new WarmPool<number>({
      size: 1,
      start: () => Promise.resolve(++started),
      alive: () => true,
      destroy: (i) => {
        destroyed.push(i);
        return Promise.resolve();
      },
      // far longer than the test: only whenReady() can start the replacement here
      refillDelayMs: 600_000,
    });
    await pool.whenReady();
    expect(pool.take()).toBe(1);
    expect(started).toBe(1); // the handed-over item has the machine to itself
    expect(pool.take()).toBeUndefined(); // nothing ready: the caller starts its own...
    expect(started).toBe(2); // ...and the pool refills at once
    await pool.whenReady();
    expect(pool.readyCount).toBe(1);
    expect(pool.take()).toBe(2);
    expect(started).toBe(2);
    await pool.whenReady(); // cancels the pending timer and starts now
    expect(started).toBe(3);
    await pool.close();
    expect(destroyed).toEqual([3]);
  });
});
