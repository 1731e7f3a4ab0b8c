import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CorralError } from '@corral/sdk';
import type { SandboxInfo } from '@corral/sdk';
import type { DetachedCreateOptions } from './context.js';
import type { KeeperReply, KeeperRequest } from './commands/sandbox/keeper.js';

/**
 * Starts `corral __keeper` as a detached process (own session: a Ctrl-C in this terminal does not
 * reach it) with the same node flags and entry script as this process, hands it the request, and
 * returns as soon as it reports the sandbox. Aborting stops the keeper, which removes the sandbox.
 */
export async function spawnKeeper(
  provider: string,
  options: DetachedCreateOptions,
  signal: AbortSignal,
): Promise<SandboxInfo> {
  const entry = process.argv[1];
  if (entry === undefined)
    throw new CorralError('cannot find the corral entry script to start a keeper process');
  const child = spawn(process.execPath, [...process.execArgv, entry, '__keeper'], {
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const request: KeeperRequest = { provider, options };
  child.stdin.end(JSON.stringify(request));
  const onAbort = (): void => void child.kill('SIGTERM');
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const line = await firstLine(child);
    const reply = JSON.parse(line) as KeeperReply;
    if (!reply.ok) {
      throw new CorralError(reply.error.message, {
        code: reply.error.code,
        retryable: reply.error.retryable,
      });
    }
    const { expiresAt, ...info } = reply.info;
    return {
      ...info,
      createdAt: new Date(reply.info.createdAt),
      ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt) }),
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
    child.stdout.destroy();
    child.unref();
  }
}

function firstLine(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null, sig: NodeJS.Signals | null): void =>
      reject(
        new CorralError(
          `the sandbox keeper process exited (${sig ?? `exit ${code}`}) before the sandbox was ready`,
          {
            code: 'SANDBOX_START_FAILED',
          },
        ),
      );
    child.once('exit', onExit);
    child.once('error', reject);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      lines.close();
      resolve(line);
    });
  });
}
