/**
 * Helpers shared by the Sandbox controller's modules.
 */
import { ANNOTATIONS, type Condition } from '@corral/agent-sandbox';
import type { KubeObject } from '../../store/types.js';
import { type ControllerContext } from '../context.js';
import { annotationsOf, isObj, type Obj } from '../kube.js';

export const RESERVED = ['agents.x-k8s.io/', 'extensions.agents.x-k8s.io/'];
export const isSystemLabel = (k: string): boolean => RESERVED.some((p) => k.startsWith(p));
export const isSystemAnnotation = (k: string): boolean =>
  isSystemLabel(k) || k === ANNOTATIONS.traceContext;
export const CREATED_BY_KNOWN = new Set(['go-client', 'python-client', 'controller']);
export const normalizeCreatedBy = (v: string): string => (CREATED_BY_KNOWN.has(v) ? v : 'unknown');

export const MIN_EXPIRY_REQUEUE_MS = 2000;

export class MultiplePodsError extends Error {
  constructor(count: number) {
    super(
      `multiple Pods (${count}) are controlled by this Sandbox; refusing to choose or create a Pod`,
    );
  }
}

export function sandboxSpec(sb: KubeObject): Obj {
  return isObj(sb.spec) ? sb.spec : {};
}

export function podTemplate(sb: KubeObject): { metadata: Obj; spec: Obj } {
  const tpl = sandboxSpec(sb).podTemplate;
  const t = isObj(tpl) ? tpl : {};
  return { metadata: isObj(t.metadata) ? t.metadata : {}, spec: isObj(t.spec) ? t.spec : {} };
}

export function stringMap(value: unknown): Record<string, string> {
  return isObj(value) ? (value as Record<string, string>) : {};
}

export function isSuspended(ctx: ControllerContext, sb: KubeObject): boolean {
  const spec = sandboxSpec(sb);
  if (ctx.flavor === 'v1beta1') return spec.operatingMode === 'Suspended';
  return spec.replicas === 0;
}

/** Whether the Sandbox wants a Service: `true`/`false`/unset (v0.1.0 always made one). */
export function serviceDesired(ctx: ControllerContext, sb: KubeObject): boolean | undefined {
  if (ctx.flavor === 'v0.1.0') return true;
  const v = sandboxSpec(sb).service;
  return typeof v === 'boolean' ? v : undefined;
}

export function resolvePodName(sb: KubeObject): string {
  return annotationsOf(sb)[ANNOTATIONS.podName] || (sb.metadata.name ?? '');
}

export function podPhase(pod: KubeObject): string {
  const status = isObj(pod.status) ? pod.status : {};
  // The apiserver sets Pending on create; tolerate a store that leaves it empty.
  return typeof status.phase === 'string' && status.phase !== '' ? status.phase : 'Pending';
}

export function podConditions(pod: KubeObject): Condition[] {
  const status = isObj(pod.status) ? pod.status : {};
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
}

export function podIPs(pod: KubeObject): string[] {
  const status = isObj(pod.status) ? pod.status : {};
  if (!Array.isArray(status.podIPs)) return [];
  return (status.podIPs as unknown[])
    .map((p) => (isObj(p) && typeof p.ip === 'string' ? p.ip : ''))
    .filter((ip) => ip !== '');
}

export interface ChildState {
  pod: KubeObject | undefined;
  podErr: unknown;
  svc: KubeObject | undefined;
  err: unknown;
}

/** Every non-zero containerPort of containers and sidecars, deduplicated, upstream's naming. */
export function servicePorts(podSpec: Obj): Obj[] {
  const names = new Map<string, string>();
  const reserved = new Set<string>();
  const add = (container: unknown): void => {
    if (!isObj(container) || !Array.isArray(container.ports)) return;
    for (const p of container.ports.filter(isObj)) {
      const port = typeof p.containerPort === 'number' ? p.containerPort : 0;
      if (port === 0) continue;
      const protocol = typeof p.protocol === 'string' && p.protocol !== '' ? p.protocol : 'TCP';
      const k = `${port}/${protocol}`;
      if (!names.has(k)) names.set(k, '');
      const name = typeof p.name === 'string' ? p.name : '';
      if (name === '' || names.get(k) !== '' || reserved.has(name)) continue;
      names.set(k, name);
      reserved.add(name);
    }
  };
  for (const c of Array.isArray(podSpec.containers) ? podSpec.containers : []) add(c);
  for (const c of Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []) {
    if (isObj(c) && c.restartPolicy === 'Always') add(c);
  }
  const keys = [...names.keys()].sort((a, b) => {
    const [pa = '', ta = ''] = a.split('/');
    const [pb = '', tb = ''] = b.split('/');
    return Number(pa) - Number(pb) || ta.localeCompare(tb);
  });
  return keys.map((k) => {
    const [portText = '', protocol = 'TCP'] = k.split('/');
    const port = Number(portText);
    let name = names.get(k) ?? '';
    if (name === '') {
      const base = `p-${port}-${protocol.toLowerCase()}`;
      name = base;
      for (let suffix = 2; reserved.has(name); suffix++) name = `${base}-${suffix}`;
    }
    reserved.add(name);
    return { name, protocol, port, targetPort: port };
  });
}
