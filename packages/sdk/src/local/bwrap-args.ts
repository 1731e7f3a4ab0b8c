/**
 * bubblewrap's argument list (verified recipe: shared/notes/local-isolation.md §3, §10). Pure, so
 * the flag set can be read and tested without starting anything.
 */
import {
  BRIDGE_PORT,
  ETC_GROUP,
  ETC_HOSTS,
  ETC_PASSWD,
  HOSTNAME,
  INSIDE,
  INSIDE_UID,
} from './sandbox-fs.js';

export interface BwrapInput {
  workDir: string;
  runDir: string;
  /** Host dir with the proxy socket and bridge (allow-list network only). */
  netDir?: string;
  network: 'none' | 'full' | 'allow';
  /** Read-only binds, host path → inside path. */
  roBinds: readonly { source: string; dest: string }[];
  env: Readonly<Record<string, string>>;
  /**
   * fd numbers (in bwrap's fd table) of data to place in the sandbox. With `args`, the
   * environment is read from that fd (`bwrapEnvData`) instead of argv, which every host user
   * can read in `ps`.
   */
  fds: { seccomp?: number; passwd: number; group: number; hosts: number; args?: number };
  /** `--size` of the `/tmp` tmpfs, bytes; unbounded (half of RAM) when absent. */
  tmpBytes?: number;
  hasEtcSsl: boolean;
  hasResolvConf: boolean;
  command: readonly string[];
}

export const BWRAP_DATA = { passwd: ETC_PASSWD, group: ETC_GROUP, hosts: ETC_HOSTS };

export function bwrapArgs(input: BwrapInput): string[] {
  const args = [
    ...['--ro-bind', '/usr', '/usr'],
    ...['--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64'],
    ...['--symlink', 'usr/bin', '/bin', '--symlink', 'usr/sbin', '/sbin'],
    ...['--proc', '/proc', '--dev', '/dev'],
    ...(input.tmpBytes === undefined ? [] : ['--size', String(input.tmpBytes)]),
    ...['--perms', '1777', '--tmpfs', '/tmp'],
    ...['--dir', '/etc'],
    ...['--perms', '0644', '--ro-bind-data', String(input.fds.passwd), '/etc/passwd'],
    ...['--perms', '0644', '--ro-bind-data', String(input.fds.group), '/etc/group'],
    ...['--perms', '0644', '--ro-bind-data', String(input.fds.hosts), '/etc/hosts'],
  ];
  if (input.hasEtcSsl) args.push('--ro-bind', '/etc/ssl/certs', '/etc/ssl/certs');
  // Debian's awk, vi, editor, pager, java are /usr/bin symlinks into /etc/alternatives.
  args.push('--ro-bind-try', '/etc/alternatives', '/etc/alternatives');
  if (input.network === 'full' && input.hasResolvConf)
    args.push('--ro-bind', '/etc/resolv.conf', '/etc/resolv.conf');
  args.push('--bind', input.workDir, INSIDE.work, '--bind', input.runDir, INSIDE.run);
  if (input.network === 'allow' && input.netDir) args.push('--ro-bind', input.netDir, INSIDE.net);
  for (const { source, dest } of input.roBinds) args.push('--ro-bind', source, dest);
  // the root tmpfs cannot be given a size; read-only, it holds nothing the code can grow
  args.push('--remount-ro', '/');
  args.push(
    ...['--chdir', INSIDE.work, '--unshare-all'],
    ...(input.network === 'full' ? ['--share-net'] : []),
    ...[
      '--unshare-user',
      '--disable-userns',
      '--uid',
      String(INSIDE_UID),
      '--gid',
      String(INSIDE_UID),
    ],
    ...[
      '--hostname',
      HOSTNAME,
      '--die-with-parent',
      '--new-session',
      '--cap-drop',
      'ALL',
      '--clearenv',
    ],
  );
  if (input.fds.seccomp !== undefined) args.push('--seccomp', String(input.fds.seccomp));
  if (input.fds.args !== undefined) args.push('--args', String(input.fds.args));
  else for (const [key, value] of Object.entries(input.env)) args.push('--setenv', key, value);
  args.push('--', ...input.command);
  return args;
}

/** The environment as NUL-separated `--setenv K V` arguments, for `bwrap --args FD`. */
export function bwrapEnvData(env: Readonly<Record<string, string>>): Buffer {
  const parts = Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]);
  return Buffer.from(parts.map((p) => `${p}\0`).join(''));
}

/** Proxy variables for the allow-list mode (both spellings: tools disagree on case). */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${BRIDGE_PORT}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: 'localhost,127.0.0.1,::1',
    no_proxy: 'localhost,127.0.0.1,::1',
  };
}
