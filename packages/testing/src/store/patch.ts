/** JSON merge patch (RFC 7386) and JSON patch (RFC 6902), with the apiserver's error codes. */
import { badRequest, StatusError } from './status-error.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function unprocessable(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw unprocessable(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function container(doc: unknown, parts: string[], pointer: string): unknown {
  let current = doc;
  for (const part of parts) {
    if (Array.isArray(current)) {
      const index = Number(part);
      if (!Number.isInteger(index) || index < 0 || index >= current.length) {
        throw unprocessable(
          `the server rejected our request due to an error in our request: doc is missing path: "${pointer}"`,
        );
      }
      current = current[index];
    } else if (isPlainObject(current) && Object.hasOwn(current, part)) {
      current = current[part];
    } else {
      throw unprocessable(`doc is missing path: "${pointer}": missing value`);
    }
  }
  return current;
}

function getAt(doc: unknown, pointer: string): unknown {
  return container(doc, parsePointer(pointer), pointer);
}

function removeAt(doc: unknown, pointer: string): unknown {
  const parts = parsePointer(pointer);
  const last = parts.pop();
  if (last === undefined) throw unprocessable('cannot remove the document root');
  const parent = container(doc, parts, pointer);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) {
      throw unprocessable(`remove operation does not apply: doc is missing path: "${pointer}"`);
    }
    return parent.splice(index, 1)[0];
  }
  if (isPlainObject(parent) && Object.hasOwn(parent, last)) {
    const old = parent[last];
    delete parent[last];
    return old;
  }
  throw unprocessable(`remove operation does not apply: doc is missing path: "${pointer}"`);
}

function addAt(doc: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const parts = parsePointer(pointer);
  const last = parts.pop();
  if (last === undefined) return value;
  const parent = container(doc, parts, pointer);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    const max = replace ? parent.length - 1 : parent.length;
    if (!Number.isInteger(index) || index < 0 || index > max) {
      throw unprocessable(
        `${replace ? 'replace' : 'add'} operation does not apply: doc is missing path: "${pointer}"`,
      );
    }
    if (replace) parent[index] = value;
    else parent.splice(index, 0, value);
  } else if (isPlainObject(parent)) {
    if (replace && !Object.hasOwn(parent, last)) {
      throw unprocessable(
        `replace operation does not apply: doc is missing key: ${pointer}: missing value`,
      );
    }
    parent[last] = value;
  } else {
    throw unprocessable(`doc is missing path: "${pointer}"`);
  }
  return doc;
}

/** Applies an RFC 6902 patch; 400 when the body is not a patch, 422 when an operation fails. */
export function jsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  let doc = deepClone(document);
  for (const raw of patch as unknown[]) {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest(`invalid JSON patch operation: ${JSON.stringify(raw)}`);
    }
    const op = raw as unknown as JsonPatchOp;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, deepClone(op.value), false);
        break;
      case 'replace':
        doc = addAt(doc, op.path, deepClone(op.value), true);
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'copy':
        doc = addAt(doc, op.path, deepClone(getAt(doc, op.from ?? '')), false);
        break;
      case 'move': {
        const value = removeAt(doc, op.from ?? '');
        doc = addAt(doc, op.path, value, false);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, op.path), op.value)) {
          throw unprocessable(
            `the server rejected our request due to an error in our request: testing value ${op.path} failed: test failed`,
          );
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
