import type {
  IsolationLevel,
  SandboxCreateOptions,
  SandboxInfo,
  SandboxProvider,
} from '@corral/sdk';

/** The JSON-safe part of a create request (it crosses a process boundary for `sandbox create`). */
export type DetachedCreateOptions = Omit<SandboxCreateOptions, 'provider' | 'signal'>;

/** The part of a Node stream the CLI writes to; tests pass plain collectors. */
export interface OutputStream {
  write(chunk: string | Uint8Array): boolean;
  isTTY?: boolean;
}

/** Corral's own terminal, when both stdin and stdout are one (for `run -t`, `sandbox exec -t`). */
export interface Terminal {
  size(): { cols: number; rows: number };
  /** Raw mode on or off; raw mode is also undone when the process exits, however it exits. */
  setRawMode(raw: boolean): void;
  /** Calls `listener` on each window size change (SIGWINCH); returns the unsubscribe. */
  onResize(listener: () => void): () => void;
  /** Stops reading the terminal for good: a pending read would keep the process alive. */
  closeInput(): void;
}

/**
 * Everything a command touches outside its arguments. `main.ts` builds it from `process`; tests
 * build it by hand, so commands run in-process without spawning or exiting.
 */
export interface CliContext {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Read by `sandbox cp - <id>:<path>`. */
  stdin: AsyncIterable<Uint8Array | string>;
  /** Corral's stdin is a terminal: `run`/`sandbox exec` forward it only with `-i`. */
  stdinIsTTY?: boolean;
  /** Present when stdin and stdout are both a terminal. */
  terminal?: Terminal;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM; its reason is the signal name (`'SIGINT'`). */
  signal: AbortSignal;
  /** Opens the provider a command asked for; the caller closes it when the command ends. */
  openProvider(name: string, options?: { isolation?: IsolationLevel }): Promise<SandboxProvider>;
  /**
   * Creates a sandbox that outlives this process. Local sandboxes end with the process that
   * owns them, so the real implementation hands creation to a detached keeper process.
   */
  createDetached(provider: string, options: DetachedCreateOptions): Promise<SandboxInfo>;
}
