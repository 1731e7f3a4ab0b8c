/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`. Nothing runs in the fake's pods, so the log
 * text is whatever a test (or the simulated kubelet) put in the pod annotation
 * `testing.corral.dev/log`. `follow` is not streamed: the current text is returned and the
 * response ends.
 */
import { badRequest, notFound } from '../store/status-error.js';
import { isPlainObject } from '../store/patch.js';
import type { ApiServer } from './api-server.js';

export const POD_LOG_ANNOTATION = 'testing.corral.dev/log';

export function registerPodLog(api: ApiServer): void {
  api.registerSubresource('pods', 'log', ({ req, res, url, route, store, record }) => {
    if (req.method !== 'GET') throw badRequest('only GET is supported on pods/log');
    const name = route.name!;
    const pod = store.get({ group: '', version: 'v1', resource: 'pods' }, route.namespace, name);
    if (pod === undefined) throw notFound('', 'pods', name);
    const containers = (
      isPlainObject(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers : []
    ).filter(isPlainObject);
    const requested = url.searchParams.get('container');
    const names = containers.map((c) => String(c.name));
    if (requested === null && names.length > 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
      );
    }
    if (requested !== null && !names.includes(requested)) {
      throw badRequest(`container ${requested} is not valid for pod ${name}`);
    }
    const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
    if (phase === 'Pending') {
      throw badRequest(
        `container "${requested ?? names[0] ?? ''}" in pod "${name}" is waiting to start: ContainerCreating`,
      );
    }
    let text = pod.metadata.annotations?.[POD_LOG_ANNOTATION] ?? '';
    const tail = url.searchParams.get('tailLines');
    if (tail !== null) {
      const lines = text.split('\n');
      const trailing = text.endsWith('\n') ? lines.pop() : undefined;
      text = lines.slice(-Number(tail)).join('\n') + (trailing !== undefined ? '\n' : '');
      if (Number(tail) === 0) text = '';
    }
    const limit = url.searchParams.get('limitBytes');
    if (limit !== null) text = Buffer.from(text).subarray(0, Number(limit)).toString('utf8');
    record.status = 200;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    res.end(text);
  });
}
