/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`. For a pod that really runs (the process
 * runtime), the container's captured stdout and stderr, streamed with `follow`
 * (`pod-log-stream.ts`). For a simulated pod, the text of the pod annotation
 * `testing.corral.dev/log` (`tailLines`, `limitBytes`; `follow` returns the current text and ends).
 */
import { badRequest } from '../store/status-error.js';
import type { ApiServer } from './api-server.js';
import { queryBool } from './query-params.js';
import { parseLogQuery, streamContainerLog } from './pod-log-stream.js';
import { resolvePodTarget, type PodProcessLookup } from './pod-target.js';

export const POD_LOG_ANNOTATION = 'testing.corral.dev/log';

export function registerPodLog(api: ApiServer, options: { lookup?: PodProcessLookup } = {}): void {
  api.registerSubresource('pods', 'log', (ctx) => {
    const { req, res, url, record } = ctx;
    if (req.method !== 'GET') throw badRequest('only GET is supported on pods/log');
    const target = resolvePodTarget(ctx, options.lookup);
    const { name, container, phase, pod } = target;
    if (phase === 'Pending' || target.process?.state === 'starting') {
      throw badRequest(
        `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`,
      );
    }
    if (queryBool(url.searchParams, 'previous')) {
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
    const query = parseLogQuery(url);
    if (target.process !== undefined) {
      streamContainerLog(res, record, target.process.log, query);
      return;
    }
    let text = pod.metadata.annotations?.[POD_LOG_ANNOTATION] ?? '';
    if (query.tailLines !== undefined) {
      const lines = text.split('\n');
      const trailing = text.endsWith('\n') ? lines.pop() : undefined;
      text = lines.slice(-query.tailLines).join('\n') + (trailing !== undefined ? '\n' : '');
      if (query.tailLines === 0) text = '';
    }
    if (query.limitBytes !== undefined)
      text = Buffer.from(text).subarray(0, query.limitBytes).toString('utf8');
    record.status = 200;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.end(text);
  });
}
