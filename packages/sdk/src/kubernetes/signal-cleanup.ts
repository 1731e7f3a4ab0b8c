/**
 * Opt-in: on SIGINT/SIGTERM, delete what this process created, then let the signal do what it
 * would have done (the handler removes itself and re-raises). A second signal during cleanup
 * is re-raised at once, so a stuck API server cannot keep the process alive.
 */

export interface SignalCleanupOptions {
  /** @default ['SIGINT', 'SIGTERM'] */
  signals?: readonly NodeJS.Signals[];
  /** What happens after cleanup. @default re-raise the signal on this process */
  reraise?: (signal: NodeJS.Signals) => void;
  /** Called with a cleanup failure (cleanup errors never stop the re-raise). */
  onError?: (error: unknown) => void;
}

/** Removes the handlers; `handle` runs what a signal would (for tests and custom wiring). */
export interface SignalCleanupDisposer {
  (): void;
  handle(signal: NodeJS.Signals): Promise<void>;
}

export function installSignalCleanup(
  cleanup: () => Promise<void>,
  options: SignalCleanupOptions = {},
): SignalCleanupDisposer {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const reraise =
    options.reraise ?? ((signal: NodeJS.Signals) => process.kill(process.pid, signal));
  let running: Promise<void> | undefined;

  const dispose = (): void => {
    for (const signal of signals) process.removeListener(signal, listener);
  };
  const handle = async (signal: NodeJS.Signals): Promise<void> => {
    if (running !== undefined) {
      dispose();
      reraise(signal);
      return;
    }
    running = cleanup().catch((e: unknown) => options.onError?.(e));
    await running;
    dispose();
    reraise(signal);
  };
  const listener = (signal: NodeJS.Signals): void => {
    void handle(signal);
  };
  for (const signal of signals) process.on(signal, listener);
  return Object.assign(dispose, { handle });
}
