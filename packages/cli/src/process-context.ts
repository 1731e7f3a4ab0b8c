import type { IsolationLevel, SandboxInfo, SandboxProvider } from '@corral/sdk';
import type { CliContext, DetachedCreateOptions, Terminal } from './context.js';

/**
 * The real context: process streams and environment, and providers configured for a short-lived
 * CLI process (no warm pool: nothing would use the pre-started sandboxes before the process exits).
 */
export function processContext(signal: AbortSignal): CliContext {
  const env = process.env;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdinIsTTY: process.stdin.isTTY === true,
    ...(process.stdin.isTTY && process.stdout.isTTY ? { terminal: processTerminal() } : {}),
    env,
    signal,
    openProvider: (name, options = {}) => openProvider(name, options, env),
    createDetached: async (provider, options) => {
      // a server owns its sandboxes: nothing on this machine has to keep them alive
      if (provider === 'server') return createOnServer(options, env, signal);
      const { spawnKeeper } = await import('./detached.js');
      return spawnKeeper(provider, options, signal);
    },
  };
}

async function openProvider(
  name: string,
  variant: { isolation?: IsolationLevel },
  env: NodeJS.ProcessEnv,
): Promise<SandboxProvider> {
  // the SDK loads with the first command that needs a provider, not with `corral --help`
  const { compact, createLocalProvider, resolveProvider } = await import('@corral/sdk');
  if (name === 'local') {
    return createLocalProvider({
      minReady: 0,
      ...compact({ isolation: variant.isolation }),
      ...(env.CORRAL_STATE_DIR ? { stateDir: env.CORRAL_STATE_DIR } : {}),
    });
  }
  if (name === 'server') return (await import('./server-flag.js')).openServerProvider(env);
  // Every other name goes through the SDK's registry, which knows what is available.
  return resolveProvider(name, variant);
}

async function createOnServer(
  options: DetachedCreateOptions,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<SandboxInfo> {
  const [{ Sandbox }, { openServerProvider }] = await Promise.all([
    import('@corral/sdk'),
    import('./server-flag.js'),
  ]);
  const provider = await openServerProvider(env);
  try {
    const sandbox = await Sandbox.create({ ...options, provider, signal });
    return sandbox.cachedInfo;
  } finally {
    await provider.close();
  }
}

function processTerminal(): Terminal {
  const stdin = process.stdin;
  const stdout = process.stdout;
  let restoreOnExit: (() => void) | undefined;
  return {
    size: () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 }),
    setRawMode(raw) {
      stdin.setRawMode(raw);
      // a crash, an uncaught error or process.exit() must not leave the user's terminal raw
      if (raw && restoreOnExit === undefined) {
        restoreOnExit = () => {
          if (stdin.isRaw) stdin.setRawMode(false);
        };
        process.once('exit', restoreOnExit);
      } else if (!raw && restoreOnExit !== undefined) {
        process.off('exit', restoreOnExit);
        restoreOnExit = undefined;
      }
    },
    // ending the async iterator over a TTY stdin leaves its read pending; only destroy() frees it
    closeInput: () => void stdin.destroy(),
    onResize(listener) {
      stdout.on('resize', listener);
      return () => void stdout.off('resize', listener);
    },
  };
}
