/**
 * The runner binary (bundled into dist/runner.mjs). One-shot mode serves until its task ends,
 * then exits with the task's outcome; serve mode keeps serving until SIGTERM/SIGINT.
 */
import { stat } from 'node:fs/promises';
import { ConfigError, parseConfig } from './config.js';
import { stdoutLogger } from './log.js';
import { createRunnerServer } from './server.js';

const logger = stdoutLogger();

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env, process.cwd());
    if (!(await stat(config.root).catch(() => undefined))?.isDirectory()) {
      throw new ConfigError(`--root "${config.root}" is not an existing directory`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`corral-runner: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const runner = await createRunnerServer({
    mode: config.mode,
    root: config.root,
    ...(config.token !== undefined ? { token: config.token } : {}),
    maxBodyBytes: config.maxBodyBytes,
    maxUploadBytes: config.maxUploadBytes,
    outputBufferBytes: config.outputBufferBytes,
    ...(config.taskCommand !== undefined ? { taskCommand: config.taskCommand } : {}),
    legacyExecTimeoutMs: config.legacyExecTimeoutMs,
    execHelper: config.execHelper,
    logger,
  });

  let exiting = false;
  const exit = async (code: number, reason: string) => {
    if (exiting) return;
    exiting = true;
    logger.log('info', 'shutting down', { reason, exitCode: code });
    await runner.shutdown();
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      const interrupted = config.mode === 'oneshot' && runner.deps.tasks.running;
      void exit(interrupted ? 128 + (signal === 'SIGTERM' ? 15 : 2) : 0, signal);
    });
  }

  const address = await runner.listen(
    config.socket !== undefined
      ? { socket: config.socket }
      : { host: config.host, port: config.port },
  );
  logger.log('info', 'listening', {
    address,
    mode: config.mode,
    root: runner.deps.fsRoot.realRoot,
    auth: config.token !== undefined,
    pid: process.pid,
  });
  if (config.mode === 'oneshot') {
    logger.log('info', 'waiting for task assignment');
    const result = await runner.deps.tasks.done;
    await exit(result.runnerExitCode, 'task finished');
  }
}

main().catch((error: unknown) => {
  logger.log('error', 'runner failed', {
    error: error instanceof Error ? error.message : String(error),
  });
  process.exit(1);
});
