/** `corral serve` as a child process (for kill -9): start it, read its URL and token. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  lines: string[];
  url: string;
  token: string;
  /** Resolves with the first line (seen or still to come) that matches `re`. */
  line(re: RegExp): Promise<string>;
}

export const served: ChildProcess[] = [];

/** Starts `corral serve` on a free port and reads its URL and token from what it prints. */
export async function serveProcess(stateDir: string): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@corral/source',
      '--import',
      'tsx',
      MAIN,
      'serve',
      '--port',
      '0',
      '--state-dir',
      stateDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  served.push(child);
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout });
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    rl.on('line', (line) => {
      lines.push(line);
      const token = /^Token(?: \(new\))?: (\S+)/.exec(line)?.[1];
      const url = lines.map((l) => /^Corral server on (\S+)/.exec(l)?.[1]).find(Boolean);
      if (token && url) resolve({ url, token });
    });
    child.once('exit', (code) =>
      reject(new Error(`corral serve exited with ${code}: ${lines.join('\n')}`)),
    );
  });
  const line = (re: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined) return resolve(seen);
      const onLine = (l: string) => {
        if (!re.test(l)) return;
        rl.off('line', onLine);
        resolve(l);
      };
      rl.on('line', onLine);
    });
  return { child, lines, line, ...(await ready) };
}

/** kill -9 and wait for the exit. */
export async function killHard(p: ServeProcess): Promise<void> {
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGKILL');
  await exited;
}
