/**
 * `GET|POST …/pods/{name}/exec` as a WebSocket (channel protocol v5 or v4): the command runs
 * inside the pod through its runner. Channels: 0 stdin, 1 stdout, 2 stderr, 3 the final
 * `metav1.Status`, 4 resize (ignored), 255 close (v5: `[255, 0]` is stdin EOF). Data is sent
 * only on the channels the client asked for. Errors found before the upgrade (unknown pod,
 * container not running, bad parameters) are Status responses, as the apiserver sends them.
 * Simulated pods have nothing to exec into: 400 saying so.
 */
import type { WebSocket } from 'ws';
import { badRequest } from '../store/status-error.js';
import type { ExecOutcome, PodProcess } from '../kubelet/pod-process.js';
import type { ApiServer } from './api-server.js';
import {
  acceptUpgrade,
  CLOSE_CHANNEL,
  frame,
  negotiate,
  urlBool,
  V4,
  V5,
} from './channel-protocol.js';
import { requireRunning, resolvePodTarget, type PodProcessLookup } from './pod-target.js';
import { takeUpgrade } from './upgrade.js';

export interface PodExecOptions {
  lookup?: PodProcessLookup;
  /** Offer `v5.channel.k8s.io` (Kubernetes ≥ 1.30). false simulates an older cluster. Default true. */
  v5?: boolean;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;

/** The channel-3 Status for how the command ended. */
export function execStatus(command: readonly string[], outcome: ExecOutcome): object {
  if (outcome.kind === 'exited' && outcome.exitCode === 0)
    return { metadata: {}, status: 'Success' };
  if (outcome.kind === 'exited') {
    return {
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${outcome.exitCode}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
    };
  }
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: error executing command in container: ${outcome.message}`,
    reason: 'InternalError',
    details: { causes: [{ message: outcome.message }] },
    code: 500,
  };
}

function runSession(
  ws: WebSocket,
  process: PodProcess,
  params: {
    command: string[];
    stdin: boolean;
    stdout: boolean;
    stderr: boolean;
    tty: boolean;
    protocol: string;
  },
): void {
  const send = (channel: number, data?: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, data));
  };
  // the kubelet's "connection established" signal: an empty frame on the lowest output channel
  send(params.stdout ? STDOUT : params.stderr ? STDERR : ERROR);
  const session = process.exec({
    command: params.command,
    stdin: params.stdin,
    onStdout: (data) => {
      if (params.stdout) send(STDOUT, data);
    },
    onStderr: (data) => {
      // a TTY has no separate stderr: it shares the terminal with stdout
      if (params.tty ? params.stdout : params.stderr) send(params.tty ? STDOUT : STDERR, data);
    },
  });
  let ended = false;
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const data = Buffer.isBuffer(raw)
      ? raw
      : Array.isArray(raw)
        ? Buffer.concat(raw)
        : Buffer.from(raw);
    if (data.length === 0) return;
    // text frames carry the same channel byte (v1 clients); treat them alike
    void isBinary;
    const channel = data[0];
    if (channel === STDIN && params.stdin) session.writeStdin(data.subarray(1));
    else if (channel === CLOSE_CHANNEL && params.protocol === V5 && data[1] === STDIN)
      session.closeStdin();
  });
  ws.on('close', () => {
    if (ended) return;
    // the client went away: stdin ends and the command is killed with its connection
    session.closeStdin();
    session.kill();
  });
  ws.on('error', () => undefined);
  void session.done.then((outcome) => {
    if (ws.readyState !== ws.OPEN) return;
    ended = true;
    send(ERROR, JSON.stringify(execStatus(params.command, outcome)));
    ws.close(1000);
  });
}

export function registerPodExec(api: ApiServer, options: PodExecOptions = {}): void {
  const protocols = options.v5 === false ? [V4] : [V5, V4];
  api.registerSubresource('pods', 'exec', async (ctx) => {
    const { req, url, record } = ctx;
    if (req.method !== 'GET' && req.method !== 'POST')
      throw badRequest('only GET and POST are supported on pods/exec');
    const target = resolvePodTarget(ctx, options.lookup);
    const command = url.searchParams.getAll('command');
    const params = {
      command,
      stdin: urlBool(url, 'stdin'),
      stdout: urlBool(url, 'stdout'),
      stderr: urlBool(url, 'stderr'),
      tty: urlBool(url, 'tty'),
    };
    if (command.length === 0)
      throw badRequest('you must specify at least one command for the container');
    if (!params.stdin && !params.stdout && !params.stderr)
      throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
    if (params.tty && params.stderr) params.stderr = false;
    const process = requireRunning(target, 'exec');
    const upgrade = takeUpgrade(req);
    if (upgrade === undefined) throw badRequest('Upgrade request required');
    const protocol = negotiate(req, protocols);
    record.status = 101;
    const ws = await acceptUpgrade(req, upgrade, protocol);
    runSession(ws, process, { ...params, protocol });
  });
}
