/**
 * Unique pod IPs from 127.244.0.0/16, handed out round-robin so a recreated pod gets a new one.
 * Loopback, not a cluster-like 10.244/16: code under test that dials a simulated pod must fail
 * fast on this machine (connection refused), never send traffic to a private network.
 */
export class PodIpAllocator {
  private next = 2;
  private readonly inUse = new Set<string>();

  allocate(): string {
    for (let tries = 0; tries < 65_536; tries++) {
      const n = this.next;
      this.next = n >= 65_534 ? 2 : n + 1;
      if ((n & 255) === 0 || (n & 255) === 255) continue;
      const ip = `127.244.${n >> 8}.${n & 255}`;
      if (this.inUse.has(ip)) continue;
      this.inUse.add(ip);
      return ip;
    }
    throw new Error('simulated kubelet: pod range 127.244.0.0/16 is exhausted');
  }

  release(ip: string | undefined): void {
    if (ip !== undefined) this.inUse.delete(ip);
  }
}
