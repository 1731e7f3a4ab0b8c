/**
 * Command line and environment for the runner binary. Precedence: flag, then env, then default.
 * The token is read only from the environment or a file, never from argv (visible in `ps`).
 */
import { closeSync, readFileSync, unlinkSync } from 'node:fs';

/**
 * Reads a token file; `/dev/fd/N` is read from the inherited fd itself (then closed), because a
 * socket or pipe from the launcher cannot be reopened through /proc (ENXIO).
 */
function readTokenFile(path: string): string {
  const fd = /^\/dev\/fd\/(\d+)$/.exec(path)?.[1];
  if (fd === undefined) return readFileSync(path, 'utf8');
  try {
    return readFileSync(Number(fd), 'utf8');
  } finally {
    closeSync(Number(fd));
  }
}
import { RUNNER_DEFAULT_PORT } from './constants.js';

export interface RunnerConfig {
  mode: 'oneshot' | 'serve';
  host: string;
  port: number;
  socket?: string;
  root: string;
  token?: string;
  maxBodyBytes: number;
  maxUploadBytes: number;
  outputBufferBytes: number;
  taskCommand?: string;
  legacyExecTimeoutMs: number;
  execHelper: 'auto' | 'off';
}

export class ConfigError extends Error {}

export const USAGE = `usage: node runner.mjs [--mode oneshot|serve] [--port 8888] [--host 0.0.0.0]
                        [--socket <path>] [--root <dir>] [--max-body-bytes N]
                        [--max-upload-bytes N] [--output-buffer-bytes N] [--token-file <path>]
                        [--token-file-once <path>]
env: CORRAL_RUNNER_MODE, CORRAL_RUNNER_PORT, CORRAL_RUNNER_HOST, CORRAL_RUNNER_SOCKET,
     CORRAL_RUNNER_ROOT, CORRAL_RUNNER_TOKEN, CORRAL_RUNNER_MAX_BODY_BYTES,
     CORRAL_RUNNER_TASK_COMMAND, CORRAL_RUNNER_EXEC_HELPER (auto|off),
     SANDBOX_EXEC_TIMEOUT_SECONDS`;

const FLAGS = [
  'mode',
  'port',
  'host',
  'socket',
  'root',
  'max-body-bytes',
  'max-upload-bytes',
  'output-buffer-bytes',
  'token-file',
  'token-file-once',
] as const;
type Flag = (typeof FLAGS)[number];

function int(value: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${what} must be an integer between ${min} and ${max}, got "${value}"`);
  }
  return Number(value);
}

export function parseConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  readFile: (path: string) => string = readTokenFile,
  removeFile: (path: string) => void = unlinkSync,
): RunnerConfig {
  const flags = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"\n${USAGE}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === 'token') {
      throw new ConfigError(
        '--token is not accepted (argv is visible to every process); set CORRAL_RUNNER_TOKEN or use --token-file',
      );
    }
    if (!(FLAGS as readonly string[]).includes(name)) {
      throw new ConfigError(`unknown flag "--${name}"\n${USAGE}`);
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) throw new ConfigError(`flag "--${name}" needs a value`);
    flags.set(name as Flag, value);
  }
  const pick = (flag: Flag, envName: string): string | undefined => {
    const v = flags.get(flag) ?? env[envName];
    return v === '' ? undefined : v;
  };

  const mode = pick('mode', 'CORRAL_RUNNER_MODE') ?? 'oneshot';
  if (mode !== 'oneshot' && mode !== 'serve') {
    throw new ConfigError(`--mode must be "oneshot" or "serve", got "${mode}"`);
  }
  const portRaw = pick('port', 'CORRAL_RUNNER_PORT');
  const socket = pick('socket', 'CORRAL_RUNNER_SOCKET');
  let token = env.CORRAL_RUNNER_TOKEN === '' ? undefined : env.CORRAL_RUNNER_TOKEN;
  const tokenFile = flags.get('token-file');
  if (tokenFile !== undefined) {
    try {
      token = readFile(tokenFile).trim();
    } catch (error) {
      throw new ConfigError(`cannot read --token-file "${tokenFile}": ${(error as Error).message}`);
    }
    if (token === '') throw new ConfigError(`--token-file "${tokenFile}" is empty`);
  }
  // read, then removed before the runner listens, so no code it later runs can read the file
  // (gVisor, where no fd can carry the token in; docs/security.md)
  const onceFile = flags.get('token-file-once');
  if (onceFile !== undefined) {
    try {
      token = readFile(onceFile).trim();
      removeFile(onceFile);
    } catch (error) {
      throw new ConfigError(
        `cannot read and remove --token-file-once "${onceFile}": ${(error as Error).message}`,
      );
    }
    if (token === '') throw new ConfigError(`--token-file-once "${onceFile}" is empty`);
  }
  const execTimeout = env.SANDBOX_EXEC_TIMEOUT_SECONDS;
  // Like upstream: any finite number of seconds above 0 ("2.5" too), else the 300 s default.
  const execNumber = execTimeout?.trim() ? Number(execTimeout) : NaN;
  const execSeconds = Number.isFinite(execNumber) && execNumber > 0 ? execNumber : 300;
  const maxBody = pick('max-body-bytes', 'CORRAL_RUNNER_MAX_BODY_BYTES');
  const maxUpload = pick('max-upload-bytes', 'CORRAL_RUNNER_MAX_UPLOAD_BYTES');
  const outBuf = pick('output-buffer-bytes', 'CORRAL_RUNNER_OUTPUT_BUFFER_BYTES');
  const taskCommand = env.CORRAL_RUNNER_TASK_COMMAND;
  const execHelper = env.CORRAL_RUNNER_EXEC_HELPER || 'auto';
  if (execHelper !== 'auto' && execHelper !== 'off') {
    throw new ConfigError(`CORRAL_RUNNER_EXEC_HELPER must be "auto" or "off", got "${execHelper}"`);
  }
  return {
    mode,
    host: pick('host', 'CORRAL_RUNNER_HOST') ?? '0.0.0.0',
    port: portRaw === undefined ? RUNNER_DEFAULT_PORT : int(portRaw, '--port', 0, 65535),
    ...(socket !== undefined ? { socket } : {}),
    root: pick('root', 'CORRAL_RUNNER_ROOT') ?? cwd,
    ...(token !== undefined ? { token } : {}),
    maxBodyBytes: maxBody === undefined ? 1024 * 1024 : int(maxBody, '--max-body-bytes', 1),
    maxUploadBytes:
      maxUpload === undefined ? 256 * 1024 * 1024 : int(maxUpload, '--max-upload-bytes', 1),
    outputBufferBytes:
      outBuf === undefined ? 16 * 1024 * 1024 : int(outBuf, '--output-buffer-bytes', 1024),
    ...(taskCommand ? { taskCommand } : {}),
    legacyExecTimeoutMs: Math.max(1, Math.round(execSeconds * 1000)),
    execHelper,
  };
}
