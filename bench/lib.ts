/**
 * Shared shape and helpers for Corral's benchmarks. Each `bench/<area>/<name>.bench.ts` default-exports
 * a `Benchmark`; `bench/run.ts` runs them one after another and prints one table.
 */

export interface BenchRow {
  /** What was measured, e.g. `waitForClaimReady p50`. */
  name: string;
  value: number;
  unit: 'ms' | 'MB' | 'MB/s' | 'ops/s' | 'count' | '%';
  /** The figure to compare with: a bare baseline or the approach being replaced. */
  baseline?: { label: string; value: number };
  /** The goal as stated in the issue, e.g. `< 5 ms`; `met` says whether this run met it. */
  goal?: { text: string; met: boolean };
}

export interface Benchmark {
  /** Shown as the table's section heading. */
  title: string;
  run(options: { quick: boolean; signal?: AbortSignal }): Promise<BenchRow[]>;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** High-resolution milliseconds since an arbitrary origin. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
