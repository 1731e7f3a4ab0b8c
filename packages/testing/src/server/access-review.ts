/**
 * `SelfSubjectAccessReview`: what `kubectl auth can-i` and `corral doctor`'s RBAC checks ask.
 * It is not a stored object: the API server answers it from its authorizer. The fake has no
 * RBAC (it stores Roles and RoleBindings but authorizes by bearer token alone), so every caller
 * that got this far may do everything, and the answer (JSON, which kubectl also reads) says so.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, methodNotAllowed } from '../store/status-error.js';
import { accessReviewSpecFromProtobuf } from './access-review-protobuf.js';
import type { RequestRecord } from './request-log.js';
import { parseBody, readBody, send } from './responses.js';
import type { Route } from './routes.js';

export const ACCESS_REVIEW_REASON =
  'the @corral/testing fake cluster has no RBAC: every authenticated request is allowed';

export function isAccessReview(route: Route): boolean {
  return (
    route.kind === 'resource' &&
    route.group === 'authorization.k8s.io' &&
    route.resource === 'selfsubjectaccessreviews' &&
    route.name === undefined
  );
}

export async function serveAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
): Promise<void> {
  if (req.method !== 'POST') {
    throw methodNotAllowed('selfsubjectaccessreviews accept only create (POST)');
  }
  const contentType = req.headers['content-type'] ?? 'application/json';
  const raw = await readBody(req);
  const spec = contentType.startsWith('application/vnd.kubernetes.protobuf')
    ? accessReviewSpecFromProtobuf(raw)
    : (parseBody(raw, contentType) as { spec?: Record<string, unknown> } | undefined)?.spec;
  if (
    spec === undefined ||
    (spec.resourceAttributes === undefined && spec.nonResourceAttributes === undefined)
  ) {
    throw badRequest(
      'SelfSubjectAccessReview: spec.resourceAttributes or spec.nonResourceAttributes is required',
    );
  }
  send(res, record, 201, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: true, reason: ACCESS_REVIEW_REASON },
  });
}
