/**
 * Plan checkpoints (`@corral/agents` RunCheckpoint) as files in the state dir, one per run:
 * `<stateDir>/checkpoints/<runId>.ckpt`, mode 0600. They are archives of up to tens of MB, which
 * is why they live beside the database rather than in it. A save is durable before it resolves
 * (written to a temporary name, fsync'd, renamed, directory fsync'd), so a run shown as awaiting
 * approval always has a whole checkpoint, even after `kill -9`.
 */
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type RunCheckpoint } from '@corral/agents';

const SUFFIX = '.ckpt';

export class CheckpointFiles {
  constructor(private readonly dir: string) {}

  async save(runId: string, checkpoint: RunCheckpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.path(runId);
    const temporary = `${path}.tmp`;
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writeFile(encodeCheckpoint(checkpoint));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** The run's checkpoint, or undefined if there is none (or it cannot be read). */
  async load(runId: string): Promise<RunCheckpoint | undefined> {
    const data = await readFile(this.path(runId)).catch(() => undefined);
    if (!data) return undefined;
    try {
      return decodeCheckpoint(data);
    } catch {
      return undefined;
    }
  }

  async remove(runId: string): Promise<void> {
    await rm(this.path(runId), { force: true });
  }

  /** Run ids with a checkpoint file (leftover temporaries are removed). */
  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const ids: string[] = [];
    for (const name of names) {
      if (name.endsWith(`${SUFFIX}.tmp`)) await rm(join(this.dir, name), { force: true });
      else if (name.endsWith(SUFFIX)) ids.push(name.slice(0, -SUFFIX.length));
    }
    return ids;
  }

  private path(runId: string): string {
    return join(this.dir, `${runId}${SUFFIX}`);
  }
}
