/**
 * Two Corral processes on one host (each with its own state dir) may be asked for the same
 * sandbox id (ids derive from task ids): the second is told plainly, and the first's cgroup is
 * untouched; a cgroup left empty by a process that died is taken over.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, detectIsolation, type LocalProvider } from '../../src/local/index.js';
import { tempStateDir } from './helpers.js';

const report = await detectIsolation();
const writable = report.cgroups.writable && Object.keys(report.cgroups.parents).length > 0;

describe.skipIf(!writable)(
  `one sandbox id in two Corral processes${writable ? '' : ' (skipped: no writable cgroups here)'}`,
  () => {
    const dirs: string[] = [];
    let first: LocalProvider;
    let second: LocalProvider;
    const id = `dup-${process.pid}`;

    beforeAll(async () => {
      dirs.push(await tempStateDir(), await tempStateDir());
      first = createLocalProvider({ stateDir: dirs[0]! });
      second = createLocalProvider({ stateDir: dirs[1]! });
    });
    afterAll(async () => {
      await first?.close();
      await second?.close();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    it('refuses the second with CONFLICT naming the cause, and leaves the first running', async () => {
      const a = await first.create({ id });
      try {
        await expect(second.create({ id })).rejects.toMatchObject({
          code: 'CONFLICT',
          message: expect.stringContaining(
            `a sandbox with id ${id} is running in another Corral process on this host`,
          ),
        });
        expect((await first.list()).map((s) => s.id)).toEqual([a.info.id]);
        expect(await second.list()).toEqual([]);
        for (const parent of new Set(Object.values(report.cgroups.parents)))
          expect(existsSync(join(parent, id))).toBe(true);
      } finally {
        await first.delete(a.info.id);
      }
    }, 60_000);

    it('takes over an empty cgroup left by a process that died', async () => {
      const leftover = `left-${process.pid}`;
      for (const parent of new Set(Object.values(report.cgroups.parents)))
        await mkdir(join(parent, leftover), { recursive: true });
      const b = await second.create({ id: leftover });
      expect(b.info.id).toBe(leftover);
      await second.delete(b.info.id);
      for (const parent of new Set(Object.values(report.cgroups.parents)))
        expect(existsSync(join(parent, leftover))).toBe(false);
    }, 60_000);
  },
);
