/**
 * One work disk made ahead of time (docs/decisions/0049). Making a sandbox's work disk —
 * `mkfs.ext4` of its image and the loop mount — is a third of a cold create as root, and none
 * of it depends on the sandbox: a provider that created a sandbox before is likely to create
 * another, so after its second create it keeps one formatted, mounted, empty disk in a hidden
 * directory of the state dir, and the next create of that size renames the directory into
 * place instead of waiting for mkfs and mount. A one-shot caller (one create, then exit)
 * never pays for a spare it would not use.
 *
 * Nothing is left behind: `close()` releases the spare, so does a normal process exit
 * (synchronously, on `exit`), and one left by a process that died is released by the next
 * provider on the same state dir (the owner's pid and start time are in the directory's name).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError } from '../errors.js';
import { processStartTime } from './host-process.js';
import { removeDir, sameProcess } from './sandbox-removal.js';
import { mountWorkDisk, releaseWorkDisk } from './work-disk.js';

const PREFIX = '.spare-disk-';
const SPARE_RE = /^\.spare-disk-(\d+)-(\d+)-[a-z0-9]+$/;

interface Spare {
  dir: string;
  bytes: number;
}

export class SpareWorkDisk {
  private spare: Spare | undefined;
  private making: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private creates = 0;
  private swept = false;
  private exitHooked = false;
  private readonly timerDone: (() => void)[] = [];
  private closed = false;
  private readonly onExit = () => this.releaseSync();

  constructor(
    private readonly stateDir: string,
    /** How long after a take the next spare is made (its mkfs competes for CPU otherwise). */
    private readonly refillDelayMs: number,
  ) {}

  /** Only root can loop-mount an image; without root there is no work disk to make ahead. */
  static usable(): boolean {
    return process.getuid?.() === 0;
  }

  /**
   * Moves the spare's directory to `target` (an empty directory the caller just made, which it
   * replaces) when the spare has `bytes`; true when it did. Schedules the next spare either way.
   */
  async takeInto(target: string, bytes: number): Promise<boolean> {
    this.creates++;
    const spare = this.spare;
    let taken = false;
    if (spare && spare.bytes === bytes) {
      this.spare = undefined;
      try {
        await rename(spare.dir, target);
        taken = true;
      } catch {
        await this.release(spare);
      }
    }
    this.schedule(bytes);
    return taken;
  }

  /** Resolves when the spare being made (if any) is made; true when one is ready. */
  async ready(signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new AbortedError(undefined, { cause: signal?.reason }));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      while (this.timer || this.making) {
        if (this.timer) {
          // someone waits for it now: the timer must keep the process alive until it fires
          this.timer.ref();
          await Promise.race([new Promise<void>((r) => this.timerDone.push(r)), aborted]);
        }
        await Promise.race([this.making, aborted]);
      }
      return this.spare !== undefined;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const resolve of this.timerDone.splice(0)) resolve();
    await this.making;
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await this.release(spare);
    process.off('exit', this.onExit);
    this.exitHooked = false;
  }

  private schedule(bytes: number): void {
    // the first create may be the only one: a spare waits for the second
    if (this.closed || this.creates < 2 || this.making || this.timer) return;
    if (this.spare?.bytes === bytes) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.making = this.make(bytes).finally(() => (this.making = undefined));
      for (const resolve of this.timerDone.splice(0)) resolve();
    }, this.refillDelayMs);
    this.timer.unref();
  }

  private async make(bytes: number): Promise<void> {
    await this.sweep();
    const old = this.spare;
    this.spare = undefined;
    if (old) await this.release(old);
    const start = (await processStartTime(process.pid)) ?? '0';
    const dir = join(
      this.stateDir,
      `${PREFIX}${process.pid}-${start}-${randomBytes(6).toString('hex')}`,
    );
    let made = false;
    try {
      // the modes a sandbox's own directories get (launch.ts prepareDirs)
      await mkdir(dir, { mode: 0o711 });
      await mkdir(join(dir, 'work'), { mode: 0o700 });
      const disk = await mountWorkDisk({
        baseDir: dir,
        workDir: join(dir, 'work'),
        bytes,
        uid: undefined,
      });
      made = disk.appliedBytes !== undefined;
    } catch {
      // reported below: the create that needs a disk makes its own and says why it could not
    }
    if (!made || this.closed) {
      await this.release({ dir, bytes });
      return;
    }
    this.spare = { dir, bytes };
    if (!this.exitHooked) process.on('exit', this.onExit);
    this.exitHooked = true;
  }

  private async release(spare: Spare): Promise<void> {
    await releaseWorkDisk(spare.dir).catch(() => undefined);
    await removeDir(spare.dir).catch(() => undefined);
  }

  /** On exit nothing async runs: a lazy unmount and a removal, at most one of each. */
  private releaseSync(): void {
    const spare = this.spare;
    if (!spare) return;
    this.spare = undefined;
    try {
      execFileSync('umount', ['-l', join(spare.dir, 'work')], {
        stdio: 'ignore',
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
    } catch {
      // not mounted any more
    }
    rmSync(spare.dir, { recursive: true, force: true });
  }

  private async sweep(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    await releaseOrphanSpares(this.stateDir);
  }
}

/**
 * Releases the spares in `stateDir` whose owner is gone (a crash, a SIGKILL): the provider
 * calls it with the first list or create, as it cleans up orphaned sandboxes.
 */
export async function releaseOrphanSpares(stateDir: string): Promise<void> {
  if (!SpareWorkDisk.usable()) return;
  const names = await readdir(stateDir).catch(() => [] as string[]);
  for (const name of names) {
    const match = SPARE_RE.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || (await sameProcess(pid, match[2]))) continue;
    const dir = join(stateDir, name);
    await releaseWorkDisk(dir).catch(() => undefined);
    await removeDir(dir).catch(() => undefined);
  }
}
