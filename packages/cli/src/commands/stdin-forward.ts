/**
 * Corral's own stdin, forwarded to the sandboxed command. Reading starts as soon as the command
 * line is parsed, while the sandbox is still being made: a piped input that has ended by the time
 * the command starts (`echo hi | corral run -- cat`) travels inside the start request (one round
 * trip, and the command's life stays tied to the request); a longer or endless one is streamed.
 */

/** Input up to this size that has already ended is sent with the start request. */
export const INLINE_STDIN_LIMIT_BYTES = 1024 * 1024;
/** Reading pauses while this much is buffered and not yet sent (backpressure on the producer). */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

export class StdinPump {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: unknown;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private stopped = false;

  constructor(source: AsyncIterable<Uint8Array | string>) {
    this.iterator = source[Symbol.asyncIterator]();
    void this.read();
  }

  /** The whole input, when it has already ended and is small; otherwise undefined. */
  takeIfEnded(): Buffer | undefined {
    if (!this.ended || this.failure !== undefined || this.buffered > INLINE_STDIN_LIMIT_BYTES)
      return undefined;
    const all = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    this.buffered = 0;
    return all;
  }

  /** Every chunk, buffered first, until the input ends (or `stop()`). */
  async *drain(): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        this.buffered -= chunk.length;
        this.wakeProducer?.();
        yield chunk;
        continue;
      }
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (this.failure !== undefined) throw this.failure;
      if (this.ended || this.stopped) return;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
  }

  /** Stops reading (the command ended); an unread pipe must not keep the CLI alive. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeProducer?.();
    this.wakeConsumer?.();
    if (!this.ended) void this.iterator.return?.().catch(() => {});
  }

  private async read(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.buffered >= HIGH_WATER_BYTES) {
          await new Promise<void>((resolve) => (this.wakeProducer = resolve));
          continue;
        }
        const next = await this.iterator.next();
        if (next.done === true) break;
        const chunk =
          typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value);
        if (chunk.length === 0) continue;
        this.chunks.push(chunk);
        this.buffered += chunk.length;
        this.wakeConsumer?.();
      }
    } catch (error) {
      this.failure = error;
    }
    this.ended = true;
    this.wakeConsumer?.();
  }
}
