import type { AgentSandboxClient } from '@corral/agent-sandbox';
import { CorralError } from '../errors.js';
import { isNotFound, type Ref } from './claim-ref.js';

/** Deletes every id at once; one `CLEANUP_FAILED` error names how many of them failed. */
export async function deleteEach(
  ids: readonly string[],
  remove: (id: string) => Promise<void>,
): Promise<void> {
  const results = await Promise.allSettled(ids.map((id) => remove(id)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    throw new CorralError(`Deleting ${failures.length} of ${ids.length} sandbox(es) failed.`, {
      code: 'CLEANUP_FAILED',
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  }
}

/** Deletes a claim after a failed create, on its own budget; the error when that failed too. */
export async function deleteHalfMadeClaim(
  client: AgentSandboxClient,
  ref: Ref,
  timeoutMs: number,
): Promise<Error | undefined> {
  try {
    await client.claims.delete(ref.name, {
      namespace: ref.namespace,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return undefined;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    return e instanceof Error ? e : new CorralError(String(e), { cause: e });
  }
}
