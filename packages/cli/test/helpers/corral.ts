import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
/** The built CLI, as users run it (the global setup rebuilds it when `src/` is newer). */
export const corralBin = fileURLToPath(new URL('../../bin/corral.js', import.meta.url));

export interface CorralRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CorralOptions {
  stateDir: string;
  env?: Record<string, string>;
  stdin?: string;
  /** How `stdin` is turned into bytes (latin1 for binary data). Default utf8. */
  stdinEncoding?: BufferEncoding;
  /** Called with the live process, e.g. to wait for output and send a signal. */
  onSpawn?: (child: ChildProcess, output: { stdout: () => string }) => void;
}

/**
 * Runs `corral` as a real process: the built CLI, so each run costs what a user's does (a node
 * start, no TypeScript transform). Each suite passes its own state directory.
 */
export function corral(args: string[], options: CorralOptions): Promise<CorralRun> {
  const child = spawn(process.execPath, [corralBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CORRAL_STATE_DIR: options.stateDir, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(Buffer.from(options.stdin ?? '', options.stdinEncoding ?? 'utf8'));
  options.onSpawn?.(child, { stdout: () => stdout });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves once the child's stdout contains `text`. Event-driven: no polling. */
export function waitForOutput(
  child: ChildProcess,
  seen: () => string,
  text: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (seen().includes(text)) {
        child.stdout?.off('data', check);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('close', () =>
      reject(new Error(`process ended before printing ${JSON.stringify(text)}`)),
    );
    check();
  });
}

export async function makeStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'corral-cli-'));
}

/** The suite's closing check: nothing the CLI made is still there, then the directory goes. */
export async function expectNothingLeft(stateDir: string): Promise<string[]> {
  const listed = await corral(['sandbox', 'list', '--json'], { stateDir });
  const ids = (JSON.parse(listed.stdout) as Array<{ id: string }>).map((info) => info.id);
  await rm(stateDir, { recursive: true, force: true });
  return ids;
}
