/**
 * One server per state directory: `server.lock` holds the owner's pid. A lock whose pid is gone
 * (the server was killed) is taken over; a live one refuses to start a second server on the same
 * store, which would corrupt neither SQLite nor the sandboxes but would double-adopt runs.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockStateDir(stateDir: string): () => void {
  const file = join(stateDir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new ServerError(
          'STORE_LOCKED',
          `another corral serve (pid ${pid}) uses the state directory ${stateDir}; stop it or pass another --state-dir`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new ServerError('STORE_LOCKED', `cannot lock the state directory ${stateDir}`);
}
