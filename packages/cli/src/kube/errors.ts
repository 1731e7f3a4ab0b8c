import type { CorralError } from '@corral/sdk';
import { toSdkError } from '@corral/sdk/kubernetes';
import { compact } from '@corral/sdk';

/**
 * Kubernetes and agent-sandbox errors from the CLI's own cluster calls (pools, templates,
 * doctor) become `CorralError`s through the SDK's one translation; `doing` prefixes the message
 * ("Scaling pool x: ..."). A 404 here is a missing pool or template, not a missing sandbox.
 */
export function toCliError(error: unknown, doing: string, signal?: AbortSignal): CorralError {
  return toSdkError(error, { doing, notFound: 'resource', ...compact({ signal }) });
}
