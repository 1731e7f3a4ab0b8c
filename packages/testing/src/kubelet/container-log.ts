/**
 * A container's log as a kubelet keeps it: stdout and stderr interleaved, one entry per line
 * with the time it was written. Bounded: past `maxBytes` the oldest lines are dropped, so a
 * chatty pod cannot grow the test process without limit.
 */

export interface LogLine {
  /** Epoch ms when the line was complete. */
  timeMs: number;
  /** The line including its trailing `\n` (the last line of a closed log may lack it). */
  text: string;
}

export type LogListener = (line: LogLine) => void;

export const DEFAULT_CONTAINER_LOG_BYTES = 1024 * 1024;

export class ContainerLog {
  private readonly lines: LogLine[] = [];
  private bytes = 0;
  private readonly partial = new Map<string, string>();
  private readonly listeners = new Set<LogListener>();
  private readonly closeListeners = new Set<() => void>();
  private closedFlag = false;

  constructor(
    private readonly maxBytes = DEFAULT_CONTAINER_LOG_BYTES,
    private readonly now: () => number = Date.now,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Appends a chunk of one stream; complete lines become visible at once. */
  write(stream: string, chunk: Buffer | string): void {
    if (this.closedFlag) return;
    const text = (this.partial.get(stream) ?? '') + chunk.toString();
    const parts = text.split('\n');
    const rest = parts.pop() ?? '';
    if (rest === '') this.partial.delete(stream);
    else this.partial.set(stream, rest);
    for (const part of parts) this.push(`${part}\n`);
  }

  /** The container exited: flushes unterminated lines and ends every follower. */
  close(): void {
    if (this.closedFlag) return;
    for (const rest of this.partial.values()) this.push(rest);
    this.partial.clear();
    this.closedFlag = true;
    this.listeners.clear();
    const waiting = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of waiting) listener();
  }

  snapshot(): readonly LogLine[] {
    return [...this.lines];
  }

  /** Calls `listener` for every new line and `onClose` when the log closes; returns an unsubscribe. */
  follow(listener: LogListener, onClose: () => void): () => void {
    if (this.closedFlag) {
      onClose();
      return () => undefined;
    }
    this.listeners.add(listener);
    this.closeListeners.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closeListeners.delete(onClose);
    };
  }

  text(): string {
    return this.lines.map((l) => l.text).join('');
  }

  private push(text: string): void {
    const line = { timeMs: this.now(), text };
    this.lines.push(line);
    this.bytes += Buffer.byteLength(text);
    while (this.bytes > this.maxBytes && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!.text);
    }
    for (const listener of [...this.listeners]) listener(line);
  }
}
