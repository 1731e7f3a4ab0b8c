/** What every reconciler of the simulated controller shares. */
import type { ObjectStore } from '../store/types.js';
import type { AgentSandboxGvrs, ApiFlavor } from './api.js';
import type { EventRecorder } from './events.js';
import type { Timers } from './timers.js';
import type { WorkQueue } from './work-queue.js';

export interface ControllerContext {
  readonly store: ObjectStore;
  readonly timers: Timers;
  readonly flavor: ApiFlavor;
  readonly gvr: AgentSandboxGvrs;
  readonly queue: WorkQueue;
  readonly events: EventRecorder;
  readonly clusterDomain: string;
  readonly allowedLabelDomains: readonly string[];
  readonly warmPoolAdoptionWaitMs: number;
  readonly enableWarmPoolEviction: boolean;
  readonly warmPoolReadinessGracePeriodMs: number;
  readonly claimEvents: boolean;
}

export const FIELD_MANAGER = 'sandbox-controller';

export function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function parseKey(k: string): { kind: string; namespace: string; name: string } {
  const [kind = '', namespace = '', ...rest] = k.split('/');
  return { kind, namespace, name: rest.join('/') };
}
