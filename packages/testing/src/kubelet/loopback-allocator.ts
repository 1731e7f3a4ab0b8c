/**
 * Pod IPs on the loopback network: 127.0.1.1, 127.0.1.2, … All of 127.0.0.0/8 routes to `lo`
 * on Linux, so every address can be bound without setup, and each pod can listen on its own
 * container ports. Released addresses are handed out again (lowest first).
 */

const FIRST = (127 << 24) | (0 << 16) | (1 << 8) | 1;
/** 127.0.1.1 … 127.255.255.254: plenty, and never 127.0.0.1 (the host's own services). */
const LAST = (127 << 24) | (255 << 16) | (255 << 8) | 254;

/** Addresses taken by other processes (parallel test workers) before giving up. */
const MAX_SKIPPED = 4096;

function toIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function toNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export class LoopbackAllocator {
  private readonly used = new Set<number>();
  private readonly first: number;

  constructor(firstIP = toIp(FIRST)) {
    this.first = toNumber(firstIP);
    if (this.first >>> 24 !== 127)
      throw new Error(`pod IPs must be in 127.0.0.0/8, got ${firstIP}`);
  }

  /** The lowest free address that `usable` accepts (e.g. one whose ports could be bound). */
  async allocate(
    usable: (ip: string) => Promise<boolean> = () => Promise.resolve(true),
  ): Promise<string> {
    const skipped: number[] = [];
    try {
      for (let n = this.first; n <= LAST && skipped.length < MAX_SKIPPED; n++) {
        if (this.used.has(n) || (n & 255) === 0 || (n & 255) === 255) continue;
        // reserve before awaiting, so concurrent allocations never get the same address
        this.used.add(n);
        if (await usable(toIp(n))) return toIp(n);
        skipped.push(n);
      }
    } finally {
      for (const n of skipped) this.used.delete(n);
    }
    throw new Error(
      `no free loopback address for a pod (${skipped.length} addresses were taken by other processes)`,
    );
  }

  release(ip: string | undefined): void {
    if (ip !== undefined) this.used.delete(toNumber(ip));
  }

  /** Addresses currently handed out. */
  inUse(): string[] {
    return [...this.used].sort((a, b) => a - b).map(toIp);
  }
}
