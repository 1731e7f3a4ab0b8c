/**
 * Corral's labels on the sandboxes the orchestrator makes, and the sandbox id derived from a
 * task id. The id is deterministic so that a second create for the same task (another process,
 * a restarted orchestrator) fails with a conflict instead of making a second sandbox.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidTaskError } from './errors.js';
import type { Task } from './types.js';

export const TASK_ID_LABEL = 'corral.dev/task-id';
export const OWNER_LABEL = 'corral.dev/owner';

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

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

export function checkLabelValue(what: string, value: string): void {
  if (!LABEL_VALUE.test(value)) {
    throw new InvalidTaskError(
      `${what} ${JSON.stringify(value)} is not usable as a label value: use 1-63 letters, digits, ` +
        '"-", "_" or ".", starting and ending with a letter or digit (e.g. "task-42").',
    );
  }
}

export function validateTask(task: Task): void {
  if (typeof task !== 'object' || task === null) {
    throw new InvalidTaskError('runTask needs a task object: { taskID, message }.');
  }
  if (typeof task.taskID !== 'string') {
    throw new InvalidTaskError('task.taskID must be a string, e.g. "task-42".');
  }
  checkLabelValue('task.taskID', task.taskID);
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

/** `<hostname>-<pid>`, label-safe; the same value the Kubernetes provider uses by default. */
export function defaultOwner(): string {
  const raw = `${hostname()}-${process.pid}`
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return raw === '' ? `pid-${process.pid}` : raw;
}
