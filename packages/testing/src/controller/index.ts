/**
 * The simulated agent-sandbox controller (core + extensions), wired to an ObjectStore the way
 * controller-runtime wires upstream's reconcilers to an API server: watches feed a deduplicating
 * work queue, reconciles read the latest object and write back through the store.
 */
import { compact } from '@corral/sdk';
import { systemClock, type Clock } from '../clock.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store/types.js';
import { detectFlavor, gvrsFor, type ApiFlavor } from './api.js';
import { ClaimReconciler } from './claim-reconciler.js';
import { key, parseKey, type ControllerContext } from './context.js';
import { createEventRecorder } from './events.js';
import { PODS, SERVICES, controllerOf, isObj } from './kube.js';
import { SandboxReconciler } from './sandbox-reconciler.js';
import { TemplateReconciler } from './template-reconciler.js';
import { createTimers } from './timers.js';
import { WarmPoolReconciler } from './warm-pool-reconciler.js';
import { WorkQueue } from './work-queue.js';

export type { ApiFlavor } from './api.js';

export interface AgentSandboxControllerOptions {
  /** Cluster time; a manual clock makes expiry and requeues advance only when the test says. */
  clock?: Clock;
  /** Which API the CRDs serve; detected from the store when omitted. */
  apiFlavor?: ApiFlavor;
  /** `--cluster-domain` (default `cluster.local`), used in `status.serviceFQDN`. */
  clusterDomain?: string;
  /** Real milliseconds to wait before each reconcile (default 0), to model controller latency. */
  reconcileDelayMs?: number;
  /** Label domains claims may put in `additionalPodMetadata` (default `['sandbox.users.io']`). */
  allowedLabelDomains?: readonly string[];
  /** How long a claim waits for warm candidates to report pod IPs before cold-starting (2000). */
  warmPoolAdoptionWaitMs?: number;
  /** `--sandbox-warm-pool-readiness-grace-period` (default 5 min). */
  warmPoolReadinessGracePeriodMs?: number;
  /** `--enable-warm-pool-eviction` (default true): warm pods get `safe-to-evict: "true"`. */
  enableWarmPoolEviction?: boolean;
  /** `--disable-claim-events` inverted (default true). */
  claimEvents?: boolean;
  /** Called when a reconcile fails (it is retried with backoff); default: ignore. */
  onError?: (key: string, err: unknown) => void;
}

export interface AgentSandboxController {
  readonly apiFlavor: ApiFlavor;
  /** Resolves once no reconcile is queued or running (requeue timers do not count). */
  whenIdle(): Promise<void>;
  /** Enqueues a reconcile, e.g. `('SandboxClaim', 'default', 'my-claim')`. */
  enqueue(
    kind: 'Sandbox' | 'SandboxClaim' | 'SandboxWarmPool' | 'SandboxTemplate',
    namespace: string,
    name: string,
  ): void;
  stop(): Promise<void>;
}

function specRef(obj: KubeObject, field: string): string {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const ref = spec[field];
  return isObj(ref) && typeof ref.name === 'string' ? ref.name : '';
}

export function startAgentSandboxController(
  store: ObjectStore,
  options: AgentSandboxControllerOptions = {},
): AgentSandboxController {
  const flavor = options.apiFlavor ?? detectFlavor(store);
  const gvr = gvrsFor(flavor);
  const timers = createTimers(options.clock ?? systemClock);
  const reconcilers: {
    sandbox?: SandboxReconciler;
    claim?: ClaimReconciler;
    pool?: WarmPoolReconciler;
    template?: TemplateReconciler;
  } = {};
  const queue = new WorkQueue(
    (k) => {
      const { kind, namespace, name } = parseKey(k);
      switch (kind) {
        case 'Sandbox':
          return reconcilers.sandbox?.reconcile(namespace, name);
        case 'SandboxClaim':
          return reconcilers.claim?.reconcile(namespace, name);
        case 'SandboxWarmPool':
          return reconcilers.pool?.reconcile(namespace, name);
        case 'SandboxTemplate':
          return reconcilers.template?.reconcile(namespace, name);
        default:
          return undefined;
      }
    },
    compact({
      timers,
      reconcileDelayMs: options.reconcileDelayMs,
      onError: options.onError,
    }),
  );
  const ctx: ControllerContext = {
    store,
    timers,
    flavor,
    gvr,
    queue,
    events: createEventRecorder(store, timers, 'sandbox-controller'),
    clusterDomain: options.clusterDomain ?? 'cluster.local',
    allowedLabelDomains: options.allowedLabelDomains ?? ['sandbox.users.io'],
    warmPoolAdoptionWaitMs: options.warmPoolAdoptionWaitMs ?? 2000,
    enableWarmPoolEviction: options.enableWarmPoolEviction ?? true,
    warmPoolReadinessGracePeriodMs: options.warmPoolReadinessGracePeriodMs ?? 5 * 60_000,
    claimEvents: options.claimEvents ?? true,
  };
  reconcilers.sandbox = new SandboxReconciler(ctx);
  reconcilers.claim = new ClaimReconciler(ctx);
  reconcilers.pool = new WarmPoolReconciler(ctx);
  reconcilers.template = new TemplateReconciler(ctx);

  const ns = (obj: KubeObject): string => obj.metadata.namespace ?? '';
  const enqueueOwner = (obj: KubeObject): void => {
    const ref = controllerOf(obj);
    if (ref !== undefined) queue.add(key(ref.kind, ns(obj), ref.name));
  };
  const claimsWhere = (
    namespace: string,
    match: (claim: KubeObject) => boolean,
    unboundOnly: boolean,
  ): void => {
    for (const claim of store.list(gvr.claims, { namespace }).items) {
      if (claim.metadata.deletionTimestamp !== undefined || !match(claim)) continue;
      const status = isObj(claim.status) ? claim.status : {};
      const bound = isObj(status.sandbox) && (status.sandbox.name ?? status.sandbox.Name);
      if (unboundOnly && typeof bound === 'string' && bound !== '') continue;
      queue.add(key('SandboxClaim', namespace, claim.metadata.name ?? ''));
    }
  };
  const poolsFor = (namespace: string, template: string): KubeObject[] =>
    store
      .list(gvr.pools, { namespace })
      .items.filter((p) => specRef(p, 'sandboxTemplateRef') === template);

  const unwatch: (() => void)[] = [];
  const watch = (g: typeof gvr.sandboxes, handler: (e: StoreEvent) => void): void => {
    unwatch.push(store.watch(g, {}, handler));
  };

  watch(gvr.claims, (e) =>
    queue.add(key('SandboxClaim', ns(e.object), e.object.metadata.name ?? '')),
  );
  // Last pool owner seen per Sandbox, so an adoption (owner swap) also wakes the pool it left,
  // as controller-runtime's update events carry the old object.
  const poolOf = new Map<string, string>();
  watch(gvr.sandboxes, (e) => {
    const sbKey = key('Sandbox', ns(e.object), e.object.metadata.name ?? '');
    queue.add(sbKey);
    enqueueOwner(e.object);
    const pool = e.object.metadata.ownerReferences?.find((r) => r.kind === 'SandboxWarmPool')?.name;
    const previous = poolOf.get(sbKey);
    if (previous !== undefined && previous !== pool)
      queue.add(key('SandboxWarmPool', ns(e.object), previous));
    if (pool !== undefined) queue.add(key('SandboxWarmPool', ns(e.object), pool));
    if (e.type === 'DELETED' || pool === undefined) poolOf.delete(sbKey);
    else poolOf.set(sbKey, pool);
  });
  watch(gvr.pools, (e) => {
    const pool = e.object;
    queue.add(key('SandboxWarmPool', ns(pool), pool.metadata.name ?? ''));
    if (flavor === 'v1beta1') {
      claimsWhere(ns(pool), (c) => specRef(c, 'warmPoolRef') === pool.metadata.name, true);
    } else {
      const template = specRef(pool, 'sandboxTemplateRef');
      claimsWhere(ns(pool), (c) => specRef(c, 'sandboxTemplateRef') === template, true);
    }
  });
  watch(gvr.templates, (e) => {
    const template = e.object;
    const name = template.metadata.name ?? '';
    queue.add(key('SandboxTemplate', ns(template), name));
    const pools = poolsFor(ns(template), name);
    for (const pool of pools) queue.add(key('SandboxWarmPool', ns(pool), pool.metadata.name ?? ''));
    if (e.type !== 'ADDED') return;
    if (flavor === 'v1beta1') {
      const poolNames = new Set(pools.map((p) => p.metadata.name));
      claimsWhere(ns(template), (c) => poolNames.has(specRef(c, 'warmPoolRef')), false);
    } else {
      claimsWhere(ns(template), (c) => specRef(c, 'sandboxTemplateRef') === name, false);
    }
  });
  const ownedBySandbox = (e: StoreEvent): void => {
    const ref = controllerOf(e.object);
    if (ref?.kind === 'Sandbox') queue.add(key('Sandbox', ns(e.object), ref.name));
  };
  watch(PODS, ownedBySandbox);
  watch(SERVICES, ownedBySandbox);

  return {
    apiFlavor: flavor,
    whenIdle: () => queue.whenIdle(),
    enqueue: (kind, namespace, name) => queue.add(key(kind, namespace, name)),
    stop() {
      for (const stopWatch of unwatch.splice(0)) stopWatch();
      queue.stop();
      timers.dispose();
      return Promise.resolve();
    },
  };
}
