/**
 * What the process runtime prepares once, before its first pod: the isolation level that works
 * here, and a state directory holding a copy of the runner bundle the sandbox uid can read.
 */
import { chmod, copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runnerBundlePath } from '@corral/runner';
import { detectSandboxIsolation, type SandboxLevel } from './sandbox-launcher.js';

export interface RuntimeEnvironment {
  stateDir: string;
  bundle: string;
  level: SandboxLevel;
  dropUid: boolean;
  report: Awaited<ReturnType<typeof detectSandboxIsolation>>;
}

export async function prepareRuntimeEnvironment(options: {
  isolation?: 'auto' | SandboxLevel;
  stateDir?: string;
  runnerBundle?: string;
}): Promise<RuntimeEnvironment> {
  const report = await detectSandboxIsolation();
  const wanted = options.isolation ?? 'auto';
  let level: SandboxLevel;
  if (wanted === 'auto') {
    level = report.bubblewrap.available
      ? 'bubblewrap'
      : report.unshare.available
        ? 'unshare'
        : 'none';
  } else {
    if (wanted !== 'none' && !report[wanted].available) {
      throw new Error(
        `process runtime: isolation '${wanted}' does not work here (${report[wanted].reason ?? 'unknown'}); use isolation 'auto'`,
      );
    }
    level = wanted;
  }
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'corral-pods-')));
  const dropUid = report.root;
  // the sandbox uid must traverse the state dir and read the bundle through its bind
  await mkdir(stateDir, { recursive: true, mode: 0o711 });
  if (dropUid) await chmod(stateDir, 0o711);
  const bundle = join(stateDir, 'runner.mjs');
  await copyFile(options.runnerBundle ?? runnerBundlePath(), bundle);
  await chmod(bundle, 0o644);
  return { stateDir, bundle, level, dropUid, report };
}
