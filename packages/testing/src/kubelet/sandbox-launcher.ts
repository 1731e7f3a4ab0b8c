/**
 * The local sandbox launcher of `@corral/sdk` (`launchSandbox`), as the process runtime uses it.
 * The shapes below are the subset of the SDK's `LaunchOptions` / `LaunchedSandbox` this package
 * relies on, so a launcher can also be injected (tests, other isolation).
 */
import type { ChildProcess } from 'node:child_process';
import * as sdk from '@corral/sdk';
import type { IsolationReport } from '@corral/sdk';

export type SandboxLevel = 'bubblewrap' | 'unshare' | 'none';

export interface SandboxLaunchOptions {
  /** `[a-z0-9-]`, names the cgroups. */
  name: string;
  level: SandboxLevel;
  baseDir: string;
  uid?: number;
  network: { mode: 'none' } | { mode: 'allow'; domains: string[] };
  /** Fixed name → IP answers for `allow` (the fake's stand-in for DNS of outside hosts). */
  proxyHosts?: Record<string, string>;
  limits: Record<string, never>;
  cgroups: IsolationReport['cgroups'];
  files?: Record<string, string>;
  command(paths: {
    work: string;
    run: string;
    files: Record<string, string>;
    node: string;
  }): string[];
  env?: Record<string, string>;
}

export interface LaunchedPodSandbox {
  child: ChildProcess;
  pid: number;
  paths: { work: string; run: string };
  detail: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<void>;
}

export type SandboxLauncher = (options: SandboxLaunchOptions) => Promise<LaunchedPodSandbox>;

/** `launchSandbox` from `@corral/sdk`: the same launcher the local provider uses. */
export const sdkSandboxLauncher: SandboxLauncher = sdk.launchSandbox;

export function detectSandboxIsolation(): Promise<IsolationReport> {
  return sdk.detectIsolation();
}
