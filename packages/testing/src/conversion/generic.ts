/** Conversion for CRDs without special rules: the same fields under another apiVersion. */
import type { KubeObject } from '../store/types.js';

export function withApiVersion(group: string, object: KubeObject, toVersion: string): KubeObject {
  const apiVersion = group === '' ? toVersion : `${group}/${toVersion}`;
  if (object.apiVersion === apiVersion) return object;
  return { ...object, apiVersion };
}
