/**
 * A seccomp deny-list as a classic BPF program, for `bwrap --seccomp FD`. It blocks syscalls a
 * sandboxed task never needs and that widen the kernel attack surface (namespaces, mounts,
 * ptrace, kernel keyring, bpf, perf, io_uring, module and clock control). Built here so no
 * libseccomp/python is needed; x86_64 only (elsewhere the provider reports a warning).
 */

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;

/** x86_64 syscall numbers denied with EPERM. */
const DENIED_X86_64: Record<string, number> = {
  ptrace: 101,
  syslog: 103,
  personality: 135,
  // 16-bit segments: no use to a task, a history of kernel bugs (Docker's profile blocks it)
  modify_ldt: 154,
  vhangup: 153,
  pivot_root: 155,
  adjtimex: 159,
  acct: 163,
  settimeofday: 164,
  mount: 165,
  umount2: 166,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  iopl: 172,
  ioperm: 173,
  init_module: 175,
  delete_module: 176,
  quotactl: 179,
  lookup_dcookie: 212,
  clock_settime: 227,
  kexec_load: 246,
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  unshare: 272,
  perf_event_open: 298,
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  clock_adjtime: 305,
  setns: 308,
  process_vm_readv: 310,
  process_vm_writev: 311,
  // ptrace equivalents toward a same-uid process (the runner): compare, copy fds, advise memory
  kcmp: 312,
  finit_module: 313,
  kexec_file_load: 320,
  bpf: 321,
  userfaultfd: 323,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  pidfd_getfd: 438,
  process_madvise: 440,
  mount_setattr: 442,
};

const SOCKET_NR = 41;
/** `socket(AF_VSOCK, …)`: vsock is not network-namespaced, it reaches the hypervisor and host. */
const AF_VSOCK = 40;
/** offsetof(struct seccomp_data, args[0]), low 32 bits on little endian. */
const ARG0_OFFSET = 16;

/** Denied with ENOSYS so runtimes (libuv) fall back quietly instead of reporting an error. */
const UNSUPPORTED_X86_64: Record<string, number> = {
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
};

export function seccompSupported(): boolean {
  return process.arch === 'x64';
}

export const SECCOMP_DENIED_SYSCALLS: readonly string[] = [
  ...Object.keys(DENIED_X86_64),
  ...Object.keys(UNSUPPORTED_X86_64),
  'socket(AF_VSOCK)',
];

/** The filter as bytes (struct sock_filter[], little endian). */
export function buildSeccompFilter(): Buffer {
  const deny = Object.values(DENIED_X86_64);
  const nosys = Object.values(UNSUPPORTED_X86_64);
  const program: [number, number, number, number][] = [];
  const n = deny.length + nosys.length;
  // layout: 0 ld arch | 1 jeq x86_64 | 2 ret EPERM (other ABIs, e.g. i386) | 3 ld nr | 4 jge x32 |
  //         5 jeq socket | 6 ld arg0 | 7 jeq AF_VSOCK | 8 ret EPERM | 9 ret ALLOW |
  //         10.. jeq each | allow | ret EPERM | ret ENOSYS
  const first = 10;
  const allowAt = first + n;
  const epermAt = allowAt + 1;
  const enosysAt = allowAt + 2;
  program.push([BPF_LD_W_ABS, 0, 0, 4]);
  program.push([BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64]);
  program.push([BPF_RET_K, 0, 0, RET_ERRNO | EPERM]);
  program.push([BPF_LD_W_ABS, 0, 0, 0]);
  program.push([BPF_JGE_K, epermAt - 5, 0, X32_SYSCALL_BIT]);
  program.push([BPF_JEQ_K, 0, first - 6, SOCKET_NR]);
  program.push([BPF_LD_W_ABS, 0, 0, ARG0_OFFSET]);
  program.push([BPF_JEQ_K, 0, 1, AF_VSOCK]);
  program.push([BPF_RET_K, 0, 0, RET_ERRNO | EPERM]);
  program.push([BPF_RET_K, 0, 0, RET_ALLOW]);
  [...deny, ...nosys].forEach((nr, i) => {
    const at = first + i;
    const target = i < deny.length ? epermAt : enosysAt;
    program.push([BPF_JEQ_K, target - at - 1, 0, nr]);
  });
  program.push([BPF_RET_K, 0, 0, RET_ALLOW]);
  program.push([BPF_RET_K, 0, 0, RET_ERRNO | EPERM]);
  program.push([BPF_RET_K, 0, 0, RET_ERRNO | ENOSYS]);
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], i) => {
    buffer.writeUInt16LE(code, i * 8);
    buffer.writeUInt8(jt, i * 8 + 2);
    buffer.writeUInt8(jf, i * 8 + 3);
    buffer.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return buffer;
}
