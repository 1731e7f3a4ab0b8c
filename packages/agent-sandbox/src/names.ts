/**
 * Upstream's label and annotation keys (agent-sandbox `extensions/controllers/utils.go`,
 * `controllers/sandbox_controller.go`) and the FNV-1a name hash the controller puts in labels.
 */

export const LABELS = {
  /** FNV-1a 32-bit hex of the Sandbox name; on Pod, Service, PVC; the Service selector. */
  sandboxNameHash: 'agents.x-k8s.io/sandbox-name-hash',
  /** hash(pool name) on unclaimed pool Sandboxes and their pods; removed at adoption. */
  warmPoolSandbox: 'agents.x-k8s.io/warm-pool-sandbox',
  /** hash(template name); NetworkPolicy pod selector. */
  sandboxTemplateRefHash: 'agents.x-k8s.io/sandbox-template-ref-hash',
  /** hash of the template blueprint JSON (pool staleness). */
  sandboxTemplateHash: 'agents.x-k8s.io/sandbox-template-hash',
  /** Deprecated hash of the pod template JSON. */
  sandboxPodTemplateHash: 'agents.x-k8s.io/sandbox-pod-template-hash',
  /** `cold` | `warm`. */
  launchType: 'agents.x-k8s.io/launch-type',
  /** Who asked for the claim: `python-client`, `go-client`, `controller`, ... */
  createdBy: 'agents.x-k8s.io/created-by',
  /** UID of the owning claim, on the Sandbox and its pod template. */
  claimUid: 'agents.x-k8s.io/claim-uid',
  /** `"true"` lets the Sandbox controller adopt a pre-provisioned Pod/Service/PVC. */
  adoptable: 'agents.x-k8s.io/adoptable',
  /** v0.1.0 only: hash(pool) on bare warm pods. */
  legacyPool: 'agents.x-k8s.io/pool',
} as const;

export const ANNOTATIONS = {
  /** On a claim: the bound Sandbox name. */
  sandboxName: 'agents.x-k8s.io/sandbox-name',
  /** On a Sandbox: its pod's name (= Sandbox name); removed on suspend. */
  podName: 'agents.x-k8s.io/pod-name',
  /** On a Sandbox: the template it was made from. */
  sandboxTemplateRef: 'agents.x-k8s.io/sandbox-template-ref',
  propagatedLabels: 'agents.x-k8s.io/propagated-labels',
  propagatedAnnotations: 'agents.x-k8s.io/propagated-annotations',
  controllerFirstObservedAt: 'agents.x-k8s.io/controller-first-observed-at',
  /** Stamped by clients at create time, RFC3339Nano; feeds the controller's latency metric. */
  clientFirstRequestedAt: 'agents.x-k8s.io/client-first-requested-at',
  webhookFirstObservedAt: 'agents.x-k8s.io/webhook-first-observed-at',
  claimFirstReadyAt: 'agents.x-k8s.io/claim-first-ready-at',
  creationLatencyRecorded: 'agents.x-k8s.io/creation-latency-recorded',
  traceContext: 'opentelemetry.io/trace-context',
  safeToEvict: 'cluster-autoscaler.kubernetes.io/safe-to-evict',
} as const;

/** Label/annotation prefixes the controller refuses to copy from user pod-template metadata. */
export const RESERVED_PREFIXES = ['agents.x-k8s.io/', 'extensions.agents.x-k8s.io/'] as const;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a 32-bit of the UTF-8 bytes of `name`, as 8 lowercase hex digits — Go's
 * `hash/fnv.New32a` formatted with `%08x`, which is how upstream derives label values.
 */
export function nameHash(name: string): string {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of new TextEncoder().encode(name)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
