// src/main.ts
import { stat as stat4 } from "node:fs/promises";

// src/config.ts
import { closeSync, readFileSync, unlinkSync } from "node:fs";

// src/constants.ts
var RUNNER_DEFAULT_PORT = 8888;
var DEFAULT_OUTPUT_BUFFER_BYTES = 16 * 1024 * 1024;
var TASK_OUTPUT_TAIL_BYTES = 8 * 1024;

// src/config.ts
function readTokenFile(path) {
  const fd = /^\/dev\/fd\/(\d+)$/.exec(path)?.[1];
  if (fd === void 0) return readFileSync(path, "utf8");
  try {
    return readFileSync(Number(fd), "utf8");
  } finally {
    closeSync(Number(fd));
  }
}
var ConfigError = class extends Error {
};
var USAGE = `usage: node runner.mjs [--mode oneshot|serve] [--port 8888] [--host 0.0.0.0]
                        [--socket <path>] [--root <dir>] [--max-body-bytes N]
                        [--max-upload-bytes N] [--output-buffer-bytes N] [--token-file <path>]
                        [--token-file-once <path>]
env: CORRAL_RUNNER_MODE, CORRAL_RUNNER_PORT, CORRAL_RUNNER_HOST, CORRAL_RUNNER_SOCKET,
     CORRAL_RUNNER_ROOT, CORRAL_RUNNER_TOKEN, CORRAL_RUNNER_MAX_BODY_BYTES,
     CORRAL_RUNNER_TASK_COMMAND, CORRAL_RUNNER_EXEC_HELPER (auto|off),
     SANDBOX_EXEC_TIMEOUT_SECONDS`;
var FLAGS = [
  "mode",
  "port",
  "host",
  "socket",
  "root",
  "max-body-bytes",
  "max-upload-bytes",
  "output-buffer-bytes",
  "token-file",
  "token-file-once"
];
function int(value, what, min, max = Number.MAX_SAFE_INTEGER) {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${what} must be an integer between ${min} and ${max}, got "${value}"`);
  }
  return Number(value);
}
function parseConfig(argv2, env, cwd, readFile = readTokenFile, removeFile = unlinkSync) {
  const flags = /* @__PURE__ */ new Map();
  for (let i = 0; i < argv2.length; i++) {
    const arg = argv2[i];
    if (!arg.startsWith("--")) throw new ConfigError(`unexpected argument "${arg}"
${USAGE}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? void 0 : eq);
    if (name === "token") {
      throw new ConfigError(
        "--token is not accepted (argv is visible to every process); set CORRAL_RUNNER_TOKEN or use --token-file"
      );
    }
    if (!FLAGS.includes(name)) {
      throw new ConfigError(`unknown flag "--${name}"
${USAGE}`);
    }
    let value;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = argv2[++i];
    if (value === void 0) throw new ConfigError(`flag "--${name}" needs a value`);
    flags.set(name, value);
  }
  const pick = (flag, envName) => {
    const v = flags.get(flag) ?? env[envName];
    return v === "" ? void 0 : v;
  };
  const mode = pick("mode", "CORRAL_RUNNER_MODE") ?? "oneshot";
  if (mode !== "oneshot" && mode !== "serve") {
    throw new ConfigError(`--mode must be "oneshot" or "serve", got "${mode}"`);
  }
  const portRaw = pick("port", "CORRAL_RUNNER_PORT");
  const socket = pick("socket", "CORRAL_RUNNER_SOCKET");
  let token = env.CORRAL_RUNNER_TOKEN === "" ? void 0 : env.CORRAL_RUNNER_TOKEN;
  const tokenFile = flags.get("token-file");
  if (tokenFile !== void 0) {
    try {
      token = readFile(tokenFile).trim();
    } catch (error) {
      throw new ConfigError(`cannot read --token-file "${tokenFile}": ${error.message}`);
    }
    if (token === "") throw new ConfigError(`--token-file "${tokenFile}" is empty`);
  }
  const onceFile = flags.get("token-file-once");
  if (onceFile !== void 0) {
    try {
      token = readFile(onceFile).trim();
      removeFile(onceFile);
    } catch (error) {
      throw new ConfigError(
        `cannot read and remove --token-file-once "${onceFile}": ${error.message}`
      );
    }
    if (token === "") throw new ConfigError(`--token-file-once "${onceFile}" is empty`);
  }
  const execTimeout = env.SANDBOX_EXEC_TIMEOUT_SECONDS;
  const execNumber = execTimeout?.trim() ? Number(execTimeout) : NaN;
  const execSeconds = Number.isFinite(execNumber) && execNumber > 0 ? execNumber : 300;
  const maxBody = pick("max-body-bytes", "CORRAL_RUNNER_MAX_BODY_BYTES");
  const maxUpload = pick("max-upload-bytes", "CORRAL_RUNNER_MAX_UPLOAD_BYTES");
  const outBuf = pick("output-buffer-bytes", "CORRAL_RUNNER_OUTPUT_BUFFER_BYTES");
  const taskCommand = env.CORRAL_RUNNER_TASK_COMMAND;
  const execHelper = env.CORRAL_RUNNER_EXEC_HELPER || "auto";
  if (execHelper !== "auto" && execHelper !== "off") {
    throw new ConfigError(`CORRAL_RUNNER_EXEC_HELPER must be "auto" or "off", got "${execHelper}"`);
  }
  return {
    mode,
    host: pick("host", "CORRAL_RUNNER_HOST") ?? "0.0.0.0",
    port: portRaw === void 0 ? RUNNER_DEFAULT_PORT : int(portRaw, "--port", 0, 65535),
    ...socket !== void 0 ? { socket } : {},
    root: pick("root", "CORRAL_RUNNER_ROOT") ?? cwd,
    ...token !== void 0 ? { token } : {},
    maxBodyBytes: maxBody === void 0 ? 1024 * 1024 : int(maxBody, "--max-body-bytes", 1),
    maxUploadBytes: maxUpload === void 0 ? 256 * 1024 * 1024 : int(maxUpload, "--max-upload-bytes", 1),
    outputBufferBytes: outBuf === void 0 ? 16 * 1024 * 1024 : int(outBuf, "--output-buffer-bytes", 1024),
    ...taskCommand ? { taskCommand } : {},
    legacyExecTimeoutMs: Math.max(1, Math.round(execSeconds * 1e3)),
    execHelper
  };
}

// src/log.ts
function stdoutLogger(write = (l) => process.stdout.write(l)) {
  return {
    log(level, msg, fields = {}) {
      write(JSON.stringify({ time: (/* @__PURE__ */ new Date()).toISOString(), level, msg, ...fields }) + "\n");
    }
  };
}

// src/server.ts
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { unlink as unlink3 } from "node:fs/promises";

// src/fs-root.ts
import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

// src/http/errors.ts
var HttpError = class extends Error {
  status;
  code;
  headers;
  /** More fields for the JSON body, beside `code` and `message` (e.g. FastAPI's `detail`). */
  extra = {};
  constructor(status, code, message, headers = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
};
function withBody(error, extra) {
  error.extra = { ...error.extra, ...extra };
  return error;
}
function invalidArgument(message) {
  return new HttpError(400, "INVALID_ARGUMENT", message);
}
function notFound(message) {
  return new HttpError(404, "NOT_FOUND", message);
}
function errnoCode(error) {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : void 0;
}
function fsError(error, what) {
  switch (errnoCode(error)) {
    case "ENOENT":
      return new HttpError(404, "NOT_FOUND", `${what}: no such file or directory`);
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new HttpError(403, "PERMISSION_DENIED", `${what}: permission denied`);
    case "ENOTDIR":
      return new HttpError(400, "NOT_A_DIRECTORY", `${what}: a parent is not a directory`);
    case "EISDIR":
      return new HttpError(400, "IS_A_DIRECTORY", `${what} is a directory`);
    case "ENOTEMPTY":
      return new HttpError(
        409,
        "DIRECTORY_NOT_EMPTY",
        `${what} is a non-empty directory; pass recursive=true to remove it with its contents`
      );
    case "EEXIST":
      return new HttpError(409, "ALREADY_EXISTS", `${what} already exists`);
    default:
      return new HttpError(
        500,
        "INTERNAL",
        `${what}: ${error instanceof Error ? error.message : String(error)}`
      );
  }
}

// src/fs-root.ts
function inside(root, candidate) {
  const r = relative(root, candidate);
  return r === "" || !r.startsWith(".." + sep) && r !== ".." && !isAbsolute(r);
}
function outside(input) {
  return new HttpError(
    403,
    "PATH_OUTSIDE_ROOT",
    `path "${input}" resolves outside the sandbox root; use a path relative to the root without ".." escaping it`
  );
}
var FsRoot = class _FsRoot {
  constructor(root, realRoot) {
    this.root = root;
    this.realRoot = realRoot;
  }
  root;
  realRoot;
  static async open(root) {
    const abs = resolve(root);
    return new _FsRoot(abs, await realpath(abs));
  }
  /**
   * `follow: true` resolves the path itself too (reads, stat, list); `false` resolves only its
   * parent, so the last component may be a symlink that is replaced or removed, never followed.
   */
  async resolve(input, opts) {
    if (input.includes("\0")) throw invalidArgument("path must not contain NUL bytes");
    let lexical;
    if (isAbsolute(input)) {
      lexical = resolve(input);
      if (inside(this.realRoot, lexical)) {
      } else if (inside(this.root, lexical)) {
        lexical = join(this.realRoot, relative(this.root, lexical));
      } else {
        throw outside(input);
      }
    } else {
      lexical = resolve(this.realRoot, input);
      if (!inside(this.realRoot, lexical)) throw outside(input);
    }
    const rest = [];
    let existing = lexical;
    if (!opts.follow && lexical !== this.realRoot) {
      rest.push(basename(lexical));
      existing = dirname(lexical);
    }
    let real;
    for (; ; ) {
      try {
        real = await realpath(existing);
        break;
      } catch (error) {
        const code = errnoCode(error);
        if (code !== "ENOENT" && code !== "ENOTDIR" || existing === this.realRoot) throw error;
        rest.unshift(basename(existing));
        existing = dirname(existing);
      }
    }
    const abs = rest.length > 0 ? join(real, ...rest) : real;
    if (!inside(this.realRoot, abs)) throw outside(input);
    return { abs, rel: relative(this.realRoot, abs).split(sep).join("/") };
  }
};
function decodeUrlPath(raw) {
  try {
    return raw.split("/").map((segment) => decodeURIComponent(segment)).join("/");
  } catch {
    throw invalidArgument(`path "${raw}" is not valid percent-encoding`);
  }
}

// src/http/linger.ts
var DEFAULT_LINGER = {
  maxMs: 1e4,
  idleMs: 2e3,
  maxBytes: 128 * 1024 * 1024
};
function lingerAfterAnswer(req, res, limits = DEFAULT_LINGER) {
  const socket = req.socket;
  if (req.complete || socket.destroyed) return;
  if (!res.headersSent) res.setHeader("connection", "close");
  let discarded = 0;
  let idle;
  let total;
  const stop = () => {
    clearTimeout(idle);
    clearTimeout(total);
    socket.destroy();
  };
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(stop, limits.idleMs).unref();
  };
  req.on("data", (chunk) => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) stop();
    else armIdle();
  });
  req.resume();
  socket.once("close", () => {
    clearTimeout(idle);
    clearTimeout(total);
  });
  socket.destroySoon = () => {
    socket.end();
    armIdle();
    total = setTimeout(stop, limits.maxMs).unref();
  };
}

// src/http/respond.ts
function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers
  });
  res.end(text);
}
function sendEmpty(res, status = 204) {
  res.writeHead(status);
  res.end();
}
function drained(res) {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve2) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve2();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
function closed(res) {
  if (res.destroyed || res.writableFinished) return Promise.resolve();
  return new Promise((resolve2) => res.once("close", () => resolve2()));
}

// src/http/router.ts
var Router = class {
  routes = [];
  add(method, pattern, handler, opts = {}) {
    this.routes.push({
      method,
      pattern,
      segments: pattern.split("/").slice(1),
      handler,
      ...opts.public ? { public: true } : {}
    });
    return this;
  }
  /** The route table, for documentation checks. */
  definitions() {
    return this.routes.map(({ method, pattern, public: isPublic }) => ({
      method,
      pattern,
      ...isPublic ? { public: true } : {}
    }));
  }
  /** Finds the route; throws 404 when no path matches and 405 when only the method differs. */
  match(method, path) {
    const parts = path.split("/").slice(1);
    const allowed = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) {
      throw withBody(
        new HttpError(
          405,
          "METHOD_NOT_ALLOWED",
          `${method} is not allowed on ${path}; allowed: ${allowed.join(", ")}`,
          { allow: allowed.join(", ") }
        ),
        { detail: "Method Not Allowed" }
      );
    }
    throw withBody(new HttpError(404, "NOT_FOUND", `no route for ${method} ${path}`), {
      detail: "Not Found"
    });
  }
};
function matchSegments(pattern, parts) {
  const params = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i];
    if (seg.startsWith("*")) {
      params[seg.slice(1)] = parts.slice(i).join("/");
      return params;
    }
    const part = parts[i];
    if (part === void 0) return void 0;
    if (seg.startsWith(":")) {
      if (part === "") return void 0;
      params[seg.slice(1)] = part;
    } else if (seg !== part) {
      return void 0;
    }
  }
  return parts.length === pattern.length ? params : void 0;
}

// src/exec-helper/spawner.ts
import { spawn as spawn2 } from "node:child_process";

// src/exec-helper/exec-helper.ts
import { spawn } from "node:child_process";

// src/exec-helper/helper-child.ts
import { EventEmitter } from "node:events";
import { constants } from "node:os";
import { Readable, Writable } from "node:stream";

// src/exec-helper/helper-source.ts
var FRAME = {
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
  ready: 17
};
var HELPER_SOURCE = String.raw`
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

// src/exec-helper/helper-child.ts
var SIGNAL_NAMES = /* @__PURE__ */ new Map();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);
}
var HelperChild = class extends EventEmitter {
  constructor(n, file, args, send) {
    super();
    this.n = n;
    this.file = file;
    this.args = args;
    this.send = send;
    const output = () => {
      const stream = new Readable({
        read: () => {
          if (this.paused) {
            this.paused = false;
            this.send(FRAME.resume, n);
          }
        },
        destroy: (error, callback) => {
          this.send(FRAME.detach, n);
          callback(error);
        }
      });
      stream.once("end", () => this.streamEnded());
      return stream;
    };
    this.stdout = output();
    this.stderr = output();
    this.stdin = new Writable({
      write: (chunk, _encoding, callback) => {
        this.acks.push(callback);
        this.send(FRAME.stdin, n, chunk);
      },
      final: (callback) => {
        this.send(FRAME.stdinEnd, n);
        callback();
      }
    });
  }
  n;
  file;
  args;
  send;
  pid;
  exitCode = null;
  signalCode = null;
  stdout;
  stderr;
  stdin;
  acks = [];
  paused = false;
  exited = false;
  ended = 0;
  closeEmitted = false;
  kill(signal = "SIGTERM") {
    if (this.exited || this.pid === void 0) return false;
    const number = typeof signal === "number" ? signal : constants.signals[signal];
    if (number === void 0) return false;
    this.send(FRAME.kill, this.n, Buffer.from(String(number)));
    return true;
  }
  /** Handles one frame the helper sent about this command. */
  frame(type, payload) {
    switch (type) {
      case FRAME.spawned:
        this.pid = Number(payload.toString());
        this.emit("spawn");
        break;
      case FRAME.spawnFailed:
        this.emit("error", this.spawnError(payload));
        break;
      case FRAME.stdout:
      case FRAME.stderr: {
        const stream = type === FRAME.stdout ? this.stdout : this.stderr;
        if (!stream.destroyed && !stream.push(payload) && !this.paused) {
          this.paused = true;
          this.send(FRAME.pause, this.n);
        }
        break;
      }
      case FRAME.stdinWritten:
        this.acks.shift()?.();
        break;
      case FRAME.exit: {
        const body = JSON.parse(payload.toString());
        this.exit(body.code, body.signal === null ? null : SIGNAL_NAMES.get(body.signal) ?? null);
        break;
      }
      case FRAME.closed:
        this.closeStreams();
        break;
    }
  }
  /** The helper died: the command was SIGKILLed (by the caller) and is reported so. */
  helperDied(notice) {
    if (this.pid === void 0) {
      this.emit(
        "error",
        Object.assign(new Error(`${notice}; the command was not started`), {
          code: "EXEC_HELPER_DIED"
        })
      );
      return;
    }
    if (!this.stderr.destroyed) this.stderr.push(Buffer.from(`corral-runner: ${notice}
`));
    if (!this.exited) this.exit(null, "SIGKILL");
    this.closeStreams();
  }
  exit(code, signal) {
    this.exited = true;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit("exit", code, signal);
    this.maybeClose();
  }
  closeStreams() {
    for (const ack of this.acks.splice(0)) ack();
    this.stdin.destroy();
    for (const stream of [this.stdout, this.stderr]) {
      if (stream.destroyed) this.streamEnded();
      else stream.push(null);
    }
  }
  streamEnded() {
    this.ended++;
    this.maybeClose();
  }
  maybeClose() {
    if (this.closeEmitted || !this.exited || this.ended < 2) return;
    this.closeEmitted = true;
    this.emit("close", this.exitCode, this.signalCode);
  }
  spawnError(payload) {
    const body = JSON.parse(payload.toString());
    return Object.assign(new Error(`spawn ${this.file} ${body.code}`), {
      errno: -body.errno,
      code: body.code,
      syscall: `spawn ${this.file}`,
      path: this.file,
      spawnargs: this.args
    });
  }
};

// src/exec-helper/exec-helper.ts
var HEADER_BYTES = 9;
var BOOTSTRAP = "import os,sys;n=int(sys.argv[1]);b=bytearray();[b.extend(os.read(0,n-len(b)) or sys.exit(3)) for _ in iter(lambda:len(b)<n,False)];exec(bytes(b))";
var PYTHONS = ["/usr/bin/python3", "/usr/local/bin/python3", "python3"];
function encodeSpawn(argv2, options) {
  const fields = [String(argv2.length), ...argv2, options.cwd];
  for (const [k, v] of Object.entries(options.env)) if (v !== void 0) fields.push(`${k}=${v}`);
  const bad = fields.find((f) => f.includes("\0"));
  if (bad !== void 0) {
    const error = new TypeError(
      `The argument, working directory or environment entry ${JSON.stringify(bad.slice(0, 80))} contains a null byte; remove it`
    );
    error.code = "ERR_INVALID_ARG_VALUE";
    throw error;
  }
  return Buffer.from(fields.join("\0"));
}
var ExecHelper = class _ExecHelper {
  constructor(proc, logger2) {
    this.proc = proc;
    this.logger = logger2;
    proc.stdin.on("error", () => void 0);
    proc.stdout.on("data", (chunk) => this.receive(chunk));
    proc.once("exit", (code, signal) => this.died(code, signal));
  }
  proc;
  logger;
  children = /* @__PURE__ */ new Map();
  next = 1;
  pending = Buffer.alloc(0);
  alive = true;
  closing = false;
  /** Starts the helper; undefined when no interpreter here can run it (the caller spawns). */
  static async start(logger2, pythons = PYTHONS) {
    for (const python of pythons) {
      const helper = await _ExecHelper.tryStart(python, logger2);
      if (helper) return helper;
    }
    return void 0;
  }
  static tryStart(python, logger2) {
    return new Promise((resolve2) => {
      const source = Buffer.from(HELPER_SOURCE);
      const proc = spawn(python, ["-I", "-S", "-c", BOOTSTRAP, String(source.length)], {
        env: {},
        stdio: ["pipe", "pipe", "pipe"]
      });
      proc.stdin.on("error", () => void 0);
      proc.stdin.write(source);
      let stderr = "";
      proc.stderr.on("data", (d) => stderr = (stderr + d.toString()).slice(-2048));
      const fail = () => {
        proc.stdout.off("data", onData);
        resolve2(void 0);
      };
      const onData = (chunk) => {
        proc.stdout.off("data", onData);
        proc.off("exit", fail);
        proc.off("error", fail);
        if (chunk.length < HEADER_BYTES || chunk[4] !== FRAME.ready) {
          proc.kill("SIGKILL");
          resolve2(void 0);
          return;
        }
        const helper = new _ExecHelper(proc, logger2);
        if (chunk.length > HEADER_BYTES) helper.receive(chunk.subarray(HEADER_BYTES));
        logger2?.log("info", "exec helper ready", { python, pid: proc.pid });
        resolve2(helper);
      };
      proc.once("error", fail);
      proc.once("exit", fail);
      proc.stdout.on("data", onData);
    });
  }
  get usable() {
    return this.alive && !this.closing;
  }
  get pid() {
    return this.proc.pid;
  }
  spawn(file, args, options) {
    const n = this.next++;
    const child = new HelperChild(
      n,
      file,
      args,
      (type, id, payload) => this.send(type, id, payload)
    );
    this.children.set(n, child);
    child.once("close", () => this.children.delete(n));
    child.once("error", () => this.children.delete(n));
    this.send(FRAME.spawn, n, encodeSpawn([file, ...args], options));
    return child;
  }
  /** Ends the helper (it SIGKILLs the groups it still watches when its stdin closes). */
  close() {
    this.closing = true;
    if (!this.alive) return Promise.resolve();
    const exited = new Promise((resolve2) => this.proc.once("exit", () => resolve2()));
    this.proc.stdin.end();
    return exited;
  }
  send(type, n, payload = Buffer.alloc(0)) {
    if (!this.alive) return;
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt8(type, 4);
    header.writeUInt32BE(n, 5);
    this.proc.stdin.write(payload.length > 0 ? Buffer.concat([header, payload]) : header);
  }
  receive(chunk) {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= HEADER_BYTES) {
      const size = buf.readUInt32BE(0);
      if (buf.length < HEADER_BYTES + size) break;
      const type = buf.readUInt8(4);
      const n = buf.readUInt32BE(5);
      const payload = buf.subarray(HEADER_BYTES, HEADER_BYTES + size);
      buf = buf.subarray(HEADER_BYTES + size);
      this.children.get(n)?.frame(type, payload);
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }
  died(code, signal) {
    this.alive = false;
    const notice = `the exec helper exited (${signal ?? `exit ${code}`}); the command was killed`;
    if (!this.closing) this.logger?.log("error", "exec helper died", { code, signal });
    for (const child of [...this.children.values()]) {
      if (child.pid !== void 0 && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
        }
      }
      child.helperDied(notice);
    }
    this.children.clear();
  }
};

// src/exec-helper/spawner.ts
var HELPER_WAIT_MS = 1e3;
var Spawner = class {
  constructor(mode = "auto", logger2) {
    this.mode = mode;
    this.logger = logger2;
  }
  mode;
  logger;
  helper;
  starting;
  closed = false;
  /** Starts the helper in the background (once); commands spawn directly until it is up. */
  warm() {
    if (this.mode === "off" || this.closed) return Promise.resolve();
    this.starting ??= ExecHelper.start(this.logger).then((helper) => {
      if (this.closed) return helper?.close();
      this.helper = helper;
      if (!helper) this.logger?.log("info", "exec helper unavailable; commands use spawn");
      return void 0;
    });
    return this.starting;
  }
  /**
   * Resolves once a helper being started is up or known to be unavailable (at most
   * HELPER_WAIT_MS), so the first command of a new sandbox also starts through it: a spawned
   * command's oom_score_adj can only be raised after it runs, and what it forks at once would keep
   * the runner's (W14); the helper's children inherit the helper's score.
   */
  settled() {
    if (this.starting === void 0 || this.helper !== void 0 || this.closed) {
      return Promise.resolve();
    }
    return Promise.race([
      this.starting.then(
        () => void 0,
        () => void 0
      ),
      new Promise((resolve2) => setTimeout(resolve2, HELPER_WAIT_MS).unref())
    ]);
  }
  /** The helper's pid while it serves commands. */
  get helperPid() {
    return this.helper?.usable ? this.helper.pid : void 0;
  }
  spawn(file, args, options) {
    if (this.helper?.usable) return this.helper.spawn(file, args, options);
    return spawn2(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"]
    });
  }
  async close() {
    this.closed = true;
    await this.starting;
    await this.helper?.close();
  }
};

// src/processes.ts
import { randomBytes } from "node:crypto";
import { isUtf8 } from "node:buffer";
import { constants as constants2 } from "node:os";

// src/idle-gc.ts
var COMMANDS_PER_GC = 500;
var IDLE_GC_MS = 2e3;
var IdleGc = class {
  constructor(gc = globalThis.gc, clock = globalThis) {
    this.gc = gc;
    this.clock = clock;
  }
  gc;
  clock;
  exited = 0;
  timer;
  /** Called when a command exited. */
  commandExited() {
    const gc = this.gc;
    if (gc === void 0) return;
    if (++this.exited % COMMANDS_PER_GC === 0) setImmediate(gc);
    if (this.timer !== void 0) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = void 0;
      gc();
    }, IDLE_GC_MS);
    this.timer.unref();
  }
};

// src/oom.ts
import { writeFileSync } from "node:fs";
var COMMAND_OOM_SCORE_ADJ = 1e3;
function raiseOomScore(pid) {
  if (pid === void 0) return;
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(COMMAND_OOM_SCORE_ADJ));
  } catch {
  }
}

// src/pty.ts
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync as readFileSync2 } from "node:fs";
var MAX_PTY_DIMENSION = 1e4;
var SCRIPTS = ["/usr/bin/script", "/bin/script"];
var STTYS = ["/usr/bin/stty", "/bin/stty"];
var PTS_MAJOR_FIRST = 136;
var PTS_MAJOR_LAST = 143;
function firstExisting(paths) {
  return paths.find((p) => existsSync(p));
}
function shQuote(word) {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
var PtyUnavailableError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "PtyUnavailableError";
  }
};
function ptyLaunch(command, env, size) {
  const script = firstExisting(SCRIPTS);
  if (script === void 0) {
    throw new PtyUnavailableError(
      `PTY mode needs util-linux "script" (looked for ${SCRIPTS.join(", ")}); install util-linux in the sandbox image`
    );
  }
  const target = command.cmd ? command.cmd.map(shQuote).join(" ") : `/bin/sh -c ${shQuote(command.shell ?? "")}`;
  const shell = env.SHELL === void 0 ? "unset SHELL" : `export SHELL=${shQuote(env.SHELL)}`;
  const inner = `stty rows ${size.rows} cols ${size.cols} 2>/dev/null; ${shell}; exec ${target}`;
  return {
    file: script,
    // -q no banner, -f flush each write, -e exit with the command's status, /dev/null no typescript
    args: ["-qfec", inner, "/dev/null"],
    env: { TERM: "xterm-256color", ...env, SHELL: "/bin/sh" }
  };
}
function ptyChildPid(scriptPid) {
  try {
    const listed = readFileSync2(`/proc/${scriptPid}/task/${scriptPid}/children`, "utf8").trim();
    const first = Number(listed.split(" ")[0]);
    if (first > 0) return first;
  } catch {
  }
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    if (fields && Number(fields[1]) === scriptPid) return Number(name);
  }
  return void 0;
}
function statFields(pid) {
  try {
    const stat5 = readFileSync2(`/proc/${pid}/stat`, "utf8");
    return stat5.slice(stat5.lastIndexOf(")") + 2).split(" ");
  } catch {
    return void 0;
  }
}
function ptyOf(childPid) {
  const fields = statFields(childPid);
  if (!fields) return void 0;
  const ttyNr = Number(fields[4]);
  const major = ttyNr >> 8 & 4095;
  const minor = ttyNr & 255 | ttyNr >> 12 & 1048320;
  if (major < PTS_MAJOR_FIRST || major > PTS_MAJOR_LAST) return void 0;
  return {
    path: `/dev/pts/${(major - PTS_MAJOR_FIRST) * 256 + minor}`,
    foregroundPgid: Number(fields[5])
  };
}
function resizeTerminal(path, size, signal) {
  const stty = firstExisting(STTYS);
  if (stty === void 0) {
    return Promise.reject(
      new PtyUnavailableError(`resizing a pty needs "stty" (looked for ${STTYS.join(", ")})`)
    );
  }
  return new Promise((resolve2, reject) => {
    execFile(
      stty,
      ["-F", path, "rows", String(size.rows), "cols", String(size.cols)],
      { ...signal ? { signal } : {}, env: {} },
      (error, _stdout, stderr) => {
        if (error)
          reject(new PtyUnavailableError(`stty -F ${path}: ${stderr.trim() || error.message}`));
        else resolve2();
      }
    );
  });
}

// src/processes.ts
var MAX_RETAINED_EXITED = 256;
var PIPE_DRAIN_GRACE_MS = 200;
var PRIVATE_ENV = ["CORRAL_RUNNER_TOKEN"];
function isSignalName(name) {
  return Object.prototype.hasOwnProperty.call(constants2.signals, name);
}
function signalNumber(name) {
  return constants2.signals[name] ?? 0;
}
var ManagedProcess = class {
  id;
  pid;
  spec;
  startedAt = /* @__PURE__ */ new Date();
  status = "running";
  exitCode = null;
  signal = null;
  timedOut = false;
  endedAt = null;
  outputBytes = 0;
  droppedBytes = 0;
  stdinOpen = true;
  exited;
  child;
  bufferLimit;
  events = [];
  head = 0;
  baseSeq = 0;
  nextSeqValue = 0;
  bufferBytes = 0;
  waiters = /* @__PURE__ */ new Set();
  outputListeners = /* @__PURE__ */ new Set();
  timeoutTimer;
  drainTimer;
  drainGraceOver = () => void 0;
  outputPaused = false;
  resolveExited;
  t0 = performance.now();
  constructor(id, child, spec, bufferLimit) {
    this.id = id;
    this.child = child;
    this.pid = child.pid;
    this.spec = { ...spec };
    this.bufferLimit = bufferLimit;
    this.exited = new Promise((resolve2) => this.resolveExited = resolve2);
    this.push({ type: "start", seq: 0, id, pid: this.pid });
    if (spec.onOutput) this.outputListeners.add(spec.onOutput);
    child.stdout.on("data", (chunk) => this.output("stdout", chunk));
    child.stderr.on("data", (chunk) => this.output("stderr", chunk));
    child.stdin.on("error", () => {
    });
    child.stdin.on("close", () => this.stdinOpen = false);
    let finished = false;
    let exitInfo;
    const finish = () => {
      if (finished || !exitInfo) return;
      finished = true;
      clearTimeout(this.timeoutTimer);
      clearTimeout(this.drainTimer);
      this.finish(exitInfo.code, exitInfo.signal);
    };
    child.on("exit", (code, signal) => {
      exitInfo = { code, signal };
      this.armDrainGrace();
    });
    child.on("close", finish);
    this.drainGraceOver = () => {
      if (finished) return;
      child.stdout.destroy();
      child.stderr.destroy();
      finish();
    };
    if (spec.stdin !== void 0 && spec.stdin.length > 0) child.stdin.write(spec.stdin);
    delete this.spec.stdin;
    if (!spec.keepStdinOpen) child.stdin.end();
    if (spec.timeoutMs !== void 0) {
      this.timeoutTimer = setTimeout(() => {
        this.timedOut = true;
        this.kill("SIGKILL");
      }, spec.timeoutMs);
    }
  }
  get nextSeq() {
    return this.nextSeqValue;
  }
  get firstSeq() {
    return this.baseSeq;
  }
  get stdin() {
    return this.child.stdin;
  }
  info() {
    const ended = this.endedAt;
    return {
      id: this.id,
      pid: this.pid,
      ...this.spec.pty ? { pty: { ...this.spec.pty } } : {},
      ...this.spec.cmd ? { cmd: this.spec.cmd } : {},
      ...this.spec.shell !== void 0 ? { shell: this.spec.shell } : {},
      cwd: this.spec.cwdRel,
      status: this.status,
      exitCode: this.exitCode,
      signal: this.signal,
      timedOut: this.timedOut,
      startedAt: this.startedAt.toISOString(),
      endedAt: ended ? ended.toISOString() : null,
      durationMs: ended ? ended.getTime() - this.startedAt.getTime() : null,
      nextSeq: this.nextSeqValue,
      firstSeq: this.baseSeq,
      outputBytes: this.outputBytes,
      droppedBytes: this.droppedBytes,
      stdinOpen: this.stdinOpen && this.status === "running"
    };
  }
  onOutput(listener) {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }
  /** Events from `cursor` on; `gap` counts events already dropped before the first returned. */
  eventsFrom(cursor) {
    const from = Math.max(cursor, this.baseSeq);
    const start = this.head + (from - this.baseSeq);
    return { gap: from - cursor, events: this.events.slice(start) };
  }
  /** Resolves when an event with `seq >= cursor` exists (at once if one does). */
  waitFor(cursor) {
    if (cursor < this.nextSeqValue) return Promise.resolve();
    return new Promise((resolve2) => this.waiters.add(resolve2));
  }
  /** Stops reading output so the child blocks on a full pipe (backpressure from a slow reader). */
  pauseOutput() {
    this.outputPaused = true;
    clearTimeout(this.drainTimer);
    this.child.stdout.pause();
    this.child.stderr.pause();
  }
  resumeOutput() {
    this.outputPaused = false;
    if (this.drainTimer !== void 0) this.armDrainGrace();
    this.child.stdout.resume();
    this.child.stderr.resume();
  }
  /** (Re)starts the wait for the pipes after the exit; held while the output is paused. */
  armDrainGrace() {
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(() => {
      if (!this.outputPaused) this.drainGraceOver();
    }, PIPE_DRAIN_GRACE_MS);
    this.drainTimer.unref();
  }
  /**
   * The command on the pty and its terminal (`script` is our pid; the command is its child, in a
   * session of its own). Undefined before `script` forked it or after it exited.
   */
  ptyTarget() {
    if (!this.spec.pty || this.status === "exited") return void 0;
    const pid = ptyChildPid(this.pid);
    const tty = pid === void 0 ? void 0 : ptyOf(pid);
    return pid === void 0 || tty === void 0 ? void 0 : { pid, ...tty };
  }
  /** Signals the whole process group. False when the process already exited. */
  kill(signal = "SIGKILL") {
    if (this.status === "exited") return false;
    const target = this.ptyTarget();
    if (target) {
      let reached = false;
      for (const pgid of /* @__PURE__ */ new Set([target.pid, target.foregroundPgid])) {
        try {
          if (pgid > 0) process.kill(-pgid, signal);
          reached = true;
        } catch {
        }
      }
      if (reached) return true;
    }
    try {
      process.kill(-this.pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        return false;
      }
    }
    return true;
  }
  output(stream, chunk) {
    this.outputBytes += chunk.length;
    for (const listener of this.outputListeners) listener(stream, chunk);
    const utf8 = isUtf8(chunk);
    this.push({
      type: stream,
      seq: 0,
      data: chunk.toString(utf8 ? "utf8" : "base64"),
      ...utf8 ? {} : { encoding: "base64" }
    });
  }
  finish(code, signal) {
    this.status = "exited";
    this.exitCode = code;
    this.signal = signal;
    this.endedAt = /* @__PURE__ */ new Date();
    this.stdinOpen = false;
    const event = {
      type: "exit",
      seq: 0,
      exitCode: code,
      signal,
      timedOut: this.timedOut,
      durationMs: Math.round((performance.now() - this.t0) * 1e3) / 1e3
    };
    this.push(event);
    this.outputListeners.clear();
    delete this.spec.onOutput;
    this.resolveExited({ ...event, seq: this.nextSeqValue - 1 });
  }
  push(event) {
    event.seq = this.nextSeqValue++;
    const line = JSON.stringify(event);
    this.events.push({ event, line });
    this.bufferBytes += line.length;
    while (this.bufferBytes > this.bufferLimit && this.events.length - this.head > 1) {
      const dropped = this.events[this.head];
      this.head++;
      this.baseSeq++;
      this.bufferBytes -= dropped.line.length;
      if (dropped.event.type === "stdout" || dropped.event.type === "stderr") {
        this.droppedBytes += dropped.line.length;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    const waiters = this.waiters;
    this.waiters = /* @__PURE__ */ new Set();
    for (const wake of waiters) wake();
  }
};
var ProcessManager = class {
  constructor(bufferLimit = DEFAULT_OUTPUT_BUFFER_BYTES, spawner = new Spawner(), idleGc = new IdleGc()) {
    this.bufferLimit = bufferLimit;
    this.spawner = spawner;
    this.idleGc = idleGc;
  }
  bufferLimit;
  spawner;
  idleGc;
  procs = /* @__PURE__ */ new Map();
  /** Starts a process; rejects with the spawn error (e.g. ENOENT) if it could not start. */
  async start(spec) {
    await this.spawner.settled();
    const id = spec.id ?? randomBytes(8).toString("hex");
    if (this.procs.has(id)) throw new Error(`a command with id "${id}" exists`);
    const env = { ...process.env, ...spec.env };
    for (const name of PRIVATE_ENV) delete env[name];
    const [file, args] = spec.cmd ? [spec.cmd[0], spec.cmd.slice(1)] : ["/bin/sh", ["-c", spec.shell ?? ""]];
    const launch = spec.pty ? ptyLaunch(spec, env, spec.pty) : { file, args, env };
    const child = this.spawner.spawn(launch.file, launch.args, { cwd: spec.cwd, env: launch.env });
    raiseOomScore(child.pid);
    return new Promise((resolve2, reject) => {
      let spawned = false;
      child.on("error", (error) => {
        if (!spawned) reject(error);
      });
      child.once("spawn", () => {
        spawned = true;
        const proc = new ManagedProcess(id, child, spec, this.bufferLimit);
        this.procs.set(id, proc);
        void proc.exited.then(() => {
          this.evictExited();
          this.idleGc.commandExited();
        });
        resolve2(proc);
      });
    });
  }
  get(id) {
    return this.procs.get(id);
  }
  list() {
    return [...this.procs.values()];
  }
  remove(id) {
    const proc = this.procs.get(id);
    if (!proc) return false;
    proc.kill("SIGKILL");
    this.procs.delete(id);
    return true;
  }
  running() {
    return this.list().filter((p) => p.status === "running");
  }
  /** Signals every running group; after `graceMs`, SIGKILLs what is left. Resolves when all exited. */
  async stopAll(graceMs) {
    const running = this.running();
    for (const proc of running) proc.kill("SIGTERM");
    const timer = setTimeout(() => {
      for (const proc of running) proc.kill("SIGKILL");
    }, graceMs);
    await Promise.all(running.map((p) => p.exited));
    clearTimeout(timer);
  }
  evictExited() {
    const exited = this.list().filter((p) => p.status === "exited");
    for (const proc of exited.slice(0, Math.max(0, exited.length - MAX_RETAINED_EXITED))) {
      this.procs.delete(proc.id);
    }
  }
};

// src/routes/commands.ts
import { pipeline } from "node:stream/promises";

// src/http/body.ts
function readBody(req, limit) {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve2, reject) => {
    const chunks = [];
    let size = 0;
    const done = (error) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", done);
      req.off("close", onClose);
      if (error) reject(error);
      else resolve2(Buffer.concat(chunks, size));
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        done(tooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onClose = () => done(new Error("the client closed the connection while sending the body"));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", done);
    req.on("close", onClose);
  });
}
function tooLarge(limit) {
  return new HttpError(
    413,
    "BODY_TOO_LARGE",
    `request body exceeds ${limit} bytes; raise the runner's --max-body-bytes or send less`
  );
}
async function readJson(req, limit) {
  const body = await readBody(req, limit);
  if (body.length === 0)
    throw new HttpError(400, "INVALID_JSON", "request body is empty; send a JSON object");
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new HttpError(
      400,
      "INVALID_JSON",
      `request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`
    );
  }
}

// src/validate.ts
function requireObject(value, what = "request body") {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidArgument(`${what} must be a JSON object`);
  }
  return value;
}
function rejectUnknown(body, allowed, what = "request body") {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw invalidArgument(`${what} has unknown field "${key}"; allowed: ${allowed.join(", ")}`);
    }
  }
}
function str(body, field, opts = {}) {
  const value = body[field];
  if (value === void 0) {
    if (opts.required) throw invalidArgument(`field "${field}" is required (a string)`);
    return void 0;
  }
  if (typeof value !== "string") throw invalidArgument(`field "${field}" must be a string`);
  if (opts.nonEmpty && value.length === 0)
    throw invalidArgument(`field "${field}" must not be empty`);
  return value;
}
function bool(body, field) {
  const value = body[field];
  if (value === void 0) return void 0;
  if (typeof value !== "boolean") throw invalidArgument(`field "${field}" must be true or false`);
  return value;
}
function positiveInt(body, field) {
  const value = body[field];
  if (value === void 0) return void 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw invalidArgument(`field "${field}" must be a positive integer (milliseconds)`);
  }
  return value;
}
function argv(body, field) {
  const value = body[field];
  if (value === void 0) return void 0;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string")) {
    throw invalidArgument(`field "${field}" must be a non-empty array of strings (argv)`);
  }
  if (value[0] === "") throw invalidArgument(`field "${field}[0]" (the program) must not be empty`);
  return value;
}
function envMap(body, field) {
  const value = body[field];
  if (value === void 0) return void 0;
  const obj = requireObject(value, `field "${field}"`);
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== "string") throw invalidArgument(`field "${field}.${k}" must be a string`);
    if (k.length === 0 || k.includes("=") || k.includes("\0")) {
      throw invalidArgument(`field "${field}" has an invalid variable name "${k}"`);
    }
  }
  return obj;
}

// src/routes/cwd.ts
import { stat } from "node:fs/promises";
import { isAbsolute as isAbsolute2, normalize } from "node:path";
async function resolveCwd(deps, cwd) {
  const resolved = sandboxTmp(cwd) ?? await deps.fsRoot.resolve(cwd ?? "", { follow: true });
  let isDir;
  try {
    isDir = (await stat(resolved.abs)).isDirectory();
  } catch (error) {
    throw fsError(error, `cwd "${cwd}"`);
  }
  if (!isDir) throw new HttpError(400, "NOT_A_DIRECTORY", `cwd "${cwd}" is not a directory`);
  return resolved;
}
function sandboxTmp(cwd) {
  if (cwd === void 0 || !isAbsolute2(cwd)) return void 0;
  const abs = normalize(cwd);
  if (abs !== "/tmp" && !abs.startsWith("/tmp/")) return void 0;
  return { abs, rel: abs };
}

// src/routes/pty.ts
function dimension(body, field, what) {
  const value = body[field];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PTY_DIMENSION) {
    throw invalidArgument(
      `field "${what}.${field}" must be an integer from 1 to ${MAX_PTY_DIMENSION} (terminal ${field})`
    );
  }
  return value;
}
function parsePtySize(value, what) {
  if (value === void 0) return void 0;
  const body = requireObject(value, `field "${what}"`);
  rejectUnknown(body, ["cols", "rows"], `field "${what}"`);
  return { cols: dimension(body, "cols", what), rows: dimension(body, "rows", what) };
}
function registerPtyRoutes(router, deps, getProc2) {
  router.add("POST", "/v1/commands/:id/resize", async ({ req, res, params }) => {
    const proc = getProc2(deps, params.id);
    const size = parsePtySize(await readJson(req, deps.maxBodyBytes), "body");
    if (!proc.spec.pty) {
      throw new HttpError(
        409,
        "NOT_A_PTY",
        `command "${proc.id}" has no terminal to resize; start it with "pty": { "cols", "rows" }`
      );
    }
    if (proc.status === "exited") {
      throw new HttpError(409, "PROCESS_NOT_RUNNING", `command "${proc.id}" already exited`);
    }
    const target = proc.ptyTarget();
    if (!target) {
      throw new HttpError(
        409,
        "PTY_NOT_READY",
        `command "${proc.id}" is not on its terminal yet (or left it); retry the resize`
      );
    }
    try {
      await resizeTerminal(target.path, size);
    } catch (error) {
      throw new HttpError(
        409,
        "PTY_NOT_READY",
        `could not resize the terminal of command "${proc.id}": ${error.message}`
      );
    }
    sendJson(res, 200, { ...proc.info(), pty: size });
  });
}

// src/routes/commands.ts
var START_FIELDS = [
  "cmd",
  "shell",
  "env",
  "cwd",
  "stdin",
  "stdinEncoding",
  "keepStdinOpen",
  "timeoutMs",
  "background",
  "pty"
];
var NDJSON = {
  contentType: "application/x-ndjson",
  line: (json) => json + "\n"
};
var SSE = {
  contentType: "text/event-stream",
  line: (json, seq, type) => `id: ${seq}
event: ${type}
data: ${json}

`
};
function formatFor(req) {
  return (req.headers.accept ?? "").includes("text/event-stream") ? SSE : NDJSON;
}
async function streamEvents(proc, req, res, opts) {
  const fmt = formatFor(req);
  if (!res.headersSent) {
    res.writeHead(200, {
      "content-type": fmt.contentType,
      "cache-control": "no-store",
      "x-corral-command-id": proc.id
    });
  }
  const isClosed = closed(res);
  let done = false;
  void isClosed.then(() => done = true);
  let seq = opts.cursor;
  while (!done) {
    const { gap, events } = proc.eventsFrom(seq);
    let chunk = "";
    if (gap > 0) {
      const event = { type: "gap", seq, droppedEvents: gap };
      chunk += fmt.line(JSON.stringify(event), seq, "gap");
      seq += gap;
    }
    let sawExit = false;
    for (const stored of events) {
      chunk += fmt.line(stored.line, stored.event.seq, stored.event.type);
      seq = stored.event.seq + 1;
      if (stored.event.type === "exit") sawExit = true;
    }
    if (chunk.length > 0 && !res.write(chunk)) {
      if (opts.primary) proc.pauseOutput();
      await drained(res);
      if (opts.primary) proc.resumeOutput();
    }
    if (sawExit || !opts.follow) break;
    await Promise.race([proc.waitFor(seq), isClosed]);
  }
  if (!res.destroyed) res.end();
}
function getProc(deps, id) {
  const proc = deps.procs.get(id);
  if (!proc) {
    throw notFound(`no command with id "${id}"; list the known ones with GET /v1/commands`);
  }
  return proc;
}
function parseCursor(value) {
  if (value === null) return 0;
  if (!/^\d+$/.test(value)) {
    throw invalidArgument(
      `query "cursor" must be a non-negative integer (an event seq), got "${value}"`
    );
  }
  return Number(value);
}
function decodeStdin(body) {
  const stdin = str(body, "stdin");
  const encoding = str(body, "stdinEncoding");
  if (encoding !== void 0 && encoding !== "utf8" && encoding !== "base64") {
    throw invalidArgument('field "stdinEncoding" must be "utf8" or "base64"');
  }
  if (stdin === void 0) return void 0;
  return Buffer.from(stdin, encoding === "base64" ? "base64" : "utf8");
}
async function parseStartRequest(deps, raw) {
  const body = requireObject(raw);
  rejectUnknown(body, START_FIELDS);
  const cmd = argv(body, "cmd");
  const shell = str(body, "shell", { nonEmpty: true });
  if (cmd === void 0 === (shell === void 0)) {
    throw invalidArgument(
      'exactly one of "cmd" (argv array) and "shell" (string for /bin/sh -c) is required'
    );
  }
  const env = envMap(body, "env");
  const timeoutMs = positiveInt(body, "timeoutMs");
  const stdin = decodeStdin(body);
  const pty = parsePtySize(body.pty, "pty");
  const keepStdinOpen = bool(body, "keepStdinOpen") ?? (pty ? true : void 0);
  const background = bool(body, "background") ?? false;
  const cwd = await resolveCwd(deps, str(body, "cwd"));
  const spec = {
    ...cmd ? { cmd } : {},
    ...shell !== void 0 ? { shell } : {},
    ...env ? { env } : {},
    cwd: cwd.abs,
    cwdRel: cwd.rel,
    ...stdin ? { stdin } : {},
    ...keepStdinOpen !== void 0 ? { keepStdinOpen } : {},
    ...timeoutMs !== void 0 ? { timeoutMs } : {},
    ...pty ? { pty } : {}
  };
  return { spec, background };
}
async function startOrThrow(deps, spec) {
  try {
    return await deps.procs.start(spec);
  } catch (error) {
    const program = spec.cmd ? spec.cmd[0] : "/bin/sh";
    throw new HttpError(
      422,
      "SPAWN_FAILED",
      `could not start "${program}": ${error instanceof Error ? error.message : String(error)}`
    );
  }
}
function registerCommandRoutes(router, deps) {
  router.add("POST", "/v1/commands", async ({ req, res }) => {
    const { spec, background } = await parseStartRequest(
      deps,
      await readJson(req, deps.maxBodyBytes)
    );
    const proc = await startOrThrow(deps, spec);
    deps.logger.log("info", "command started", { id: proc.id, pid: proc.pid, background });
    if (background) {
      sendJson(res, 201, proc.info(), { location: `/v1/commands/${proc.id}` });
      return;
    }
    res.once("close", () => {
      if (proc.status === "running") proc.kill("SIGKILL");
    });
    await streamEvents(proc, req, res, { cursor: 0, follow: true, primary: true });
  });
  router.add("GET", "/v1/commands", ({ res }) => {
    sendJson(res, 200, { commands: deps.procs.list().map((p) => p.info()) });
  });
  router.add("GET", "/v1/commands/:id", ({ res, params }) => {
    sendJson(res, 200, getProc(deps, params.id).info());
  });
  router.add("DELETE", "/v1/commands/:id", async ({ res, params }) => {
    const proc = getProc(deps, params.id);
    deps.procs.remove(params.id);
    await proc.exited;
    sendEmpty(res);
  });
  router.add("GET", "/v1/commands/:id/output", async ({ req, res, params, query }) => {
    const proc = getProc(deps, params.id);
    const cursor = parseCursor(query.get("cursor"));
    const follow = query.get("follow") !== "false";
    await streamEvents(proc, req, res, { cursor, follow, primary: false });
  });
  router.add("POST", "/v1/commands/:id/stdin", async ({ req, res, params, query }) => {
    const proc = getProc(deps, params.id);
    if (proc.status === "exited") {
      throw new HttpError(409, "PROCESS_NOT_RUNNING", `command "${proc.id}" already exited`);
    }
    if (!proc.stdinOpen || proc.stdin.writableEnded || proc.stdin.destroyed) {
      throw new HttpError(
        409,
        "STDIN_CLOSED",
        `stdin of command "${proc.id}" is closed; start it with keepStdinOpen: true to write later`
      );
    }
    await pipeline(req, proc.stdin, { end: false });
    if (query.get("eof") === "true") proc.stdin.end();
    sendEmpty(res);
  });
  router.add("DELETE", "/v1/commands/:id/stdin", ({ res, params }) => {
    const proc = getProc(deps, params.id);
    proc.stdin.end();
    sendEmpty(res);
  });
  registerPtyRoutes(router, deps, getProc);
  router.add("POST", "/v1/commands/:id/kill", async ({ req, res, params }) => {
    const proc = getProc(deps, params.id);
    const length = Number(req.headers["content-length"] ?? 0);
    const chunked = req.headers["transfer-encoding"] !== void 0;
    const body = length > 0 || chunked ? requireObject(await readJson(req, deps.maxBodyBytes)) : {};
    rejectUnknown(body, ["signal"]);
    const signal = str(body, "signal", { nonEmpty: true }) ?? "SIGKILL";
    const name = signal.startsWith("SIG") ? signal : `SIG${signal}`;
    if (!isSignalName(name)) {
      throw invalidArgument(
        `field "signal" must be a signal name such as SIGTERM or SIGKILL, got "${signal}"`
      );
    }
    if (!proc.kill(name)) {
      throw new HttpError(409, "PROCESS_NOT_RUNNING", `command "${proc.id}" already exited`);
    }
    sendJson(res, 202, proc.info());
  });
}

// src/routes/files.ts
import { createReadStream } from "node:fs";
import { chmod as chmod2, lstat as lstat2, rm, rmdir, stat as stat3, unlink as unlink2 } from "node:fs/promises";
import { pipeline as pipeline3 } from "node:stream/promises";

// src/files.ts
import { randomBytes as randomBytes2 } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, readdir, rename, stat as stat2, unlink } from "node:fs/promises";
import { basename as basename2, dirname as dirname2, join as join2 } from "node:path";
import { pipeline as pipeline2 } from "node:stream/promises";
function fileType(st) {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "directory";
  if (st.isSymbolicLink()) return "symlink";
  return "other";
}
function entryOf(name, st) {
  return {
    name,
    type: fileType(st),
    size: st.size,
    mode: "0" + (st.mode & 4095).toString(8).padStart(3, "0"),
    modifiedAt: st.mtime.toISOString()
  };
}
function statOf(resolved, st) {
  return { ...entryOf(resolved.rel === "" ? "" : basename2(resolved.abs), st), path: resolved.rel };
}
function parseMode(raw) {
  if (raw === null) return void 0;
  if (!/^0?[0-7]{3,4}$/.test(raw) || parseInt(raw, 8) > 4095) {
    throw invalidArgument(`query "mode" must be octal permission bits such as 0644, got "${raw}"`);
  }
  return parseInt(raw, 8);
}
async function mkdirp(fsRoot, resolved, shown2) {
  try {
    await mkdir(resolved.abs, { recursive: true });
  } catch (error) {
    throw fsError(error, shown2);
  }
  await fsRoot.resolve(resolved.abs, { follow: true });
}
async function listDir(resolved, shown2) {
  let names;
  try {
    names = await readdir(resolved.abs);
  } catch (error) {
    throw fsError(error, shown2);
  }
  const entries = await Promise.all(
    names.map(async (name) => {
      try {
        return entryOf(name, await lstat(join2(resolved.abs, name)));
      } catch {
        return void 0;
      }
    })
  );
  return entries.filter((e) => e !== void 0).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
async function writeAtomic(fsRoot, input, source, mode) {
  const target = await fsRoot.resolve(input, { follow: false });
  if (target.rel === "")
    throw invalidArgument("cannot write to the root directory itself; name a file");
  const parent = await fsRoot.resolve(dirname2(target.abs), { follow: true });
  await mkdirp(fsRoot, parent, `parent of "${input}"`);
  let existing;
  try {
    existing = await lstat(target.abs);
  } catch {
    existing = void 0;
  }
  if (existing?.isDirectory()) {
    throw new HttpError(
      400,
      "IS_A_DIRECTORY",
      `"${input}" is a directory; write to a file path inside it`
    );
  }
  const temp = join2(
    dirname2(target.abs),
    `.${basename2(target.abs)}.${randomBytes2(6).toString("hex")}.corral-tmp`
  );
  const fileMode = mode ?? (existing?.isFile() ? existing.mode & 4095 : 420);
  try {
    const out = createWriteStream(temp, {
      mode: fileMode,
      flags: "wx",
      highWaterMark: 1024 * 1024
    });
    if (Buffer.isBuffer(source)) {
      await new Promise((resolve2, reject) => {
        out.on("error", reject);
        out.end(source, () => resolve2());
      });
    } else {
      await pipeline2(source, out);
    }
    await chmod(temp, fileMode);
    await rename(temp, target.abs);
  } catch (error) {
    await unlink(temp).catch(() => {
    });
    if (error instanceof HttpError) throw error;
    throw fsError(error, `"${input}"`);
  }
  return { stat: statOf(target, await stat2(target.abs)), created: existing === void 0 };
}
async function statPath(resolved, shown2) {
  try {
    return await stat2(resolved.abs);
  } catch (error) {
    throw fsError(error, shown2);
  }
}

// src/routes/files.ts
function parseRange(header, size) {
  if (header === void 0) return void 0;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || m[1] === "" && m[2] === "") return void 0;
  let start;
  let end;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return void 0;
  }
  if (start >= size) throw unsatisfiable(size);
  return { start, end };
}
function unsatisfiable(size) {
  return new HttpError(
    416,
    "RANGE_NOT_SATISFIABLE",
    `range is outside the file (size ${size} bytes)`,
    { "content-range": `bytes */${size}` }
  );
}
function shown(path) {
  return `"${path === "" ? "/" : path}"`;
}
function registerFileRoutes(router, deps) {
  const { fsRoot } = deps;
  const readFile = async ({ req, res, params }, head) => {
    const path = decodeUrlPath(params.path);
    const resolved = await fsRoot.resolve(path, { follow: true });
    const st = await statPath(resolved, shown(path));
    const common = {
      "accept-ranges": "bytes",
      "last-modified": st.mtime.toUTCString(),
      "x-corral-file-type": st.isDirectory() ? "directory" : st.isFile() ? "file" : "other",
      "x-corral-file-mode": "0" + (st.mode & 4095).toString(8).padStart(3, "0")
    };
    if (head) {
      res.writeHead(200, { ...common, "content-length": st.isFile() ? st.size : 0 });
      res.end();
      return;
    }
    if (st.isDirectory()) {
      throw new HttpError(
        400,
        "IS_A_DIRECTORY",
        `${shown(path)} is a directory; list it with GET /v1/dirs/{path}`
      );
    }
    const range = parseRange(req.headers.range, st.size);
    const headers = {
      ...common,
      "content-type": "application/octet-stream"
    };
    if (range) {
      headers["content-range"] = `bytes ${range.start}-${range.end}/${st.size}`;
      headers["content-length"] = range.end - range.start + 1;
      res.writeHead(206, headers);
    } else {
      headers["content-length"] = st.size;
      res.writeHead(200, headers);
    }
    if (st.size === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(resolved.abs, {
      highWaterMark: 1024 * 1024,
      ...range ? { start: range.start, end: range.end } : {}
    });
    await pipeline3(stream, res).catch(() => res.destroy());
  };
  router.add("GET", "/v1/files/*path", (ctx) => readFile(ctx, false));
  router.add("HEAD", "/v1/files/*path", (ctx) => readFile(ctx, true));
  router.add("PUT", "/v1/files/*path", async ({ req, res, params, query }) => {
    const path = decodeUrlPath(params.path);
    const mode = parseMode(query.get("mode"));
    const { stat: result, created } = await writeAtomic(fsRoot, path, req, mode);
    sendJson(res, created ? 201 : 200, result);
  });
  router.add("DELETE", "/v1/files/*path", async ({ res, params, query }) => {
    const path = decodeUrlPath(params.path);
    const recursive = query.get("recursive") === "true";
    const resolved = await fsRoot.resolve(path, { follow: false });
    if (resolved.rel === "") throw invalidArgument("cannot remove the root directory itself");
    let st;
    try {
      st = await lstat2(resolved.abs);
    } catch (error) {
      throw fsError(error, shown(path));
    }
    try {
      if (!st.isDirectory()) await unlink2(resolved.abs);
      else if (recursive) await rm(resolved.abs, { recursive: true, force: true });
      else await rmdir(resolved.abs);
    } catch (error) {
      throw fsError(error, shown(path));
    }
    sendEmpty(res);
  });
  router.add("GET", "/v1/stat/*path", async ({ res, params }) => {
    const path = decodeUrlPath(params.path);
    const resolved = await fsRoot.resolve(path, { follow: true });
    sendJson(res, 200, statOf(resolved, await statPath(resolved, shown(path))));
  });
  router.add("GET", "/v1/dirs/*path", async ({ res, params }) => {
    const path = decodeUrlPath(params.path);
    const resolved = await fsRoot.resolve(path, { follow: true });
    const st = await statPath(resolved, shown(path));
    if (!st.isDirectory()) {
      throw new HttpError(400, "NOT_A_DIRECTORY", `${shown(path)} is not a directory`);
    }
    sendJson(res, 200, { path: resolved.rel, entries: await listDir(resolved, shown(path)) });
  });
  router.add("PUT", "/v1/dirs/*path", async ({ res, params, query }) => {
    const path = decodeUrlPath(params.path);
    const mode = parseMode(query.get("mode"));
    const resolved = await fsRoot.resolve(path, { follow: false });
    let existed = false;
    try {
      const st = await stat3(resolved.abs);
      if (!st.isDirectory()) {
        throw new HttpError(409, "ALREADY_EXISTS", `${shown(path)} exists and is not a directory`);
      }
      existed = true;
    } catch (error) {
      if (error instanceof HttpError) throw error;
    }
    if (!existed) {
      await mkdirp(fsRoot, await fsRoot.resolve(path, { follow: true }), shown(path));
      if (mode !== void 0)
        await chmod2(resolved.abs, mode).catch((e) => {
          throw fsError(e, shown(path));
        });
    }
    const final = await fsRoot.resolve(path, { follow: true });
    sendJson(res, existed ? 200 : 201, statOf(final, await statPath(final, shown(path))));
  });
}

// src/version.ts
var RUNNER_VERSION = "0.1.0";

// src/routes/health.ts
function registerHealthRoutes(router, deps) {
  router.add(
    "GET",
    "/healthz",
    ({ res }) => {
      sendJson(res, 200, {
        status: "ok",
        mode: deps.mode,
        uptimeMs: Date.now() - deps.startedAt,
        version: RUNNER_VERSION
      });
    },
    { public: true }
  );
}

// src/routes/legacy.ts
import { createReadStream as createReadStream2 } from "node:fs";
import { lstat as lstat3 } from "node:fs/promises";
import { pipeline as pipeline4 } from "node:stream/promises";

// src/multipart.ts
function boundaryOf(contentType) {
  const m = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(
    contentType ?? ""
  );
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) {
    throw invalidArgument(
      'content-type must be multipart/form-data with a boundary and a "file" part'
    );
  }
  return boundary;
}
function param(disposition, key) {
  const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(disposition) ?? new RegExp(`;\\s*${key}=([^;\\s]+)`, "i").exec(disposition);
  return m?.[1]?.replace(/\\(.)/g, "$1");
}
function parseMultipart(body, boundary) {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw invalidArgument("multipart body has no part boundary");
  for (; ; ) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === "--") break;
    if (body.subarray(pos, pos + 2).toString() === "\r\n") pos += 2;
    const headerEnd = body.indexOf("\r\n\r\n", pos);
    if (headerEnd < 0) throw invalidArgument("multipart part has no header terminator");
    const headers = body.subarray(pos, headerEnd).toString("utf8");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) throw invalidArgument("multipart body is truncated (no closing boundary)");
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? "";
    parts.push({
      name: param(disposition, "name"),
      filename: param(disposition, "filename"),
      data: body.subarray(headerEnd + 4, next)
    });
    pos = next + 2;
  }
  return parts;
}

// src/shlex.ts
function shlexSplit(input) {
  const out = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === " " || c === "	" || c === "\n" || c === "\r") {
      if (inWord) out.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new Error("No closing quotation");
      word += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (; ; ) {
        if (i >= input.length) throw new Error("No closing quotation");
        const d = input[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === "\\" && i + 1 < input.length && '\\"$`\n'.includes(input[i + 1])) {
          word += input[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === "\\") {
      if (i + 1 >= input.length) throw new Error("No escaped character");
      word += input[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(word);
  return out;
}

// src/routes/python-compat.ts
function validationError(detail, message) {
  return withBody(new HttpError(422, "INVALID_ARGUMENT", message), { detail: [detail] });
}
async function readModelBody(req, limit) {
  const raw = (await readBody(req, limit)).toString("utf8");
  if (raw.length === 0) {
    throw validationError(
      { type: "missing", loc: ["body"], msg: "Field required", input: null },
      "request body is empty; send a JSON object"
    );
  }
  let value;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(text);
    throw validationError(
      {
        type: "json_invalid",
        loc: ["body", position ? Number(position[1]) : 0],
        msg: "JSON decode error",
        input: {},
        ctx: { error: text }
      },
      `request body is not valid JSON: ${text}`
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw validationError(
      {
        type: "model_attributes_type",
        loc: ["body"],
        msg: "Input should be a valid dictionary or object to extract fields from",
        input: value
      },
      "request body must be a JSON object"
    );
  }
  return value;
}
function requiredString(body, field) {
  const value = body[field];
  if (value === void 0) {
    throw validationError(
      { type: "missing", loc: ["body", field], msg: "Field required", input: body },
      `field "${field}" is required (a string)`
    );
  }
  if (typeof value !== "string") {
    throw validationError(
      {
        type: "string_type",
        loc: ["body", field],
        msg: "Input should be a valid string",
        input: value
      },
      `field "${field}" must be a string`
    );
  }
  return value;
}
function pyRepr(value) {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    const code = ch.codePointAt(0);
    if (ch === "\\" || ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "	") out += "\\t";
    else if (code < 32 || code === 127) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}
function pyListRepr(values) {
  return `[${values.map(pyRepr).join(", ")}]`;
}
function pyFloat(value) {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
function pyExecError(error, program) {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  if (code === "ENOENT") return `[Errno 2] No such file or directory: ${pyRepr(program)}`;
  if (code === "EACCES") return `[Errno 13] Permission denied: ${pyRepr(program)}`;
  return error instanceof Error ? error.message : String(error);
}
function contentDisposition(name) {
  if (/^[\x20-\x7e]*$/.test(name) && !/["\\]/.test(name)) {
    return `attachment; filename="${name}"`;
  }
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/gu, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
function baseRelative(path) {
  return path.replace(/^\/+/, "");
}

// src/routes/legacy.ts
async function confined(deps, path) {
  try {
    return await deps.fsRoot.resolve(baseRelative(path), { follow: true });
  } catch (error) {
    if (error instanceof HttpError && error.code === "PATH_OUTSIDE_ROOT") {
      throw new HttpError(403, "PATH_OUTSIDE_ROOT", "Access denied");
    }
    throw error;
  }
}
async function execute(deps, command) {
  let argv2;
  try {
    argv2 = shlexSplit(command);
    if (argv2.length === 0) throw new Error("empty command");
  } catch (error) {
    return {
      stdout: "",
      stderr: `Failed to execute command: ${error.message}`,
      exit_code: 1
    };
  }
  let proc;
  const out = [];
  const err = [];
  try {
    proc = await deps.procs.start({
      cmd: argv2,
      cwd: deps.fsRoot.realRoot,
      cwdRel: "",
      timeoutMs: deps.legacyExecTimeoutMs,
      onOutput: (stream, chunk) => (stream === "stdout" ? out : err).push(chunk)
    });
  } catch (error) {
    return {
      stdout: "",
      stderr: `Failed to execute command: ${pyExecError(error, argv2[0])}`,
      exit_code: 1
    };
  }
  const exit = await proc.exited;
  deps.procs.remove(proc.id);
  const stdout = Buffer.concat(out).toString("utf8");
  const stderr = Buffer.concat(err).toString("utf8");
  if (exit.timedOut) {
    const seconds = pyFloat(deps.legacyExecTimeoutMs / 1e3);
    return {
      stdout: "",
      stderr: `Failed to execute command: Command '${pyListRepr(argv2)}' timed out after ${seconds} seconds`,
      exit_code: 1
    };
  }
  return { stdout, stderr, exit_code: exit.exitCode ?? 1 };
}
function registerLegacyRoutes(router, deps) {
  router.add("GET", "/", ({ res }) => {
    sendJson(res, 200, { status: "ok", message: "Sandbox Runtime is active." });
  });
  router.add("POST", "/execute", async ({ req, res }) => {
    const command = requiredString(await readModelBody(req, deps.maxBodyBytes), "command");
    sendJson(res, 200, await execute(deps, command));
  });
  router.add("POST", "/upload", async ({ req, res }) => {
    const missing = () => validationError(
      { type: "missing", loc: ["body", "file"], msg: "Field required", input: null },
      'multipart/form-data field "file" with a filename (the destination path) is required'
    );
    const contentType = req.headers["content-type"] ?? "";
    if (!/^multipart\/form-data\b/i.test(contentType)) throw missing();
    const boundary = boundaryOf(contentType);
    const parts = parseMultipart(await readBody(req, deps.maxUploadBytes), boundary);
    const file = parts.find((p) => p.name === "file");
    if (!file?.filename) throw missing();
    try {
      await writeAtomic(deps.fsRoot, baseRelative(file.filename), file.data, void 0);
    } catch (error) {
      if (error instanceof HttpError && error.code === "PATH_OUTSIDE_ROOT") {
        throw new HttpError(403, "PATH_OUTSIDE_ROOT", "Access denied");
      }
      throw error;
    }
    sendJson(res, 200, { message: `File '${file.filename}' uploaded successfully.` });
  });
  router.add("GET", "/download/*path", async ({ res, params }) => {
    const resolved = await confined(deps, decodeUrlPath(params.path));
    const st = await lstat3(resolved.abs).catch(() => void 0);
    if (!st?.isFile()) throw new HttpError(404, "NOT_FOUND", "File not found");
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": st.size,
      "content-disposition": contentDisposition(resolved.rel.split("/").pop() || "file")
    });
    await pipeline4(createReadStream2(resolved.abs, { highWaterMark: 1024 * 1024 }), res).catch(
      () => res.destroy()
    );
  });
  router.add("GET", "/list/*path", async ({ res, params }) => {
    const resolved = await confined(deps, decodeUrlPath(params.path));
    const st = await lstat3(resolved.abs).catch(() => void 0);
    if (!st?.isDirectory()) throw new HttpError(404, "NOT_FOUND", "Path is not a directory");
    const entries = await listDir(resolved, params.path);
    const legacy = entries.map((e) => ({
      name: e.name,
      size: e.size,
      type: e.type === "directory" ? "directory" : "file",
      mod_time: Date.parse(e.modifiedAt) / 1e3
    }));
    sendJson(res, 200, legacy);
  });
  router.add("GET", "/exists/*path", async ({ res, params }) => {
    const path = decodeUrlPath(params.path);
    const resolved = await confined(deps, path);
    const exists = await lstat3(resolved.abs).then(
      () => true,
      () => false
    );
    sendJson(res, 200, { path, exists });
  });
}

// src/task-runner.ts
var TASK_COMMAND_ID = "task";
var TASK_FIELDS = ["taskID", "message", "command", "env", "cwd", "timeoutMs"];
function parseTaskRequest(raw) {
  const body = requireObject(raw);
  rejectUnknown(body, TASK_FIELDS);
  const taskID = str(body, "taskID", { required: true, nonEmpty: true });
  const message = str(body, "message", { required: true });
  let command;
  if (typeof body.command === "string") {
    command = str(body, "command", { nonEmpty: true });
  } else if (body.command !== void 0) {
    if (!Array.isArray(body.command)) {
      throw invalidArgument('field "command" must be an argv array of strings or a shell string');
    }
    command = argv(body, "command");
  }
  const env = envMap(body, "env");
  const cwd = str(body, "cwd");
  const timeoutMs = positiveInt(body, "timeoutMs");
  return {
    taskID,
    message,
    ...command !== void 0 ? { command } : {},
    ...env ? { env } : {},
    ...cwd !== void 0 ? { cwd } : {},
    ...timeoutMs !== void 0 ? { timeoutMs } : {}
  };
}
var Tail = class {
  chunks = [];
  size = 0;
  add(chunk) {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= TASK_OUTPUT_TAIL_BYTES) {
      this.size -= this.chunks.shift().length;
    }
  }
  text() {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - TASK_OUTPUT_TAIL_BYTES)).toString("utf8");
  }
};
var TaskRunner = class {
  constructor(procs, fsRoot, logger2, defaultCommand) {
    this.procs = procs;
    this.fsRoot = fsRoot;
    this.logger = logger2;
    this.defaultCommand = defaultCommand;
    this.done = new Promise((resolve2) => this.resolveDone = resolve2);
  }
  procs;
  fsRoot;
  logger;
  defaultCommand;
  state = "idle";
  claimed = false;
  task;
  commandId;
  result;
  resolveDone;
  /** Resolves with the result when the task ends. */
  done;
  status() {
    return {
      state: this.state,
      ...this.task ? { task: { taskID: this.task.taskID, message: this.task.message } } : {},
      ...this.commandId ? { commandId: this.commandId } : {},
      ...this.result ? { result: this.result } : {}
    };
  }
  get running() {
    return this.state === "running";
  }
  /**
   * Claims the runner for `task`, checks its cwd, and starts it in the background. Throws 409
   * when a task was already submitted; a failed cwd check releases the claim.
   */
  async submit(task) {
    if (this.claimed) {
      throw new HttpError(
        409,
        "TASK_ALREADY_ASSIGNED",
        `this runner already has task "${this.task?.taskID ?? "(pending)"}"; a runner takes one task per lifetime`
      );
    }
    this.claimed = true;
    let cwd;
    try {
      cwd = await this.fsRoot.resolve(task.cwd ?? "", { follow: true });
    } catch (error) {
      this.claimed = false;
      throw error;
    }
    this.task = task;
    this.state = "running";
    this.logger.log("info", "received task assignment", {
      taskID: task.taskID,
      message: task.message
    });
    const command = task.command ?? this.defaultCommand;
    const spec = {
      id: TASK_COMMAND_ID,
      ...Array.isArray(command) ? { cmd: command } : { shell: command ?? "" },
      env: { ...task.env, CORRAL_TASK_ID: task.taskID, CORRAL_TASK_MESSAGE: task.message },
      cwd: cwd.abs,
      cwdRel: cwd.rel,
      ...task.timeoutMs !== void 0 ? { timeoutMs: task.timeoutMs } : {}
    };
    void this.run(spec, command !== void 0);
  }
  async run(spec, hasCommand) {
    const startedAt = /* @__PURE__ */ new Date();
    const stdout = new Tail();
    const stderr = new Tail();
    let result;
    if (!hasCommand) {
      result = this.makeResult(
        startedAt,
        { exitCode: 0, signal: null, timedOut: false },
        stdout,
        stderr
      );
    } else {
      try {
        const taskID = this.task.taskID;
        const proc = await this.procs.start({
          ...spec,
          onOutput: (stream, chunk) => {
            (stream === "stdout" ? stdout : stderr).add(chunk);
            this.logger.log("info", "task output", {
              taskID,
              stream,
              data: chunk.toString("utf8")
            });
          }
        });
        this.commandId = proc.id;
        const exit = await proc.exited;
        result = this.makeResult(startedAt, exit, stdout, stderr);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        result = {
          ...this.makeResult(
            startedAt,
            { exitCode: null, signal: null, timedOut: false },
            stdout,
            stderr
          ),
          runnerExitCode: 127,
          error: `could not start the task's command: ${message}`
        };
      }
    }
    this.result = result;
    this.state = "exited";
    this.logger.log(result.runnerExitCode === 0 ? "info" : "warn", "task finished", {
      taskID: this.task.taskID,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      ...result.error ? { error: result.error } : {}
    });
    this.resolveDone(result);
  }
  makeResult(startedAt, exit, stdout, stderr) {
    const endedAt = /* @__PURE__ */ new Date();
    let runnerExitCode;
    if (exit.timedOut) runnerExitCode = 124;
    else if (exit.exitCode !== null) runnerExitCode = exit.exitCode;
    else if (exit.signal !== null) runnerExitCode = 128 + signalNumber(exit.signal);
    else runnerExitCode = 1;
    return {
      exitCode: exit.exitCode,
      signal: exit.signal,
      timedOut: exit.timedOut,
      runnerExitCode,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      stdoutTail: stdout.text(),
      stderrTail: stderr.text()
    };
  }
};

// src/routes/task.ts
var TASK_WAIT_DEFAULT_MS = 3e4;
var TASK_WAIT_MAX_MS = 3e5;
function registerTaskRoutes(router, deps) {
  router.add("POST", "/task", async ({ req, res }) => {
    const task = parseTaskRequest(await readJson(req, deps.maxBodyBytes));
    await deps.tasks.submit(task);
    sendJson(res, 202, { status: "accepted" });
  });
  router.add("GET", "/task", async ({ res, query }) => {
    const wait = query.get("wait");
    if (wait !== null && wait !== "true" && wait !== "false") {
      throw invalidArgument('query "wait" must be true or false');
    }
    if (wait === "true" && deps.tasks.status().state !== "exited") {
      const rawWait = query.get("waitMs");
      let waitMs = TASK_WAIT_DEFAULT_MS;
      if (rawWait !== null) {
        if (!/^\d+$/.test(rawWait))
          throw invalidArgument('query "waitMs" must be a non-negative integer');
        waitMs = Math.min(Number(rawWait), TASK_WAIT_MAX_MS);
      }
      let timer;
      await Promise.race([
        deps.tasks.done,
        closed(res),
        new Promise((resolve2) => timer = setTimeout(resolve2, waitMs))
      ]);
      clearTimeout(timer);
      if (res.destroyed) return;
    }
    sendJson(res, 200, deps.tasks.status());
  });
}

// src/server.ts
function digest(value) {
  return createHash("sha256").update(value).digest();
}
function authorized(req, expected) {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  return m !== null && timingSafeEqual(digest(m[1].trim()), expected);
}
function sendError(res, error, logger2) {
  const httpError = error instanceof HttpError ? error : new HttpError(500, "INTERNAL", error instanceof Error ? error.message : String(error));
  if (httpError.status >= 500) logger2.log("error", "request failed", { error: httpError.message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = {
    ...httpError.headers,
    "x-corral-error-code": httpError.code
  };
  if (httpError.status === 413) headers.connection = "close";
  sendJson(
    res,
    httpError.status,
    { ...httpError.extra, code: httpError.code, message: httpError.message },
    headers
  );
}
async function createRunnerServer(options) {
  const fsRoot = await FsRoot.open(options.root);
  const spawner = new Spawner(options.execHelper ?? "auto", options.logger);
  void spawner.warm();
  const procs = new ProcessManager(options.outputBufferBytes, spawner);
  const deps = {
    fsRoot,
    procs,
    tasks: new TaskRunner(procs, fsRoot, options.logger, options.taskCommand),
    logger: options.logger,
    maxBodyBytes: options.maxBodyBytes,
    maxUploadBytes: options.maxUploadBytes,
    mode: options.mode,
    startedAt: Date.now(),
    legacyExecTimeoutMs: options.legacyExecTimeoutMs
  };
  const router = new Router();
  registerHealthRoutes(router, deps);
  registerTaskRoutes(router, deps);
  registerCommandRoutes(router, deps);
  registerFileRoutes(router, deps);
  registerLegacyRoutes(router, deps);
  const expectedToken = options.token === void 0 ? void 0 : digest(options.token);
  let shuttingDown = false;
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65e3 }, (req, res) => {
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
    res.once("finish", () => {
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
    void (async () => {
      try {
        if (shuttingDown) throw new HttpError(503, "SHUTTING_DOWN", "the runner is shutting down");
        const { route, params } = router.match(req.method ?? "GET", path);
        if (expectedToken && !route.public && !authorized(req, expectedToken)) {
          throw new HttpError(
            401,
            "UNAUTHENTICATED",
            'missing or wrong bearer token; send "Authorization: Bearer <token>"',
            { "www-authenticate": "Bearer" }
          );
        }
        await route.handler({ req, res, params, query, path });
      } catch (error) {
        lingerAfterAnswer(req, res);
        sendError(res, error, options.logger);
      }
    })();
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  return {
    server,
    deps,
    routes: router.definitions(),
    async listen(target) {
      if ("socket" in target) {
        await unlink3(target.socket).catch(() => {
        });
        await new Promise((resolve2, reject) => {
          server.once("error", reject);
          server.listen(target.socket, () => {
            server.off("error", reject);
            resolve2();
          });
        });
        return `unix:${target.socket}`;
      }
      await new Promise((resolve2, reject) => {
        server.once("error", reject);
        server.listen(target.port, target.host, () => {
          server.off("error", reject);
          resolve2();
        });
      });
      const addr = server.address();
      const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      return `http://${host}:${addr.port}`;
    },
    async shutdown(graceMs = 2e3) {
      shuttingDown = true;
      const closed2 = new Promise((resolve2) => server.close(() => resolve2()));
      server.closeIdleConnections();
      await procs.stopAll(graceMs);
      await procs.spawner.close();
      setImmediate(() => server.closeIdleConnections());
      const timer = setTimeout(() => server.closeAllConnections(), 1e3);
      await closed2;
      clearTimeout(timer);
    }
  };
}

// src/main.ts
var logger = stdoutLogger();
async function main() {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env, process.cwd());
    if (!(await stat4(config.root).catch(() => void 0))?.isDirectory()) {
      throw new ConfigError(`--root "${config.root}" is not an existing directory`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`corral-runner: ${error.message}
`);
      process.exit(2);
    }
    throw error;
  }
  const runner = await createRunnerServer({
    mode: config.mode,
    root: config.root,
    ...config.token !== void 0 ? { token: config.token } : {},
    maxBodyBytes: config.maxBodyBytes,
    maxUploadBytes: config.maxUploadBytes,
    outputBufferBytes: config.outputBufferBytes,
    ...config.taskCommand !== void 0 ? { taskCommand: config.taskCommand } : {},
    legacyExecTimeoutMs: config.legacyExecTimeoutMs,
    execHelper: config.execHelper,
    logger
  });
  let exiting = false;
  const exit = async (code, reason) => {
    if (exiting) return;
    exiting = true;
    logger.log("info", "shutting down", { reason, exitCode: code });
    await runner.shutdown();
    process.exit(code);
  };
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      const interrupted = config.mode === "oneshot" && runner.deps.tasks.running;
      void exit(interrupted ? 128 + (signal === "SIGTERM" ? 15 : 2) : 0, signal);
    });
  }
  const address = await runner.listen(
    config.socket !== void 0 ? { socket: config.socket } : { host: config.host, port: config.port }
  );
  logger.log("info", "listening", {
    address,
    mode: config.mode,
    root: runner.deps.fsRoot.realRoot,
    auth: config.token !== void 0,
    pid: process.pid
  });
  if (config.mode === "oneshot") {
    logger.log("info", "waiting for task assignment");
    const result = await runner.deps.tasks.done;
    await exit(result.runnerExitCode, "task finished");
  }
}
main().catch((error) => {
  logger.log("error", "runner failed", {
    error: error instanceof Error ? error.message : String(error)
  });
  process.exit(1);
});
