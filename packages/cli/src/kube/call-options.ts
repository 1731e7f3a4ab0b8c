import { Observable } from '@kubernetes/client-node';
import type { CoreV1Api } from '@kubernetes/client-node';

type CallOptions = Parameters<CoreV1Api['readNamespace']>[1];
type Middleware = NonNullable<NonNullable<CallOptions>['middleware']>[number];

/**
 * client-node 1.4.0 has no per-call `signal`; a `pre` middleware puts one on the request context,
 * which its fetch layer hands to node-fetch (same approach as @corral/agent-sandbox).
 */
export function withSignal(signal: AbortSignal): CallOptions {
  const middleware: Middleware = {
    pre: (context) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
