/**
 * The filesystem a sandbox sees, shared by every launcher: where the host directories appear
 * inside, and the small generated `/etc` files tools expect (`getpwuid`, `localhost`).
 */

/** Paths inside the sandbox. */
export const INSIDE = {
  work: '/work',
  /** Host-owned directory holding the runner's unix socket. */
  run: '/run/corral',
  /** Host-owned, read-only: egress proxy socket and the in-sandbox TCP bridge. */
  net: '/run/corral-net',
  /** Read-only files bound in (runner bundle, node when outside /usr). */
  opt: '/opt/corral',
} as const;

/** uid/gid the sandboxed process has inside its user namespace. */
export const INSIDE_UID = 1000;

/** The port the in-sandbox bridge listens on (loopback of the sandbox's own netns). */
export const BRIDGE_PORT = 3128;

export const ETC_PASSWD = `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${INSIDE_UID}:${INSIDE_UID}:sandbox:${INSIDE.work}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`;
export const ETC_GROUP = `root:x:0:\nsandbox:x:${INSIDE_UID}:\nnogroup:x:65534:\n`;
export const ETC_HOSTS = '127.0.0.1 localhost sandbox\n::1 localhost ip6-localhost ip6-loopback\n';
export const HOSTNAME = 'sandbox';

/** Directories under which files are assumed readable by the dropped uid without a check. */
export const SYSTEM_PREFIXES = ['/usr/'];
