import { CorralError } from '../errors.js';

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
