/**
 * Red-team W14: under memory pressure the OOM killer must take the code, not the runner. Many
 * processes smaller than the runner (and tmpfs pages, charged to no process) used to make the
 * runner the biggest target; the sandbox then died with "cannot reach the runner".
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oomKills } from '../../src/local/cgroups.js';
import { createLocalProvider, type LocalProvider } from '../../src/local/index.js';
import type { ProvisionedSandbox } from '../../src/provider.js';
import { RunnerClient } from '../../src/runner-client/index.js';
import { isRoot, runnerExec, tempStateDir } from './helpers.js';

const MiB = 1024 * 1024;

// the pressure comes from python children (smaller than the runner each); a memory limit needs cgroups
describe.runIf(isRoot && existsSync('/usr/bin/python3'))(
  'W14: the runner is not the OOM victim',
  () => {
    let stateDir: string;
    let provider: LocalProvider;
    let sandbox: ProvisionedSandbox;

    beforeAll(async () => {
      stateDir = await tempStateDir();
      provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
      sandbox = await provider.create({ limits: { memoryBytes: 160 * MiB } });
    });
    afterAll(async () => {
      if (sandbox) await provider.delete(sandbox.info.id);
      await provider.close();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('commands start with oom_score_adj 1000; the runner keeps its own', async () => {
      const result = await runnerExec(
        sandbox.endpoint,
        'cat /proc/self/oom_score_adj; R=$(for p in /proc/[0-9]*; do [ "$(head -c 16 $p/cmdline 2>/dev/null)" = /opt/corral/node ] && echo $p; done | head -1); cat $R/oom_score_adj',
      );
      const [mine, runner] = result.stdout.trim().split('\n');
      expect(mine).toBe('1000');
      expect(Number(runner)).toBeLessThan(1000);
    });

    it('after an OOM inside, the runner still answers and reports the kills', async () => {
      // 12 children of ~30 MiB each: far past the limit, each smaller than the runner
      const hog = `python3 -c "import time; b = bytearray(24 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(4)"`;
      const client = new RunnerClient(sandbox.endpoint);
      try {
        const result = await client.commands.run([
          'sh',
          '-c',
          `p=""; for i in $(seq 12); do ${hog} & p="$p $!"; done; k=0; for j in $p; do wait $j || k=$((k+1)); done; echo "killed=$k"`,
        ]);
        expect(result.exitCode).toBe(0);
        expect(Number(/killed=(\d+)/.exec(result.stdout)?.[1])).toBeGreaterThan(0);
        // a command killed by the OOM killer is reported as such (SIGKILL), by a live runner
        const big = await client.commands.run(['python3', '-c', 'b = bytearray(400 << 20)']);
        expect(big.signal).toBe('SIGKILL');
        const after = await client.commands.run(['echo', 'still here']);
        expect(after.stdout).toBe('still here\n');
      } finally {
        client.close();
      }
      // the host sees the kills in the sandbox's memory cgroup (v1 here; v2 has one directory)
      const dirs = [
        `/sys/fs/cgroup/memory/corral/${sandbox.info.id}`,
        `/sys/fs/cgroup/corral/${sandbox.info.id}`,
      ].filter((d) => existsSync(d));
      expect(await oomKills(dirs)).toBeGreaterThan(0);
    }, 60_000);
  },
);
