/**
 * The argv of the sandbox launcher (bwrap, runsc, unshare, or the bare command) and the data
 * fds bwrap reads: what differs per isolation level, apart from the process plumbing that
 * `launchSandbox` shares across levels.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { compact } from '../compact.js';
import type { NetworkMode } from '../provider.js';
import { bwrapArgs, bwrapEnvData, BWRAP_DATA } from './bwrap-args.js';
import { writeGvisorBundle } from './gvisor-bundle.js';
import { buildSeccompFilter, seccompSupported } from './seccomp.js';
import { unshareArgs } from './unshare-script.js';

export type LaunchLevel = 'gvisor' | 'bubblewrap' | 'unshare' | 'none';

export interface LauncherInput {
  level: LaunchLevel;
  /** The sandbox name: runsc's container id. */
  name: string;
  dirs: { work: string; run: string; net: string; rootfs: string; oci: string; runscRoot: string };
  network: NetworkMode['mode'];
  roBinds: { source: string; dest: string }[];
  env: Record<string, string>;
  uid: number | undefined;
  command: string[];
  /** Gets what the chosen level does not enforce. */
  warnings: string[];
  seccomp?: boolean;
  tmpBytes?: number;
}

export interface Launcher {
  argv: string[];
  /** Written to fds 3, 4, ... of the launcher; the caller may add the token pipe's slot. */
  data: Buffer[];
  detail: string;
}

export async function launcherArgv(input: LauncherInput): Promise<Launcher> {
  const { dirs, network, roBinds, env, uid, command, warnings } = input;
  let argv: string[];
  const data: Buffer[] = [];
  let detail: string;
  if (input.level === 'bubblewrap') {
    const wantSeccomp = input.seccomp !== false && seccompSupported();
    if (input.seccomp !== false && !wantSeccomp)
      warnings.push(`seccomp filter not applied: unsupported arch ${process.arch}`);
    data.push(
      Buffer.from(BWRAP_DATA.passwd),
      Buffer.from(BWRAP_DATA.group),
      Buffer.from(BWRAP_DATA.hosts),
    );
    if (wantSeccomp) data.push(buildSeccompFilter());
    const argsFd = 3 + data.length;
    data.push(bwrapEnvData(env));
    argv = [
      'bwrap',
      ...bwrapArgs({
        workDir: dirs.work,
        runDir: dirs.run,
        ...(network === 'allow' ? { netDir: dirs.net } : {}),
        network,
        roBinds,
        env,
        fds: {
          passwd: 3,
          group: 4,
          hosts: 5,
          ...(wantSeccomp ? { seccomp: 6 } : {}),
          args: argsFd,
        },
        ...compact({ tmpBytes: input.tmpBytes }),
        hasEtcSsl: existsSync('/etc/ssl/certs'),
        hasResolvConf: existsSync('/etc/resolv.conf'),
        command,
      }),
    ];
    detail = `bwrap, ${uid === undefined ? `uid ${process.getuid?.()}` : `uid ${uid}`}${wantSeccomp ? ', seccomp' : ''}`;
  } else if (input.level === 'gvisor') {
    const rootless = process.getuid?.() !== 0;
    argv = await writeGvisorBundle({
      bundleDir: dirs.oci,
      stateRoot: dirs.runscRoot,
      containerId: input.name,
      workDir: dirs.work,
      runDir: dirs.run,
      roBinds,
      env,
      // rootless runsc maps only the caller, to uid 0 inside: any other uid sees the work and
      // run dirs as nobody's (EACCES binding the runner's socket). Root there has no capabilities.
      uid: rootless ? 0 : (uid ?? 0),
      rootless,
      command,
    });
    detail = rootless
      ? `gVisor runsc (ptrace platform), rootless: uid 0 inside without capabilities, uid ${process.getuid?.()} on the host`
      : `gVisor runsc (ptrace platform), uid ${uid ?? 0} inside`;
  } else if (input.level === 'unshare') {
    await mkdir(dirs.rootfs, { recursive: true, mode: 0o755 });
    argv = [
      'unshare',
      ...unshareArgs(
        {
          rootDir: dirs.rootfs,
          workDir: dirs.work,
          runDir: dirs.run,
          roBinds,
          env,
          network: network === 'full' ? 'full' : 'none',
          ...compact({ tmpBytes: input.tmpBytes }),
        },
        command,
      ),
    ];
    detail = `unshare, ${uid === undefined ? `uid ${process.getuid?.()}` : `uid ${uid}`}, capability-less userns root, no seccomp`;
    warnings.push(
      'unshare fallback: no seccomp filter, nested user namespaces allowed, loopback interface down',
    );
  } else {
    argv = command;
    detail = `plain process group, ${uid === undefined ? `uid ${process.getuid?.()}` : `uid ${uid}`}`;
  }
  return { argv, data, detail };
}
