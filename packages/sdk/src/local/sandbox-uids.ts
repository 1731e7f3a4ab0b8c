/** Host uids for sandboxes when Corral runs as root: each sandbox gets its own. */
import { readFileSync } from 'node:fs';
import { CorralError } from '../errors.js';

/** The uids of the host's real accounts, which a sandbox must never be given. */
export function accountUids(): Set<number> {
  try {
    return new Set(
      readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .map((line) => Number(line.split(':')[2]))
        .filter(Number.isInteger),
    );
  } catch {
    return new Set();
  }
}

/**
 * Random uids in `[base, base + range)` that no live sandbox of this allocator and no account
 * has. Also used by `@corral/testing`'s process runtime (its own base, so the two never meet).
 */
export class UidAllocator {
  readonly #used = new Set<number>();
  #accounts: Set<number> | undefined;

  constructor(
    private readonly base: number,
    private readonly range = 50_000,
  ) {}

  allocate(): number {
    // never hand a sandbox the uid of a real account
    this.#accounts ??= accountUids();
    for (let i = 0; i < 1000; i++) {
      const uid = this.base + Math.floor(Math.random() * this.range);
      if (!this.#used.has(uid) && !this.#accounts.has(uid)) {
        this.#used.add(uid);
        return uid;
      }
    }
    throw new CorralError('no free sandbox uid', { code: 'RESOURCE_EXHAUSTED', retryable: true });
  }

  release(uid: number): void {
    this.#used.delete(uid);
  }
}
