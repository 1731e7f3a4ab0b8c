/**
 * Red-team W3 through the real CLI: what a sandbox sends back (a 1 GiB sparse file, 300 MB of
 * output) costs the `corral` process a bounded amount of memory. Peak RSS comes from GNU time
 * (`%M`); these are resource assertions, not timing ones.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, corralBin, expectNothingLeft, makeStateDir } from './helpers/corral.js';

const TIME = '/usr/bin/time';
const MB = 1000 * 1000;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the CLI under GNU time; stdout is counted, not kept. */
function measured(
  args: string[],
  stateDir: string,
): Promise<{ code: number | null; stdoutBytes: number; tail: string; peakRssBytes: number }> {
  const child = spawn(TIME, ['-f', 'PEAK_RSS_KB=%M', process.execPath, corralBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CORRAL_STATE_DIR: stateDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdoutBytes = 0;
  let tail = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    tail = (tail + chunk.toString('latin1')).slice(-400);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const kb = /PEAK_RSS_KB=(\d+)/.exec(stderr);
      if (!kb) return reject(new Error(`no peak RSS from GNU time; stderr: ${stderr}`));
      resolve({ code, stdoutBytes, tail, peakRssBytes: Number(kb[1]) * 1024 });
    });
  });
}

describe.runIf(existsSync(TIME))('W3: the CLI streams with bounded memory', () => {
  let stateDir: string;
  let id: string;
  beforeAll(async () => {
    stateDir = await makeStateDir();
    const created = await corral(['sandbox', 'create'], { stateDir });
    expect(created.code).toBe(0);
    id = created.stdout.trim();
    const made = await corral(['sandbox', 'exec', id, '--', 'truncate', '-s', '1G', 'sparse.bin'], {
      stateDir,
    });
    expect(made.code).toBe(0);
  });
  afterAll(async () => {
    if (id) await corral(['sandbox', 'rm', id], { stateDir });
    expect(await expectNothingLeft(stateDir)).toEqual([]);
  });

  it('sandbox cp of a 1 GiB sparse file to stdout: every byte arrives, RSS stays bounded', async () => {
    const run = await measured(['sandbox', 'cp', `${id}:sparse.bin`, '-'], stateDir);
    expect(run.code).toBe(0);
    expect(run.stdoutBytes).toBe(1024 ** 3);
    // before the fix: 2.2 GB
    expect(run.peakRssBytes).toBeLessThan(300 * MB);
  }, 180_000);

  it('corral run --json with 300 MB of output: bounded RSS, the truncation stated', async () => {
    const run = await measured(
      ['run', '--json', '--', 'sh', '-c', "head -c 300000000 /dev/zero | tr '\\0' A"],
      stateDir,
    );
    expect(run.code).toBe(0);
    expect(run.tail).toMatch(/"truncated"|truncated/);
    // before the fix: 1.6 GB
    expect(run.peakRssBytes).toBeLessThan(400 * MB);
  }, 180_000);
});
