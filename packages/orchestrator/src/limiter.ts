/**
 * A FIFO concurrency limit. `acquire` resolves with a release function once a slot is free;
 * aborting a waiting `acquire` takes it out of the queue.
 */
import { AbortedError } from '@corral/sdk';

interface Waiter {
  grant: (release: () => void) => void;
  reject: (error: unknown) => void;
}

export class Limiter {
  readonly #limit: number;
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) {
      return Promise.reject(new AbortedError('Cancelled while queued.', { cause: signal.reason }));
    }
    if (this.#active < this.#limit) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
      };
      const onAbort = (): void => {
        const index = this.#queue.indexOf(waiter);
        if (index !== -1) this.#queue.splice(index, 1);
        reject(new AbortedError('Cancelled while queued.', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // the slot passes straight to the next waiter, so `active` stays the same
      if (next !== undefined) next.grant(this.#releaser());
      else this.#active--;
    };
  }
}
