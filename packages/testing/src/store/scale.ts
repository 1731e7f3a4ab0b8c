/** The `autoscaling/v1 Scale` view of a resource with a `scale` subresource. */
import type { ScaleSubresource } from '../resources/types.js';
import { isPlainObject } from './patch.js';
import type { KubeObject } from './types.js';

function read(object: unknown, jsonPath: string): unknown {
  let current = object;
  for (const part of jsonPath.replace(/^\./, '').split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

export function write(object: Record<string, unknown>, jsonPath: string, value: unknown): void {
  const parts = jsonPath.replace(/^\./, '').split('.');
  let current = object;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(current[part])) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]!] = value;
}

export function toScale(object: KubeObject, scale: ScaleSubresource): KubeObject {
  const m = object.metadata;
  const status: Record<string, unknown> = { replicas: read(object, scale.statusReplicasPath) ?? 0 };
  const selector = scale.labelSelectorPath ? read(object, scale.labelSelectorPath) : undefined;
  if (typeof selector === 'string' && selector !== '') status.selector = selector;
  const metadata: Record<string, unknown> = {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
  };
  for (const k of Object.keys(metadata)) if (metadata[k] === undefined) delete metadata[k];
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: read(object, scale.specReplicasPath) ?? 0 },
    status,
  };
}
