/**
 * The sandbox id derived from a task id, and task validation. The id is deterministic so that a
 * second create for the same task (another process, a restarted orchestrator) fails with a
 * conflict instead of making a second sandbox. Corral's label vocabulary itself lives in the
 * SDK (`CORRAL_LABELS`), for every provider.
 */
import { createHash } from 'node:crypto';
import { CORRAL_LABELS, InvalidArgumentError, checkIdentifier } from '@corral/sdk';
import { InvalidTaskError } from './errors.js';
import type { Task } from './types.js';

export const TASK_ID_LABEL = CORRAL_LABELS.taskId;
export const OWNER_LABEL = CORRAL_LABELS.owner;

/** `t-<readable part>-<8 hex of sha256(taskID)>`: a DNS label (claim name) and a local id. */
export function sandboxIdFor(taskID: string): string {
  const hash = createHash('sha256').update(taskID).digest('hex').slice(0, 8);
  const readable = taskID
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return readable === '' ? `t-${hash}` : `t-${readable}-${hash}`;
}

/** The SDK's identifier check, reported as the orchestrator's `InvalidTaskError`. */
export function checkTaskIdentifier(what: string, value: string): void {
  try {
    checkIdentifier(what, value);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidTaskError(error.message);
    throw error;
  }
}

export function validateTask(task: Task): void {
  if (typeof task !== 'object' || task === null) {
    throw new InvalidTaskError('runTask needs a task object: { taskID, message }.');
  }
  if (typeof task.taskID !== 'string') {
    throw new InvalidTaskError('task.taskID must be a string, e.g. "task-42".');
  }
  checkTaskIdentifier('task.taskID', task.taskID);
  if (typeof task.message !== 'string') {
    throw new InvalidTaskError(
      `task.message of ${task.taskID} must be a string (use "" for none).`,
    );
  }
  if (task.timeoutMs !== undefined && !(Number.isInteger(task.timeoutMs) && task.timeoutMs > 0)) {
    throw new InvalidTaskError(
      `task.timeoutMs of ${task.taskID} must be a positive whole number of milliseconds, got ${String(task.timeoutMs)}.`,
    );
  }
  for (const key of Object.keys(task.labels ?? {})) {
    if (key.startsWith('corral.dev/')) {
      throw new InvalidTaskError(
        `task.labels key ${key} is reserved: the orchestrator sets corral.dev/ labels itself.`,
      );
    }
  }
}
