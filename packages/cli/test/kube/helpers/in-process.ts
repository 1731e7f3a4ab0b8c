import { runCli } from '../../../src/cli.js';
import type { CliContext } from '../../../src/context.js';
import type { CorralRun } from '../../helpers/corral.js';

/**
 * Runs `corral` in this process (same parsing, commands and error handler as the real binary,
 * without the few seconds a process start costs). Providers are not available here.
 */
export async function corralInProcess(
  args: string[],
  env: Record<string, string>,
  stdin = '',
): Promise<CorralRun> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: { write: (chunk) => ((stdout += String(chunk)), true) },
    stderr: { write: (chunk) => ((stderr += String(chunk)), true) },
    stdin: textStream(stdin),
    env: { NO_COLOR: '1', ...env },
    signal: new AbortController().signal,
    openProvider: () => Promise.reject(new Error('in-process runs open no provider')),
    createDetached: () => Promise.reject(new Error('in-process runs create no sandbox')),
  };
  const code = await runCli(args, ctx);
  return { code, signal: null, stdout, stderr };
}

async function* textStream(text: string): AsyncGenerator<string> {
  await Promise.resolve();
  if (text !== '') yield text;
}
