/**
 * Before a create with a caller-chosen claim name (the orchestrator derives it from the task id):
 * wait until a claim or cold Sandbox of that name that is being deleted has gone. Deletion on a
 * cluster is asynchronous (garbage collector, pod grace periods), so right after a cleanup the
 * old claim can still be Terminating (foreground deletion) or its Sandbox still be there; a new
 * claim would then get 409 AlreadyExists or sit at `ReconcilerError` ("sandbox … is not
 * controlled by claim …") until the old objects are gone.
 */
import {
  AgentSandboxError,
  waitForDeleted,
  type AgentSandboxClient,
  type InformerProvider,
  type KubeObject,
} from '@corral/agent-sandbox';
import { compact } from '../compact.js';

export interface WaitNameFreeOptions {
  namespace: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

async function getOrUndefined(read: () => Promise<KubeObject>): Promise<KubeObject | undefined> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof AgentSandboxError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

/** A Sandbox left by a deleted claim: deleting, or controlled by a claim other than `claim`. */
function isLeftover(sandbox: KubeObject, claim: KubeObject | undefined): boolean {
  if (sandbox.metadata?.deletionTimestamp !== undefined) return true;
  const owner = sandbox.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (owner?.kind !== 'SandboxClaim') return false;
  return claim === undefined || owner.uid !== claim.metadata?.uid;
}

export async function waitNameFree(
  client: AgentSandboxClient,
  name: string,
  options: WaitNameFreeOptions,
): Promise<void> {
  const { namespace, timeoutMs, signal } = options;
  const req = compact({ namespace, signal });
  const waitOptions = compact({ namespace, timeoutMs, signal });
  const informers = client as unknown as InformerProvider;
  let claim = await getOrUndefined(() => client.claims.get(name, req));
  if (claim?.metadata?.deletionTimestamp !== undefined) {
    await waitForDeleted(informers, 'SandboxClaim', name, waitOptions);
    claim = undefined;
  }
  if (claim !== undefined) return; // a live claim: the create reports the conflict
  const sandbox = await getOrUndefined(() => client.sandboxes.get(name, req));
  if (sandbox !== undefined && isLeftover(sandbox, claim)) {
    await waitForDeleted(informers, 'Sandbox', name, waitOptions);
  }
}
