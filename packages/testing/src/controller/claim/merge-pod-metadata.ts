/**
 * Claim pod metadata (upstream `validateAdditionalPodMetadata`, `mergePodMetadata`).
 */
import type { KubeObject } from '../../store/types.js';
import { type ControllerContext } from '../context.js';
import { isObj, type Obj } from '../kube.js';
import {
  RESTRICTED_ANNOTATION_DOMAINS,
  EXEMPT_ANNOTATIONS,
  LABEL_VALUE,
  spec,
  stringMap,
  isQualifiedName,
} from './claim-shared.js';

export function additionalMetadata(claim: KubeObject): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const meta = spec(claim).additionalPodMetadata;
  return {
    labels: stringMap(isObj(meta) ? meta.labels : undefined),
    annotations: stringMap(isObj(meta) ? meta.annotations : undefined),
  };
}

export function validateAdditionalPodMetadata(
  ctx: ControllerContext,
  claim: KubeObject,
): string | undefined {
  const { labels, annotations } = additionalMetadata(claim);
  const allowed =
    ctx.allowedLabelDomains.length > 0 ? ctx.allowedLabelDomains : ['sandbox.users.io'];
  const validate = (key: string, value: string, isLabel: boolean): string | undefined => {
    const invalid = isQualifiedName(key);
    if (invalid !== undefined)
      return `invalid ${isLabel ? 'label' : 'annotation'} key: "${key}": ${invalid}`;
    if (isLabel && key.toLowerCase() === 'app' && value.toLowerCase() === 'sandbox-router') {
      return `restricted system label value: "${key}"="${value}" is not allowed in AdditionalPodMetadata`;
    }
    const slash = key.indexOf('/');
    const domain = slash >= 0 ? key.slice(0, slash).toLowerCase() : '';
    if (slash < 0 && isLabel) {
      return `label "${key}" must have a domain prefix (e.g. 'sandbox.users.io/my-label') to prevent opting into unintended policy domains`;
    }
    const inDomain = (d: string): boolean => domain === d || domain.endsWith(`.${d}`);
    if (isLabel) {
      if (!allowed.some(inDomain)) return `label domain "${domain}" is not in the allowlist`;
      if (value.length > 63 || !LABEL_VALUE.test(value)) {
        return `invalid label value: "${value}" does not match allowed pattern: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
      }
    } else if (
      RESTRICTED_ANNOTATION_DOMAINS.some(inDomain) &&
      !EXEMPT_ANNOTATIONS.includes(key as never)
    ) {
      return `restricted system domain: "${key}" is not allowed in AdditionalPodMetadata`;
    }
    return undefined;
  };
  for (const [k, v] of Object.entries(labels)) {
    const e = validate(k, v, true);
    if (e !== undefined) return `failed to validate label "${k}": ${e}`;
  }
  for (const [k, v] of Object.entries(annotations)) {
    const e = validate(k, v, false);
    if (e !== undefined) return `failed to validate annotation "${k}": ${e}`;
  }
  return undefined;
}

/** Claim metadata merged over template pod metadata; a different value for a key is an error. */
export function mergePodMetadata(target: Obj, claim: KubeObject): void {
  const { labels, annotations } = additionalMetadata(claim);
  const tLabels = stringMap(target.labels);
  const tAnnotations = stringMap(target.annotations);
  for (const [k, v] of Object.entries(labels)) {
    const tv = tLabels[k];
    if (tv !== undefined && tv !== v) {
      throw new Error(
        `metadata override conflict: label "${k}" is defined in template with value "${tv}", but claim requests "${v}"`,
      );
    }
  }
  for (const [k, v] of Object.entries(annotations)) {
    const tv = tAnnotations[k];
    if (tv !== undefined && tv !== v) {
      throw new Error(
        `metadata override conflict: annotation "${k}" is defined in template with value "${tv}", but claim requests "${v}"`,
      );
    }
  }
  if (Object.keys(labels).length > 0) target.labels = { ...tLabels, ...labels };
  if (Object.keys(annotations).length > 0) target.annotations = { ...tAnnotations, ...annotations };
}
