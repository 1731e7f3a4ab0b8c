/**
 * The opt-in gVisor level: an OCI bundle for `runsc run` (ptrace platform, `--network=none`).
 * The root is an empty read-only directory with the same binds bubblewrap gets, so host files
 * stay hidden (`runsc do` would expose the host root read-only). `--host-uds=create` lets the
 * runner's socket in the bound run dir be reached from the host; `--ignore-cgroups` keeps runsc
 * from making cgroups of its own, so the Sentry and Gofer stay in the sandbox's cgroups.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ETC_GROUP, ETC_HOSTS, ETC_PASSWD, HOSTNAME, INSIDE } from './sandbox-fs.js';

export interface GvisorInput {
  bundleDir: string;
  stateRoot: string;
  containerId: string;
  workDir: string;
  runDir: string;
  roBinds: readonly { source: string; dest: string }[];
  env: Readonly<Record<string, string>>;
  /** uid/gid the command runs as inside gVisor (also the owner of files it writes). */
  uid: number;
  rootless: boolean;
  command: readonly string[];
}

export async function writeGvisorBundle(input: GvisorInput): Promise<string[]> {
  const rootfs = join(input.bundleDir, 'rootfs');
  const etc = join(input.bundleDir, 'etc');
  await mkdir(rootfs, { recursive: true, mode: 0o755 });
  await mkdir(etc, { recursive: true, mode: 0o755 });
  for (const [link, target] of [
    ['bin', 'usr/bin'],
    ['lib', 'usr/lib'],
    ['lib64', 'usr/lib64'],
    ['sbin', 'usr/sbin'],
  ] as const) {
    await symlink(target, join(rootfs, link));
  }
  await writeFile(join(etc, 'passwd'), ETC_PASSWD, { mode: 0o644 });
  await writeFile(join(etc, 'group'), ETC_GROUP, { mode: 0o644 });
  await writeFile(join(etc, 'hosts'), ETC_HOSTS, { mode: 0o644 });
  const bind = (source: string, destination: string, ro: boolean) => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', ro ? 'ro' : 'rw'],
  });
  const config = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: input.uid, gid: input.uid },
      args: input.command,
      env: Object.entries(input.env).map(([k, v]) => `${k}=${v}`),
      cwd: INSIDE.work,
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: HOSTNAME,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
      {
        destination: '/tmp',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'mode=1777'],
      },
      bind('/usr', '/usr', true),
      ...['passwd', 'group', 'hosts'].map((f) => bind(join(etc, f), `/etc/${f}`, true)),
      bind(input.workDir, INSIDE.work, false),
      bind(input.runDir, INSIDE.run, false),
      ...input.roBinds.map((b) => bind(b.source, b.dest, true)),
    ],
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'network' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
      ],
    },
  };
  // 0600: the environment in it holds the runner token and the caller's env values
  await writeFile(join(input.bundleDir, 'config.json'), JSON.stringify(config, null, 2), {
    mode: 0o600,
  });
  await mkdir(input.stateRoot, { recursive: true, mode: 0o700 });
  return [
    'runsc',
    ...[
      '--root',
      input.stateRoot,
      '--platform=ptrace',
      '--network=none',
      '--host-uds=create',
      '--ignore-cgroups',
    ],
    ...(input.rootless ? ['--rootless'] : []),
    ...['run', '--bundle', input.bundleDir, input.containerId],
  ];
}

/** `runsc delete --force` argv, to drop runsc's state after the processes are gone. */
export function gvisorDeleteArgs(stateRoot: string, containerId: string): string[] {
  return ['--root', stateRoot, 'delete', '--force', containerId];
}
