/**
 * A store + simulated controller + kubelet on a manual clock, and fixtures for the scenario
 * tests. `settle()` runs everything that is due until nothing changes; `advance(ms)` moves the
 * clock and settles. Nothing sleeps.
 */
import { findCondition, type Condition } from '@corral/agent-sandbox';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import {
  startAgentSandboxController,
  type AgentSandboxController,
  type AgentSandboxControllerOptions,
} from '../../src/controller/index.js';
import { startKubelet, type Kubelet, type KubeletOptions } from '../../src/kubelet/index.js';
import { createObjectStore, type FakeObjectStore } from '../../src/store/index.js';
import type { CrdProfile } from '../../src/resources/crd-loader.js';
import type { GroupVersionResource, KubeObject } from '../../src/store/types.js';

export const NS = 'default';

export function gvrs(version: 'v1beta1' | 'v1alpha1' = 'v1beta1') {
  return {
    sandboxes: { group: 'agents.x-k8s.io', version, resource: 'sandboxes' },
    claims: { group: 'extensions.agents.x-k8s.io', version, resource: 'sandboxclaims' },
    templates: { group: 'extensions.agents.x-k8s.io', version, resource: 'sandboxtemplates' },
    pools: { group: 'extensions.agents.x-k8s.io', version, resource: 'sandboxwarmpools' },
  } satisfies Record<string, GroupVersionResource>;
}

export const PODS: GroupVersionResource = { group: '', version: 'v1', resource: 'pods' };
export const SERVICES: GroupVersionResource = { group: '', version: 'v1', resource: 'services' };
export const EVENTS: GroupVersionResource = { group: '', version: 'v1', resource: 'events' };

export interface Harness {
  store: FakeObjectStore;
  clock: ManualClock;
  controller: AgentSandboxController;
  kubelet: Kubelet;
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(
  options: {
    crds?: CrdProfile;
    controller?: AgentSandboxControllerOptions;
    kubelet?: KubeletOptions;
  } = {},
): Promise<Harness> {
  const clock = createManualClock();
  const store = createObjectStore({ crds: options.crds ?? 'main', clock });
  const controller = startAgentSandboxController(store, { clock, ...options.controller });
  const kubelet = startKubelet(store, { clock, ...options.kubelet });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const before = store.currentResourceVersion();
      await kubelet.whenIdle();
      await controller.whenIdle();
      await new Promise((resolve) => setImmediate(resolve));
      if (store.currentResourceVersion() === before) return;
    }
    throw new Error('harness: the cluster did not settle');
  };
  await settle();
  return {
    store,
    clock,
    controller,
    kubelet,
    settle,
    async advance(ms) {
      await settle();
      clock.advance(ms);
      await settle();
    },
    async stop() {
      await controller.stop();
      await kubelet.stop();
    },
  };
}

export function condition(obj: KubeObject | undefined, type: string): Condition | undefined {
  return obj === undefined ? undefined : findCondition(obj, type);
}

export function template(
  name: string,
  spec: Record<string, unknown> = {},
  version = 'v1beta1',
): KubeObject {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxTemplate',
    metadata: { name, namespace: NS },
    spec: {
      podTemplate: {
        metadata: { labels: { app: 'agent' }, annotations: { team: 'corral' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'runner', image: 'corral/runner:1', ports: [{ containerPort: 8888 }] },
          ],
        },
      },
      ...spec,
    },
  };
}

export function pool(
  name: string,
  templateName: string,
  replicas: number,
  version = 'v1beta1',
): KubeObject {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxWarmPool',
    metadata: { name, namespace: NS },
    spec: { replicas, sandboxTemplateRef: { name: templateName } },
  };
}

export function claim(
  name: string,
  poolName: string,
  spec: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
    kind: 'SandboxClaim',
    metadata: { name, namespace: NS, labels: { 'agents.x-k8s.io/created-by': 'python-client' } },
    spec: { warmPoolRef: { name: poolName }, ...spec },
  };
}
