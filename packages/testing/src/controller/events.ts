/**
 * core/v1 Events the controller records (`SandboxProvisioned`, `SandboxAdopted`, `ClaimExpired`,
 * `MultiplePods`), written to the store only when it serves events.
 */
import { formatKubeTime } from '../clock.js';
import type { KubeObject, ObjectStore } from '../store/types.js';
import type { Timers } from './timers.js';
import { EVENTS } from './kube.js';

export interface EventRecorder {
  record(
    regarding: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    action: string,
    message: string,
  ): void;
}

export function createEventRecorder(
  store: ObjectStore,
  timers: Timers,
  component: string,
): EventRecorder {
  let served: boolean | undefined;
  let seq = 0;
  return {
    record(regarding, type, reason, action, message) {
      if (served === undefined) {
        try {
          store.list(EVENTS, { limit: 1 });
          served = true;
        } catch {
          served = false;
        }
      }
      if (!served) return;
      const now = timers.now();
      const time = formatKubeTime(now);
      const namespace = regarding.metadata.namespace ?? 'default';
      const name = `${regarding.metadata.name ?? 'object'}.${(now * 1000 + (seq++ % 1000)).toString(16)}`;
      try {
        store.create(EVENTS, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: regarding.apiVersion,
            kind: regarding.kind,
            name: regarding.metadata.name,
            namespace,
            uid: regarding.metadata.uid,
            resourceVersion: regarding.metadata.resourceVersion,
          },
          reason,
          action,
          message,
          type,
          count: 1,
          firstTimestamp: time,
          lastTimestamp: time,
          eventTime: null,
          source: { component },
          reportingComponent: component,
          reportingInstance: `${component}-0`,
        });
      } catch {
        // Events are best effort, as with client-go's recorder.
      }
    },
  };
}
