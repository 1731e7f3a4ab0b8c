/* eslint-disable @typescript-eslint/no-explicit-any -- tests read untyped JSON answers */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { client, readSse, tempDir } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const children: ChildProcess[] = [];

/** Starts `corral serve` and reads its URL and token from what it prints. */
async function serve(stateDir: string) {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@corral/source',
      '--import',
      'tsx',
      MAIN,
      'serve',
      '--port',
      '0',
      '--state-dir',
      stateDir,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout });
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    rl.on('line', (line) => {
      lines.push(line);
      const token = /^Token(?: \(new\))?: (\S+)/.exec(line)?.[1];
      const url = lines.map((l) => /^Corral server on (\S+)/.exec(l)?.[1]).find(Boolean);
      if (token && url) resolve({ url, token });
    });
    child.once('exit', (code) =>
      reject(new Error(`corral serve exited with ${code}: ${lines.join('\n')}`)),
    );
  });
  /** Resolves with the first line (seen or still to come) that matches `re`. */
  const line = (re: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return resolve(seen);
      const onLine = (l: string) => {
        if (!re.test(l)) return;
        rl.off('line', onLine);
        resolve(l);
      };
      rl.on('line', onLine);
    });
  return { child, lines, line, ...(await ready) };
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('corral serve', () => {
  it('keeps every acknowledged write across kill -9, cleans the sandboxes it owned, and stops gracefully', async () => {
    const state = await tempDir('corral-serve-restart-');
    const stateDir = join(state.dir, 'state');
    try {
      const first = await serve(stateDir);
      expect(first.lines.join('\n')).toContain('Token (new):');
      expect((await stat(join(stateDir, 'server-token'))).mode & 0o777).toBe(0o600);
      const api = client(first.url, first.token);
      const settings = (await (await api('/api/v1/settings')).json()) as any;
      const saved = { ...settings, network: { default: 'full' } };
      expect((await api('/api/v1/settings', { method: 'PUT', json: saved })).status).toBe(200);
      const tasks: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await api('/api/v1/tasks', { method: 'POST', json: { prompt: `echo ${i}` } });
        expect(res.status).toBe(201);
        tasks.push(((await res.json()) as any).id);
      }
      const sbx = (await (
        await api('/api/v1/sandboxes', { method: 'POST', json: {} })
      ).json()) as any;
      expect(sbx.state).toBe('running');

      // the real doctor checks (local) through the spawned server
      const checks = await readSse(
        await api('/api/v1/test-connection', { method: 'POST', json: { provider: 'local' } }),
        (e) => e.event === 'done',
      );
      expect(
        checks.find((e) => e.event === 'check' && (e.data as any).status === 'running'),
      ).toBeDefined();
      expect(checks.at(-1)).toMatchObject({ event: 'done', data: { ok: true } });

      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));

      const second = await serve(stateDir);
      expect(second.token).toBe(first.token);
      // printed after the Token line, possibly in a later chunk of the pipe
      expect(await second.line(/^Recovered:/)).toMatch(
        /Recovered: 0 sandbox\(es\) adopted, 1 cleaned up/,
      );
      const again = client(second.url, second.token);
      expect(await (await again('/api/v1/settings')).json()).toEqual(saved);
      const items = ((await (await again('/api/v1/tasks')).json()) as any).items as {
        id: string;
      }[];
      expect(items.map((t) => t.id)).toEqual(tasks);
      expect(((await (await again('/api/v1/sandboxes')).json()) as any).items).toEqual([]);

      second.child.kill('SIGTERM');
      const code = await new Promise((r) => second.child.once('exit', r));
      expect(code).toBe(0);
      expect(await readdir(stateDir)).not.toContain('server.lock');
      const left = await readdir(join(stateDir, 'sandboxes')).catch(() => []);
      expect(left.filter((n) => !n.startsWith('.'))).toEqual([]);
    } finally {
      await state.remove();
    }
  }, 90_000); // budget: two cold starts of `corral serve` through tsx (~6 s each under load), a sandbox, the doctor checks
});
