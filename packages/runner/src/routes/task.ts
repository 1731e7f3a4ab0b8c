import type { Deps } from '../deps.js';
import { readJson } from '../http/body.js';
import { invalidArgument } from '../http/errors.js';
import { closed, sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { parseTaskRequest } from '../task-runner.js';

/** Default and ceiling for one long-poll of `GET /task?wait=true` (callers loop on `running`). */
export const TASK_WAIT_DEFAULT_MS = 30_000;
export const TASK_WAIT_MAX_MS = 300_000;

export function registerTaskRoutes(router: Router, deps: Deps): void {
  router.add('POST', '/task', async ({ req, res }) => {
    const task = parseTaskRequest(await readJson(req, deps.maxBodyBytes));
    await deps.tasks.submit(task);
    sendJson(res, 202, { status: 'accepted' });
  });

  router.add('GET', '/task', async ({ res, query }) => {
    const wait = query.get('wait');
    if (wait !== null && wait !== 'true' && wait !== 'false') {
      throw invalidArgument('query "wait" must be true or false');
    }
    if (wait === 'true' && deps.tasks.status().state !== 'exited') {
      const rawWait = query.get('waitMs');
      let waitMs = TASK_WAIT_DEFAULT_MS;
      if (rawWait !== null) {
        if (!/^\d+$/.test(rawWait))
          throw invalidArgument('query "waitMs" must be a non-negative integer');
        waitMs = Math.min(Number(rawWait), TASK_WAIT_MAX_MS);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        deps.tasks.done,
        closed(res),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
      ]);
      clearTimeout(timer);
      if (res.destroyed) return;
    }
    sendJson(res, 200, deps.tasks.status());
  });
}
