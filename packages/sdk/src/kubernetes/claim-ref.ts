/** How a sandbox id names a claim, and the error shapes that mean "not there" or "may exist". */
import { AgentSandboxError } from '@corral/agent-sandbox';
import { compact } from '../compact.js';
import { InvalidArgumentError, SandboxNotFoundError } from '../errors.js';
import { checkClaimName } from './names.js';

export interface Ref {
  namespace: string;
  name: string;
  /** `name`, or `namespace/name` outside the provider's namespace. */
  id: string;
}

/** A checked reference to claim `name` in `namespace` (default: the provider's). */
export function claimRef(
  name: string,
  namespace: string | undefined,
  defaultNamespace: string,
): Ref {
  const ns = namespace ?? defaultNamespace;
  checkClaimName(name);
  checkClaimName(ns, 'namespace');
  return { namespace: ns, name, id: ns === defaultNamespace ? name : `${ns}/${name}` };
}

/** `name` or `namespace/name` → a checked reference. */
export function parseSandboxId(id: string, defaultNamespace: string): Ref {
  if (typeof id !== 'string' || id === '') {
    throw new InvalidArgumentError('A sandbox id is a claim name, e.g. "corral-1a2b3c4d".');
  }
  const slash = id.indexOf('/');
  return slash === -1
    ? claimRef(id, undefined, defaultNamespace)
    : claimRef(id.slice(slash + 1), id.slice(0, slash), defaultNamespace);
}

/** The request options of a call on the claim's namespace. */
export function requestFor(
  ref: Ref,
  signal: AbortSignal | undefined,
): { namespace: string; signal?: AbortSignal } {
  return compact({ namespace: ref.namespace, signal });
}

/** The object is not there: the API's 404 or the SDK's missing sandbox. */
export function isNotFound(e: unknown): boolean {
  return (
    (e instanceof AgentSandboxError && e.code === 'NOT_FOUND') || e instanceof SandboxNotFoundError
  );
}

/** Errors after which a create may still have reached the server (the claim may exist). */
export function createMayHaveLanded(e: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted === true) return true;
  return (
    e instanceof AgentSandboxError &&
    (e.code === 'CONNECTION_FAILED' || e.code === 'SERVER_ERROR' || e.code === 'TOO_MANY_REQUESTS')
  );
}
