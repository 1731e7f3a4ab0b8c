import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalProvider, InvalidArgumentError, Sandbox } from '@corral/sdk';
import type { LocalProvider } from '@corral/sdk';

let stateDir: string;
let provider: LocalProvider;
let sandbox: Sandbox;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'corral-pty-'));
  provider = createLocalProvider({ stateDir, minReady: 0 });
  sandbox = await Sandbox.create({ provider, network: 'none' });
});

afterAll(async () => {
  await sandbox.kill();
  // Nothing made here may outlive the suite.
  expect(await provider.list()).toEqual([]);
  await provider.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** Collects a pty's output; `until(text)` resolves once it has been printed. */
function screen(): {
  onData: (data: Uint8Array) => void;
  until: (text: string) => Promise<string>;
} {
  let text = '';
  let wake: (() => void) | undefined;
  return {
    onData(data) {
      text += Buffer.from(data).toString('utf8');
      wake?.();
    },
    async until(needle) {
      while (!text.includes(needle)) await new Promise<void>((resolve) => (wake = resolve));
      return text;
    },
  };
}

describe('sandbox.pty', () => {
  it('runs a shell on a terminal: input, resize, exit code', async () => {
    const out = screen();
    const pty = await sandbox.pty.create({
      cols: 90,
      rows: 25,
      cmd: [
        'sh',
        '-c',
        'while read line; do [ "$line" = q ] && exit 6; echo "$(tty) $(stty size)"; done',
      ],
      onData: out.onData,
    });
    await pty.sendInput('\r');
    expect(await out.until(' 25 90')).toMatch(/\/dev\/pts\/\d+ 25 90/);
    await pty.resize({ cols: 120, rows: 33 });
    await pty.sendInput('\r');
    await out.until(' 33 120');
    await pty.sendInput('q\r');
    const result = await pty.wait();
    expect(result.exitCode).toBe(6);
    expect(result.stdout).toContain('33 120');
    expect(result.stderr).toBe('');
  });

  it('starts an interactive shell by default; kill ends it', async () => {
    const out = screen();
    const pty = await sandbox.pty.create({
      cols: 80,
      rows: 24,
      onData: out.onData,
      env: { PS1: '$ ' },
    });
    await pty.sendInput('echo K$((3+4))\r');
    await out.until('K7');
    expect(await pty.kill()).toBe(true);
    const result = await pty.wait();
    // script reports a command killed by signal n as 128+n
    expect(result.exitCode).toBe(128 + 9);
    expect(await pty.kill()).toBe(false);
  });

  it('works at the unshare level too (its /dev gets a private devpts)', async () => {
    const unshareDir = await mkdtemp(join(tmpdir(), 'corral-pty-unshare-'));
    const unshare = createLocalProvider({
      stateDir: unshareDir,
      minReady: 0,
      isolation: 'unshare',
    });
    const other = await Sandbox.create({ provider: unshare, network: 'none' });
    try {
      const out = screen();
      const pty = await other.pty.create({
        cols: 61,
        rows: 19,
        cmd: ['sh', '-c', 'echo "$(tty) $(stty size)"'],
        onData: out.onData,
      });
      expect((await pty.wait()).exitCode).toBe(0);
      expect(await out.until('19 61')).toMatch(/\/dev\/pts\/\d+ 19 61/);
    } finally {
      await other.kill();
      expect(await unshare.list()).toEqual([]);
      await unshare.close();
      await rm(unshareDir, { recursive: true, force: true });
    }
  });

  it('refuses a size that is not a terminal size, saying what to pass', async () => {
    await expect(sandbox.pty.create({ cols: 0, rows: 24 })).rejects.toThrow(InvalidArgumentError);
    await expect(sandbox.pty.create({ cols: 80, rows: 1.5 })).rejects.toThrow(
      /rows must be an integer from 1 to 10000/,
    );
  });
});
