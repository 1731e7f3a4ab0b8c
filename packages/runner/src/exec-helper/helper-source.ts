/**
 * The exec helper's program (docs/decisions/0031): a small Python process, started by the runner
 * with an empty environment, that starts commands with `subprocess.Popen` (vfork + exec, where
 * node's libuv forks the whole runner) and relays their pipes and exit statuses over its own
 * stdin/stdout in length-prefixed frames. It makes itself non-dumpable first (like the runner,
 * whose node binary is execute-only), so sandboxed code cannot read or steer it; without ctypes
 * or `os.pidfd_open` it exits 3 and the runner keeps using `child_process.spawn`.
 *
 * Frame: u32 payload length, u8 type, u32 command number (big endian), payload.
 */
export const FRAME = {
  // runner → helper
  spawn: 1,
  stdin: 2,
  stdinEnd: 3,
  kill: 4,
  pause: 5,
  resume: 6,
  detach: 7,
  // helper → runner
  spawned: 10,
  spawnFailed: 11,
  stdout: 12,
  stderr: 13,
  exit: 14,
  closed: 15,
  stdinWritten: 16,
  ready: 17,
} as const;

export const HELPER_SOURCE = String.raw`
import os, sys, struct, selectors, subprocess, signal, errno
try:
    # W14: commands inherit this score, so the OOM killer takes them (or this helper), never the
    # runner; written before the helper turns non-dumpable, which makes its /proc files root's
    with open('/proc/self/oom_score_adj', 'w') as f:
        f.write('1000')
except OSError:
    pass
try:
    import ctypes
    if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:
        sys.exit(3)
    # called, not just looked up: gVisor has the function but answers ENOSYS
    os.close(os.pidfd_open(os.getpid()))
except Exception:
    sys.exit(3)
CTL_IN, CTL_OUT = 0, 1
HDR = struct.Struct('>IBI')
sel = selectors.DefaultSelector()
procs = {}

def send(t, n, payload=b''):
    data = HDR.pack(len(payload), t, n) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(CTL_OUT, view):]

class Proc:
    def __init__(self, n, popen):
        self.n = n
        self.popen = popen
        self.pid = popen.pid
        self.fds = {}
        self.paused = False
        self.inbuf = []
        self.inend = False
        self.infd = popen.stdin.fileno()
        self.exited = False
        self.inreg = False
        os.set_blocking(self.infd, False)
        for kind, f in (('out', popen.stdout), ('err', popen.stderr)):
            fd = f.fileno()
            os.set_blocking(fd, False)
            self.fds[fd] = (kind, f)
            sel.register(fd, selectors.EVENT_READ, (kind, self))
        self.pidfd = os.pidfd_open(self.pid)
        sel.register(self.pidfd, selectors.EVENT_READ, ('pid', self))

    def close_stream(self, fd):
        kind, f = self.fds.pop(fd)
        if not self.paused:
            sel.unregister(fd)
        f.close()
        self.maybe_done()

    def maybe_done(self):
        if self.exited and not self.fds:
            send(15, self.n)
            self.close_stdin()
            procs.pop(self.n, None)

    def set_inreg(self, want):
        if want and not self.inreg:
            sel.register(self.infd, selectors.EVENT_WRITE, ('in', self))
        elif self.inreg and not want:
            sel.unregister(self.infd)
        self.inreg = want

    def close_stdin(self):
        if self.infd is not None:
            self.set_inreg(False)
            for _, a in self.inbuf:
                if a: send(16, self.n)
            self.inbuf = []
            self.popen.stdin.close()
            self.infd = None

    def flush_stdin(self):
        while self.inbuf:
            data, ack = self.inbuf[0]
            try:
                k = os.write(self.infd, data)
            except BlockingIOError:
                break
            except OSError:
                self.inend = True
                self.close_stdin()
                return
            if k < len(data):
                self.inbuf[0] = (data[k:], ack)
                break
            self.inbuf.pop(0)
            if ack: send(16, self.n)
        if self.inend and not self.inbuf:
            self.close_stdin()
            return
        self.set_inreg(bool(self.inbuf))

def parse_spec(payload):
    # NUL-separated: argc, argv..., cwd, NAME=value... (none of them can hold a NUL)
    parts = payload.split(b'\0')
    argc = int(parts[0])
    env = dict(e.split(b'=', 1) for e in parts[argc + 2:])
    return parts[1:argc + 1], parts[argc + 1], env

def spawn(n, payload):
    argv, cwd, env = parse_spec(payload)
    try:
        popen = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                 close_fds=True, bufsize=0)
    except OSError as e:
        # json only here: its import is a fifth of the helper's start, paid on the rare failure
        import json
        code = errno.errorcode.get(e.errno, 'EIO') if e.errno else 'EIO'
        send(11, n, json.dumps({'code': code, 'errno': e.errno or 5, 'message': str(e)}).encode())
        return
    p = Proc(n, popen)
    procs[n] = p
    send(10, n, str(p.pid).encode())

def control(t, n, payload):
    if t == 1:
        spawn(n, payload)
        return
    p = procs.get(n)
    if p is None:
        if t == 2: send(16, n)
        return
    if t == 2:
        if p.infd is None or p.inend:
            send(16, n)
        else:
            p.inbuf.append((payload, True))
            p.flush_stdin()
    elif t == 3:
        if p.infd is not None:
            p.inend = True
            p.flush_stdin()
    elif t == 4:
        if not p.exited:
            try: os.kill(p.pid, int(payload))
            except OSError: pass
    elif t == 5 and not p.paused:
        p.paused = True
        for fd in p.fds: sel.unregister(fd)
    elif t == 6 and p.paused:
        p.paused = False
        for fd, (kind, f) in p.fds.items(): sel.register(fd, selectors.EVENT_READ, (kind, p))
    elif t == 7:
        for fd in list(p.fds): p.close_stream(fd)

def reap(p):
    try:
        _, status = os.waitpid(p.pid, 0)
    except ChildProcessError:
        status = 0
    sel.unregister(p.pidfd)
    os.close(p.pidfd)
    p.popen.returncode = 0
    p.exited = True
    if os.WIFSIGNALED(status):
        body = '{"code":null,"signal":%d}' % os.WTERMSIG(status)
    else:
        body = '{"code":%d,"signal":null}' % os.waitstatus_to_exitcode(status)
    send(14, p.n, body.encode())
    p.maybe_done()

def shutdown():
    for p in list(procs.values()):
        if not p.exited:
            try: os.killpg(p.pid, signal.SIGKILL)
            except OSError: pass
    sys.exit(0)

sel.register(CTL_IN, selectors.EVENT_READ, ('ctl', None))
buf = bytearray()
send(17, 0)
while True:
    for key, _ in sel.select():
        kind, p = key.data
        if kind == 'ctl':
            data = os.read(CTL_IN, 262144)
            if not data:
                shutdown()
            buf += data
            while len(buf) >= 9:
                size, t, n = HDR.unpack_from(buf)
                if len(buf) < 9 + size: break
                payload = bytes(buf[9:9 + size])
                del buf[:9 + size]
                control(t, n, payload)
        elif kind == 'pid':
            reap(p)
        elif kind == 'in':
            p.flush_stdin()
        elif key.fd in p.fds:
            try:
                data = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b''
            if data:
                send(12 if kind == 'out' else 13, p.n, data)
            else:
                p.close_stream(key.fd)
`;
