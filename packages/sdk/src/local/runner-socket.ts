/** The host's side of a local runner's start: wait for it to listen, then pin its socket. */
import { lstat, link, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AbortedError, CorralError, SandboxStartError, TimeoutError } from '../errors.js';
import type { LaunchedSandbox } from './launch.js';
import { HOST_DIR, hostSocketPath, RUNNER_SOCKET } from './state.js';

/**
 * Gives the host its own name for the runner's socket, in `<dir>/host/`, which is not bound
 * into the sandbox. The runner's `run/` is writable by the sandboxed code, which could rename
 * the socket and listen in its place (forged results) or plant a symlink to a host socket
 * (confused deputy). A hard link names the inode, which stays bound to the runner's listening
 * socket whatever happens to `run/`. Made right after the runner reported `listening`, before
 * any untrusted code ran; `link` does not follow symlinks, and the result is checked.
 */
export async function linkRunnerSocket(dir: string, uid: number | undefined): Promise<void> {
  const hostDir = join(dir, HOST_DIR);
  await mkdir(hostDir, { mode: 0o700 });
  const target = hostSocketPath(dir);
  await link(join(dir, 'run', RUNNER_SOCKET), target);
  const info = await lstat(target);
  const owner = uid ?? process.getuid?.();
  if (!info.isSocket() || (owner !== undefined && info.uid !== owner && info.uid !== 0)) {
    throw new CorralError(
      `the runner's socket is not what the runner made (${info.isSocket() ? `owned by uid ${info.uid}` : 'not a socket'}); refusing to talk to it`,
      { code: 'SANDBOX_START_FAILED' },
    );
  }
}

/**
 * Waits for the runner's `"msg":"listening"` line. Rejects when the sandbox exits first, the
 * budget runs out, or the signal fires. Keeps draining both pipes afterwards (a full pipe
 * would block the runner) and returns the stderr seen so far.
 */
export function waitForListening(
  launched: LaunchedSandbox,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string> {
  const { child } = launched;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4096);
  });
  return new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const finish = (error?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      child.off('exit', onExit);
      lines.close();
      child.stdout?.resume();
      if (error) reject(error);
      else resolve(stderr);
    };
    const onExit = (code: number | null, sig: NodeJS.Signals | null) =>
      finish(
        new SandboxStartError(
          `The sandbox exited before its runner was ready (${sig ?? `exit ${code}`}; ${launched.detail}): ${stderr.trim() || 'no output'}. Run \`corral doctor\` to check the isolation setup.`,
        ),
      );
    const onAbort = () => finish(new AbortedError(undefined, { cause: signal?.reason }));
    const timer = setTimeout(
      () =>
        finish(
          new TimeoutError(
            `the sandbox's runner was not ready within ${Math.round(timeoutMs)} ms: ${stderr.trim()}`,
          ),
        ),
      Math.max(0, timeoutMs),
    );
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('exit', onExit);
    lines.on('line', (line) => {
      if (line.includes('"msg":"listening"')) finish();
    });
  });
}
