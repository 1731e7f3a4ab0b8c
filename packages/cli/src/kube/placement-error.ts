/**
 * A missing warm pool or template, or a claim that timed out on `WarmPoolNotFound`, said in the
 * CLI's words: which flag fixes it (`-n/--namespace`, `--warm-pool`), not which SDK option.
 */
import { PlacementNotFoundError, TimeoutError } from '@corral/sdk';
import { ExitCode } from '../exit-codes.js';

/** The shape of error-handler.ts's `HandledError` (not imported: that module imports this one). */
interface Described {
  exitCode: number;
  code: string;
  message: string;
  hint: string;
}

const DEPLOYED =
  '`kubectl apply -k deploy/v1beta1` makes pools corral-runner and corral-runner-cold in namespace corral-sandboxes';

export function describePlacementError(error: unknown): Described | undefined {
  if (error instanceof PlacementNotFoundError) {
    const pool = error.kind === 'SandboxWarmPool';
    const what = pool ? 'warm pool' : 'template';
    const plural = pool ? 'pools' : 'templates';
    const flag = pool ? '--warm-pool' : '--template';
    const here = error.available.length > 0 ? error.available.join(', ') : '(none)';
    const elsewhere =
      error.elsewhere.length > 0 ? `; in other namespaces: ${error.elsewhere.join(', ')}` : '';
    const namespaces = error.elsewhere
      .filter((entry) => entry.endsWith(`/${error.objectName}`))
      .map((entry) => entry.split('/')[0]!);
    const hint =
      namespaces.length > 0
        ? `pass -n/--namespace ${namespaces[0]!} (it is there).`
        : `pass -n/--namespace for the namespace that has it, or ${flag} naming one that exists (${DEPLOYED}).`;
    return {
      exitCode: ExitCode.NOT_FOUND,
      code: error.code,
      message: `${what} ${error.objectName} not found in namespace ${error.namespace}; ${plural} here: ${here}${elsewhere}.`,
      hint,
    };
  }
  if (
    error instanceof TimeoutError &&
    (error.lastReason === 'WarmPoolNotFound' || error.lastReason === 'TemplateNotFound')
  ) {
    return {
      exitCode: ExitCode.TIMEOUT,
      code: error.code,
      message: error.message,
      hint: `Waiting longer will not help: create the pool or template, or pass -n/--namespace and --warm-pool naming one that exists (${DEPLOYED}).`,
    };
  }
  return undefined;
}
