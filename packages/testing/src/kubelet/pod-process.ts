/**
 * What the API server's pod subresources (log, exec, portforward) need from a pod that really
 * runs: its container's log, a way to run a command inside it, and its address.
 */
import type { ContainerLog } from './container-log.js';

export type PodProcessState = 'starting' | 'running' | 'exited';

/** The end of a command run inside a pod. */
export type ExecOutcome =
  | { kind: 'exited'; exitCode: number; signal: string | null }
  /** The command could not be started or the pod went away (the kubelet's InternalError). */
  | { kind: 'error'; message: string };

export interface ExecSession {
  writeStdin(data: Buffer): void;
  /** EOF on the command's stdin, after every queued write. */
  closeStdin(): void;
  /** Kills the command's process group (the caller went away). */
  kill(): void;
  /** Settles once; output callbacks are not called afterwards. */
  readonly done: Promise<ExecOutcome>;
}

export interface ExecRequest {
  command: string[];
  stdin: boolean;
  onStdout(data: Buffer): void;
  onStderr(data: Buffer): void;
}

export interface PodProcess {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The container that runs (the runner); other containers of the pod are simulated. */
  readonly container: string;
  readonly podIP: string;
  /** The ports that answer on `podIP`. */
  readonly ports: readonly number[];
  readonly state: PodProcessState;
  readonly log: ContainerLog;
  /** Host pid of the sandbox's outermost process (for leak checks). */
  readonly pid: number | undefined;
  /** Host uid the sandbox runs as, when the runtime drops privileges (root). */
  readonly hostUid: number | undefined;
  exec(request: ExecRequest): ExecSession;
}
