import { Observable, type CustomObjectsApi } from '@kubernetes/client-node';

/** The per-call options argument of client-node's generated API methods. */
export type CallOptions = Parameters<CustomObjectsApi['getNamespacedCustomObject']>[1];
type Middleware = NonNullable<NonNullable<CallOptions>['middleware']>[number];

/**
 * client-node 1.4.0 has no per-call `signal`. The object-parameter API runs middleware on its
 * Observable stub (not promises), so `pre`/`post` return that stub's `Observable`. A `pre` middleware can put one on the request
 * context, which its fetch layer passes to node-fetch; the Content-Type override is how a patch
 * picks merge, JSON or apply semantics (the generated code defaults to JSON Patch).
 */
export function callOptions(
  signal: AbortSignal | undefined,
  contentType?: string,
): CallOptions | undefined {
  const middleware: Middleware[] = [];
  if (signal !== undefined || contentType !== undefined) {
    middleware.push({
      pre: (context) => {
        if (signal !== undefined) context.setSignal(signal);
        if (contentType !== undefined) context.setHeaderParam('Content-Type', contentType);
        return new Observable(Promise.resolve(context));
      },
      post: (response) => new Observable(Promise.resolve(response)),
    });
  }
  return middleware.length === 0 ? undefined : { middleware, middlewareMergeStrategy: 'append' };
}

/** Drops `undefined` values so optional parameters stay absent (exactOptionalPropertyTypes). */
export function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}
