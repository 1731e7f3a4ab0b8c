import type { Deps } from '../deps.js';
import { HttpError, invalidArgument } from '../http/errors.js';
import { readJson } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import type { ManagedProcess } from '../processes.js';
import { MAX_PTY_DIMENSION, resizeTerminal, type PtySize } from '../pty.js';
import { rejectUnknown, requireObject } from '../validate.js';

function dimension(body: Record<string, unknown>, field: string, what: string): number {
  const value = body[field];
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > MAX_PTY_DIMENSION
  ) {
    throw invalidArgument(
      `field "${what}.${field}" must be an integer from 1 to ${MAX_PTY_DIMENSION} (terminal ${field})`,
    );
  }
  return value;
}

/** `{ cols, rows }`, or undefined when `value` is. */
export function parsePtySize(value: unknown, what: string): PtySize | undefined {
  if (value === undefined) return undefined;
  const body = requireObject(value, `field "${what}"`);
  rejectUnknown(body, ['cols', 'rows'], `field "${what}"`);
  return { cols: dimension(body, 'cols', what), rows: dimension(body, 'rows', what) };
}

export function registerPtyRoutes(
  router: Router,
  deps: Deps,
  getProc: (deps: Deps, id: string) => ManagedProcess,
): void {
  router.add('POST', '/v1/commands/:id/resize', async ({ req, res, params }) => {
    const proc = getProc(deps, params.id!);
    const size = parsePtySize(await readJson(req, deps.maxBodyBytes), 'body');
    if (!proc.spec.pty) {
      throw new HttpError(
        409,
        'NOT_A_PTY',
        `command "${proc.id}" has no terminal to resize; start it with "pty": { "cols", "rows" }`,
      );
    }
    if (proc.status === 'exited') {
      throw new HttpError(409, 'PROCESS_NOT_RUNNING', `command "${proc.id}" already exited`);
    }
    const target = proc.ptyTarget();
    if (!target) {
      throw new HttpError(
        409,
        'PTY_NOT_READY',
        `command "${proc.id}" is not on its terminal yet (or left it); retry the resize`,
      );
    }
    try {
      await resizeTerminal(target.path, size!);
    } catch (error) {
      throw new HttpError(
        409,
        'PTY_NOT_READY',
        `could not resize the terminal of command "${proc.id}": ${(error as Error).message}`,
      );
    }
    sendJson(res, 200, { ...proc.info(), pty: size });
  });
}
