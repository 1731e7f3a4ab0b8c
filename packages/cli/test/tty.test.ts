/**
 * `corral run -it -- bash` as a user types it, on a real terminal: the CLI runs under util-linux
 * `script`, which gives it a pty on stdin and stdout (no node-pty). The test types into that
 * terminal, resizes it with `stty -F` (the kernel sends the CLI SIGWINCH) and reads what the
 * terminal shows.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral, corralBin, expectNothingLeft, makeStateDir } from './helpers/corral.js';

let stateDir: string;
beforeAll(async () => {
  stateDir = await makeStateDir();
});
afterAll(async () => {
  expect(await expectNothingLeft(stateDir)).toEqual([]);
});

/** Generous: a session takes ~5 s here, 3-5x that on a loaded machine. */
const SESSION_LIMIT_MS = 90_000;
const TEST_TIMEOUT_MS = 120_000;

const quote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

interface Session {
  child: ChildProcessWithoutNullStreams;
  /** Everything the terminal showed so far. */
  screen: () => string;
  /** Resolves with the screen from `from` on once it contains `needle`. */
  until: (needle: string, from?: number) => Promise<string>;
  type: (text: string) => void;
  exited: Promise<number | null>;
}

/** `corral <args>` on a fresh terminal of rows x cols. */
function onTerminal(
  args: string[],
  size: { rows: number; cols: number },
  /** Shell run on the same terminal after the CLI exits (instead of exec'ing the CLI). */
  after?: string,
): Session {
  const cli = [process.execPath, corralBin, ...args].map(quote).join(' ');
  const inner = `stty rows ${size.rows} cols ${size.cols}; ${after === undefined ? `exec ${cli}` : `${cli}; ${after}`}`;
  const child = spawn('script', ['-qfec', inner, '/dev/null'], {
    env: { ...process.env, CORRAL_STATE_DIR: stateDir, NO_COLOR: '1', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const waiters = new Set<() => void>();
  const wakeAll = (): void => {
    for (const wake of waiters) wake();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
    wakeAll();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (screen += chunk));
  let closed = false;
  // A hung step ends the session well inside the test's timeout, so the failure shows the screen
  // (script hands SIGTERM to the CLI, which removes its sandbox) instead of a bare timeout.
  const watchdog = setTimeout(() => child.kill('SIGTERM'), SESSION_LIMIT_MS);
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(watchdog);
      closed = true;
      resolve(code);
      wakeAll();
    });
  });
  return {
    child,
    screen: () => screen,
    async until(needle, from = 0) {
      for (;;) {
        const seen = screen.slice(from);
        if (seen.includes(needle)) return seen;
        // 'close', not 'exit': the last output can arrive after the exit
        if (closed)
          throw new Error(
            `the terminal closed before showing ${JSON.stringify(needle)}: ${screen}`,
          );
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
    },
    type: (text) => void child.stdin.write(text),
    exited,
  };
}

/** The terminal `script` gave the CLI: script's child is the CLI (`exec` kept the pid). */
function cliTerminal(scriptPid: number): string {
  const children = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8');
  const cli = Number(children.trim().split(' ')[0]);
  return `/proc/${cli}/fd/0`;
}

/** The pid of the CLI under `script` (directly, or under the shell that runs `after`). */
function cliPid(pid: number): number | undefined {
  // argv[1], not anywhere: script's own argv holds the command line that names the CLI
  if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === corralBin) return pid;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  for (const child of children === '' ? [] : children.split(' ')) {
    const found = cliPid(Number(child));
    if (found !== undefined) return found;
  }
  return undefined;
}

describe('corral run -it', () => {
  it(
    'gives bash a terminal of the caller size, follows a resize, and exits with its code',
    async () => {
      const term = onTerminal(['run', '-it', '--', 'bash', '--norc', '--noprofile'], {
        rows: 30,
        cols: 100,
      });
      try {
        // $((…)) keeps the marker out of the echo of what was typed
        term.type('echo R$((40+2))\r');
        await term.until('R42');
        let mark = term.screen().length;
        term.type('tty; stty size; echo A$((1+1))\r');
        const first = await term.until('A2', mark);
        // libuv's raw mode keeps ONLCR, so the terminal's \r\n arrives as \r\r\n (looks the same)
        expect(first).toMatch(/\/dev\/pts\/\d+\r+\n30 100\r+\n/);

        // Only the rows change: stty sets rows and cols with one ioctl each, and an unchanged
        // dimension signals nothing, so the one SIGWINCH bash sees is the final size.
        mark = term.screen().length;
        await promisify(execFile)('stty', ['-F', cliTerminal(term.child.pid!), 'rows', '41']);
        // bash's readline redraws its prompt (clear to end of line) when SIGWINCH reaches it
        await term.until('\x1b[K', mark);
        mark = term.screen().length;
        term.type('stty size; echo B$((1+1))\r');
        expect(await term.until('B2', mark)).toMatch(/[\r\n]41 100\r+\n/);

        term.type('exit 3\r');
        expect(await term.exited).toBe(3);
      } finally {
        // a failed step must not leave the CLI (and its sandbox) running: script passes SIGTERM on
        if (term.child.exitCode === null) term.child.kill('SIGTERM');
        await term.exited;
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'Ctrl-C goes to the command, and the terminal is restored when Corral is killed',
    async () => {
      const term = onTerminal(
        ['run', '-it', '--', 'bash', '--norc', '--noprofile'],
        { rows: 24, cols: 80 },
        'echo "rc=$?"; stty -a',
      );
      try {
        term.type('echo R$((40+2))\r');
        await term.until('R42');
        // raw mode: Ctrl-C is a byte for the sandbox's terminal, which interrupts sleep, not Corral.
        // The marker comes from the foreground job itself (bash has handed it the terminal by
        // then); a marker echoed by bash before it forks could let ^C reach bash first.
        term.type("sh -c 'echo S$((1+1)); exec sleep 300'\r");
        await term.until('S2');
        let mark = term.screen().length;
        term.type('\x03');
        await term.until('^C', mark);
        mark = term.screen().length;
        term.type('echo C$((1+1))\r');
        await term.until('C2', mark);
        mark = term.screen().length;
        process.kill(cliPid(term.child.pid!)!, 'SIGTERM');
        const after = await term.until('extproc', mark);
        expect(after).toMatch(/rc=143\r+\n/);
        // the shell after Corral finds the terminal cooked again: canonical input and echo on
        expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
        expect(after).toMatch(/(^|\s)echo(\s|$)/m);
        expect(await term.exited).toBe(0);
      } finally {
        if (term.child.exitCode === null) term.child.kill('SIGTERM');
        await term.exited;
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'sandbox exec -t gives the command a terminal without forwarding input',
    async () => {
      const id = (await corral(['sandbox', 'create'], { stateDir })).stdout.trim();
      try {
        const term = onTerminal(
          ['sandbox', 'exec', '-t', id, '--', 'sh', '-c', 'stty size; echo E$((2+2)); exit 4'],
          { rows: 20, cols: 70 },
        );
        expect(await term.until('E4')).toMatch(/20 70\r+\nE4/);
        expect(await term.exited).toBe(4);
      } finally {
        await corral(['sandbox', 'rm', id], { stateDir });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it('-t without a terminal warns, runs without one and keeps the exit code', async () => {
    const run = await corral(['run', '-t', '--', 'sh', '-c', 'tty; exit 5'], { stateDir });
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('not a tty\n');
    expect(run.stderr).toContain('Warning: -t needs a terminal on stdin and stdout');
  });

  it('-t with --json is refused before a sandbox is made', async () => {
    const run = await corral(['run', '-t', '--json', '--', 'true'], { stateDir });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('use one of them');
  });
});
