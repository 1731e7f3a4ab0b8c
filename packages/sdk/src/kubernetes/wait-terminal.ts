/** Waiting in the provider's claim cache until a sandbox's pod has ended. */
import {
  ClaimFailedError,
  waitForFinished,
  type AgentSandboxClient,
  type KindObject,
  type SharedInformer,
} from '@corral/agent-sandbox';
import { compact } from '../compact.js';
import { SandboxEndedError, SandboxNotFoundError, type CorralError } from '../errors.js';
import { toSdkError } from './errors-map.js';
import type { SandboxExit } from '../provider.js';
import { asCache, informers } from './claim-caches.js';
import type { Ref } from './claim-ref.js';

/** Resolves with how the claim's pod ended; errors untranslated (`doing` prefixes our own). */
export async function waitClaimTerminal(
  client: AgentSandboxClient,
  claims: SharedInformer<KindObject<'SandboxClaim'>>,
  ref: Ref,
  doing: string,
  signal: AbortSignal | undefined,
): Promise<SandboxExit> {
  await claims.synced(signal !== undefined ? { signal } : {});
  if (claims.get(ref.name) === undefined) {
    throw new SandboxNotFoundError(
      `${doing}: there is no SandboxClaim ${ref.namespace}/${ref.name}. Check the id with list().`,
    );
  }
  const finished = await waitForFinished(
    informers(client),
    'SandboxClaim',
    ref.name,
    compact({
      namespace: ref.namespace,
      cache: asCache(claims),
      signal,
    }),
  );
  return compact({
    succeeded: finished.reason === 'PodSucceeded',
    reason: finished.reason,
    message: finished.message,
  });
}

/** The SDK error of a failed terminal wait: a claim that can never finish is `SANDBOX_ENDED`. */
export function terminalWaitError(
  e: unknown,
  doing: string,
  signal: AbortSignal | undefined,
): CorralError {
  if (e instanceof ClaimFailedError && signal?.aborted !== true)
    return new SandboxEndedError(
      `${doing}: the sandbox can never finish (${e.message}). Create a new one.`,
      { cause: e },
    );
  return toSdkError(e, { signal, doing });
}
