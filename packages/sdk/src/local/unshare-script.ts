/**
 * The util-linux `unshare` fallback (no bubblewrap). `unshare` only makes the namespaces; this
 * script, run as root of the new user namespace, builds the same minimal root bubblewrap would
 * (tmpfs root, ro /usr, /work, private /tmp, own /proc, a few /dev nodes), pivots into it, drops
 * the old root and every capability, and execs the command. Weaker than bubblewrap: the process is
 * uid 0 of its own user namespace (capability-less; only one uid can be mapped without
 * newuidmap), `lo` stays down, nested user namespaces are not disabled and there is no seccomp.
 */
import { ETC_GROUP, ETC_HOSTS, ETC_PASSWD, INSIDE } from './sandbox-fs.js';
import { InvalidArgumentError } from '../errors.js';

export interface UnshareInput {
  rootDir: string;
  workDir: string;
  runDir: string;
  roBinds: readonly { source: string; dest: string }[];
  env: Readonly<Record<string, string>>;
  network: 'none' | 'full';
  /** Size of the private `/tmp`, bytes (default: the kernel's half of RAM). */
  tmpBytes?: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_PREFIX = 'CORRAL_SANDBOX_ENV_';

/** The launcher environment that carries `env` into the script (see `unshareArgs`). */
export function unshareEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [`${ENV_PREFIX}${k}`, v]));
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function unshareArgs(input: UnshareInput, command: readonly string[]): string[] {
  // values travel in the launcher's environment (readable only by its uid and root), not in
  // argv (readable by every host user); the script names each variable, never its value
  const envArgs = Object.keys(input.env).map((k) => {
    if (!ENV_NAME.test(k))
      throw new InvalidArgumentError(
        `invalid environment variable name ${JSON.stringify(k)}; use letters, digits and _, not starting with a digit`,
      );
    return `${k}=$${ENV_PREFIX}${k}`;
  });
  const R = q(input.rootDir);
  const lines = [
    'set -e',
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `mount -t tmpfs -o mode=0755 corral ${R}`,
    `cd ${R}`,
    `mkdir -p usr work proc dev tmp etc run/corral opt/corral oldroot`,
    'ln -s usr/bin bin; ln -s usr/lib lib; ln -s usr/lib64 lib64; ln -s usr/sbin sbin',
    'mount --rbind /usr usr; mount -o remount,bind,ro usr',
    `mount --bind ${q(input.workDir)} work`,
    `mount --bind ${q(input.runDir)} run/corral`,
    'mount -t proc proc proc',
    `mount -t tmpfs -o mode=1777${input.tmpBytes === undefined ? '' : `,size=${Math.floor(input.tmpBytes)}`} tmp tmp`,
    'mount -t tmpfs -o mode=0755 dev dev',
    'for n in null zero full random urandom tty; do touch dev/$n; mount --bind /dev/$n dev/$n; done',
    'ln -s /proc/self/fd dev/fd',
    // a private devpts for commands that ask for a terminal (runner PTY mode, decision 0029);
    // optional: a kernel that refuses it here still runs everything else
    '{ mkdir dev/pts && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts dev/pts && ln -s pts/ptmx dev/ptmx; } || true',
    `printf %s ${q(ETC_PASSWD)} > etc/passwd; printf %s ${q(ETC_GROUP)} > etc/group; printf %s ${q(ETC_HOSTS)} > etc/hosts`,
    '[ -d /etc/ssl/certs ] && mkdir -p etc/ssl/certs && mount --rbind /etc/ssl/certs etc/ssl/certs',
    '[ -d /etc/alternatives ] && mkdir -p etc/alternatives && mount --rbind /etc/alternatives etc/alternatives',
    ...(input.network === 'full'
      ? [
          '[ -f /etc/resolv.conf ] && touch etc/resolv.conf && mount --bind /etc/resolv.conf etc/resolv.conf',
        ]
      : []),
    ...input.roBinds.flatMap(({ source, dest }) => [
      `touch .${q(dest)}`,
      `mount --bind ${q(source)} .${q(dest)}; mount -o remount,bind,ro .${q(dest)}`,
    ]),
    'pivot_root . oldroot',
    'umount -l /oldroot',
    'rmdir /oldroot',
    'mount -o remount,bind,ro /',
    `cd ${INSIDE.work}`,
    `exec setpriv --inh-caps=-all --bounding-set=-all --no-new-privs -- env -i ${envArgs.map((a) => `"${a}"`).join(' ')} "$@"`,
  ];
  return [
    ...[
      '--user',
      '--map-root-user',
      '--mount',
      '--propagation',
      'private',
      '--pid',
      '--fork',
      '--kill-child',
    ],
    ...(input.network === 'full' ? [] : ['--net']),
    ...['--ipc', '--uts', '/bin/sh', '-c', lines.join('\n'), 'sh', ...command],
  ];
}
