/** The Sandbox bound to a claim, and the pod and container that logs and exec talk to. */
import {
  boundSandboxName,
  translateError,
  type AgentSandboxClient,
  type KubeObject,
} from '@corral/agent-sandbox';
import { CoreV1Api } from '@kubernetes/client-node';
import { ConnectionError, SandboxNotFoundError, SandboxNotReadyError } from '../errors.js';
import { isNotFound, requestFor, type Ref } from './claim-ref.js';
import { podNameOf } from './info.js';

/** The bound Sandbox of a claim, read from the API. */
export async function boundSandbox(
  client: AgentSandboxClient,
  ref: Ref,
  signal: AbortSignal | undefined,
): Promise<{ claim: KubeObject; sandboxName: string; sandbox: KubeObject }> {
  let claim: KubeObject;
  try {
    claim = await client.claims.get(ref.name, requestFor(ref, signal));
  } catch (e) {
    if (isNotFound(e)) {
      throw new SandboxNotFoundError(
        `Sandbox ${ref.id} does not exist (no SandboxClaim ${ref.namespace}/${ref.name}).`,
        { cause: e },
      );
    }
    throw e;
  }
  const sandboxName = boundSandboxName(claim);
  if (sandboxName === undefined) {
    throw new SandboxNotReadyError(
      `Claim ${ref.namespace}/${ref.name} is not bound to a Sandbox yet; wait until it is Ready.`,
    );
  }
  try {
    const sandbox = await client.sandboxes.get(sandboxName, requestFor(ref, signal));
    return { claim, sandboxName, sandbox };
  } catch (e) {
    if (isNotFound(e)) {
      throw new SandboxNotFoundError(
        `The Sandbox ${ref.namespace}/${sandboxName} of claim ${ref.name} is gone (expired or deleted).`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** The sandbox's pod, and `container` or else the pod's first container. Errors untranslated. */
export async function podTarget(
  client: AgentSandboxClient,
  ref: Ref,
  container: string | undefined,
  signal: AbortSignal | undefined,
): Promise<{ namespace: string; pod: string; container: string }> {
  const { sandboxName, sandbox } = await boundSandbox(client, ref, signal);
  const pod = podNameOf(sandboxName, sandbox);
  if (container !== undefined) return { namespace: ref.namespace, pod, container };
  const core = client.kubeConfig.makeApiClient(CoreV1Api);
  let first: string | undefined;
  try {
    const found = await core.readNamespacedPod({ name: pod, namespace: ref.namespace });
    first = found.spec?.containers[0]?.name;
  } catch (e) {
    const translated = translateError(e, signal);
    if (isNotFound(translated)) {
      throw new ConnectionError(
        `Pod ${ref.namespace}/${pod} does not exist (is the sandbox suspended?).`,
        { retryable: false, cause: translated },
      );
    }
    throw translated;
  }
  if (first === undefined) {
    throw new SandboxNotReadyError(
      `Pod ${ref.namespace}/${pod} has no containers yet; pass { container } or retry once it runs.`,
    );
  }
  return { namespace: ref.namespace, pod, container: first };
}
