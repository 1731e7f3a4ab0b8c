/** A single-consumer queue between callback-style producers and an async iterator. */
export class EventChannel<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.();
  }

  /** Resolves with the next item, waiting for one if the queue is empty. */
  async next(): Promise<T> {
    while (this.items.length === 0) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    return this.items.shift() as T;
  }
}
