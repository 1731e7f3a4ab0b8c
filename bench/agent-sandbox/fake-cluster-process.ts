/**
 * Runs the fake cluster in its own process for the benchmarks, so the client under test does not
 * share an event loop with the simulated API server, controller and kubelet (in one process their
 * work delays the client's reads by tens of milliseconds, which a real cluster would not).
 *
 * IPC protocol (child_process.fork): the child sends `{ type: 'started', kubeconfig }`, then
 * `{ type: 'ready-write', name, at }` for each claim's first `Ready=True` write, `at` being
 * `process.hrtime` milliseconds (CLOCK_MONOTONIC, comparable across processes). The parent sends
 * `{ cmd: 'watches', resource, id }` (answered with `{ type: 'reply', id, count }`),
 * `{ cmd: 'markReady', names, perTick, id }` (writes Ready status itself, for runs without the
 * controller; answered when done) and `{ cmd: 'stop' }`.
 */
import { startFakeCluster } from '../../packages/testing/src/index.js';
import { nowMs } from '../lib.js';
import { CLAIMS_GVR, recordReadyWrites } from './support.js';

type Command =
  | { cmd: 'watches'; resource: string; id: number }
  | { cmd: 'markReady'; names: string[]; perTick: number; id: number }
  | { cmd: 'stop' };

const withController = process.argv.includes('--controller');
// Real milliseconds before each reconcile: the controller's latency, so readiness arrives a
// while after the claim is created, as on a real cluster.
const reconcileDelayMs = Number(
  process.argv.find((a) => a.startsWith('--reconcile-delay-ms='))?.split('=')[1] ?? 0,
);
const cluster = await startFakeCluster(
  withController
    ? { controller: { warmPoolAdoptionWaitMs: 0, reconcileDelayMs } }
    : { controller: false, kubelet: false },
);
const send = (message: object): void => {
  process.send?.(message);
};
recordReadyWrites(cluster, 'default', (name, at) => send({ type: 'ready-write', name, at }));

process.on('message', (message: Command) => {
  void (async () => {
    if (message.cmd === 'stop') {
      await cluster.stop();
      process.disconnect();
      return;
    }
    if (message.cmd === 'watches') {
      send({
        type: 'reply',
        id: message.id,
        count: cluster.requests.watches({ resource: message.resource }).length,
      });
      return;
    }
    for (let i = 0; i < message.names.length; i++) {
      const name = message.names[i]!;
      cluster.store.patch(CLAIMS_GVR, 'default', name, readyStatus(name), 'merge', {
        subresource: 'status',
      });
      if ((i + 1) % message.perTick === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    send({ type: 'reply', id: message.id, count: message.names.length });
  })();
});

function readyStatus(name: string): object {
  return {
    status: {
      sandbox: { name, podIPs: ['10.0.0.1'] },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'DependenciesReady',
          message: 'Pod is Ready',
          observedGeneration: 1,
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
    },
  };
}

send({ type: 'started', kubeconfig: cluster.kubeConfig.exportConfig(), at: nowMs() });
