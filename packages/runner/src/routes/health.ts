import type { Deps } from '../deps.js';
import { sendJson } from '../http/respond.js';
import type { Router } from '../http/router.js';
import { RUNNER_VERSION } from '../version.js';

export function registerHealthRoutes(router: Router, deps: Deps): void {
  router.add(
    'GET',
    '/healthz',
    ({ res }) => {
      sendJson(res, 200, {
        status: 'ok',
        mode: deps.mode,
        uptimeMs: Date.now() - deps.startedAt,
        version: RUNNER_VERSION,
      });
    },
    { public: true },
  );
}
