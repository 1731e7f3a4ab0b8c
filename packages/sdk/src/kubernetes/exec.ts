/**
 * Runs a command in a pod through the Kubernetes exec API (for images without Corral's runner).
 *
 * client-node's `Exec.exec` resolves when the WebSocket opens, not when the command ends, so the
 * completion here is built from the status channel (exit code) and the socket's close (a close
 * without a status is an abnormal end, e.g. the pod was deleted). stdout and stderr sinks are
 * always passed: a frame on a channel given as `null` throws inside client-node's message
 * handler and kills the process.
 */
import { Readable, Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { AbortedError, ConnectionError, CorralError, TimeoutError } from '../errors.js';

export interface ExecOptions {
  /** Bytes or text written to the command's stdin, which is then closed. */
  stdin?: string | Uint8Array;
  /** Container to run in; default the pod's first container. */
  container?: string;
  /** Kill budget for the whole call; on expiry the stream is closed and `TimeoutError` thrown. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The part of client-node's `Exec` used here (injectable for tests). */
export interface Executor {
  exec(
    namespace: string,
    podName: string,
    containerName: string,
    command: string[],
    stdout: Writable,
    stderr: Writable,
    stdin: Readable | null,
    tty: boolean,
    statusCallback: (status: V1Status) => void,
  ): Promise<{ close(): void; on(event: 'close', listener: () => void): unknown }>;
}

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    },
  });
}

/** Exit code from an exec `Status`: 0 on Success, the `ExitCode` cause on NonZeroExitCode. */
export function exitCodeOf(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

/** client-node rejects with ws's `ErrorEvent` (not an `Error`): read its message. */
function errorText(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const r = e as { message?: unknown; error?: { message?: unknown } };
    if (typeof r.message === 'string' && r.message !== '') return r.message;
    if (typeof r.error?.message === 'string') return r.error.message;
  }
  return String(e);
}

export async function execInPod(
  kubeConfig: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  argv: readonly string[],
  options: ExecOptions = {},
  executor: Executor = new Exec(kubeConfig),
): Promise<ExecResult> {
  const { signal } = options;
  const where = `pod ${target.namespace}/${target.pod}`;
  if (signal?.aborted === true) throw new AbortedError(`exec in ${where} aborted.`);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdin =
    options.stdin === undefined
      ? null
      : Readable.from([
          typeof options.stdin === 'string'
            ? Buffer.from(options.stdin)
            : Buffer.from(options.stdin),
        ]);
  let status: V1Status | undefined;

  return new Promise<ExecResult>((resolve, reject) => {
    let ws: { close(): void } | undefined;
    let protocol: string | undefined;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, result?: ExecResult): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      ws?.close();
      if (error !== undefined) reject(error);
      else resolve(result!);
    };
    const onAbort = (): void =>
      finish(new AbortedError(`exec in ${where} aborted.`, { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(
        () =>
          finish(new TimeoutError(`exec in ${where} did not finish in ${options.timeoutMs} ms.`)),
        options.timeoutMs,
      );
    }
    const complete = (): void => {
      if (status === undefined) {
        // The command may have run: never invite a retry. On v4 (Kubernetes < 1.30) client-node
        // closes the socket when stdin ends, before the status arrives.
        const v4Stdin = stdin !== null && protocol?.startsWith('v4.') === true;
        finish(
          new ConnectionError(
            v4Stdin
              ? `exec in ${where} lost its exit status: the API server speaks only ${protocol} ` +
                  '(Kubernetes < 1.30), where closing stdin closes the connection. Upgrade the ' +
                  "cluster, or pass the input another way (write a file, then ['sh', '-c', 'cmd < file'])."
              : `exec in ${where} ended without an exit status (the pod may have been deleted or the connection dropped).`,
            { retryable: false },
          ),
        );
        return;
      }
      const exitCode = exitCodeOf(status);
      if (exitCode === undefined) {
        finish(
          new CorralError(
            `exec in ${where} failed: ${status.reason ?? 'Failure'}: ${status.message ?? 'no message'}`,
            { code: 'EXEC_FAILED' },
          ),
        );
        return;
      }
      finish(undefined, {
        exitCode,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    };
    executor
      .exec(
        target.namespace,
        target.pod,
        target.container,
        [...argv],
        collector(out),
        collector(err),
        stdin,
        false,
        (s) => {
          status = s;
          // stdout and stderr frames arrive (and are collected) before the status frame.
          complete();
        },
      )
      .then(
        (socket) => {
          ws = socket;
          protocol = (socket as { protocol?: unknown }).protocol as string | undefined;
          if (done) socket.close();
          else socket.on('close', complete);
        },
        (e: unknown) => {
          const message = errorText(e);
          // ws reports a refused upgrade as "Unexpected server response: <status>"; the Status
          // body (why) is lost. A 4xx is a refusal (no pod, container not running, nothing to
          // exec into), anything else a transport failure.
          const status = Number(/Unexpected server response: (\d{3})/.exec(message)?.[1]);
          finish(
            status >= 400 && status < 500
              ? new CorralError(`exec in ${where} was refused (HTTP ${status}): ${message}`, {
                  code: 'EXEC_FAILED',
                  httpStatus: status,
                  cause: e,
                })
              : new ConnectionError(`exec in ${where} could not start: ${message}`, { cause: e }),
          );
        },
      );
  });
}
