import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  resource?: string;
  subresource?: string;
}

/** Decides a SelfSubjectAccessReview; a string denies with that reason. */
export type AccessPolicy = (attributes: ResourceAttributes) => true | string;

export const allowAll: AccessPolicy = () => true;

export interface AccessReviewProxy {
  url: string;
  /** Replaces the policy for later reviews. */
  setPolicy(policy: AccessPolicy): void;
  stop(): Promise<void>;
}

const REVIEWS_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/**
 * The fake API server has no RBAC, and a SelfSubjectAccessReview is not a stored object, so this
 * small proxy in front of it answers `POST .../selfsubjectaccessreviews` itself (as the real
 * authorizer would: 201 with `status.allowed`) and forwards every other request unchanged.
 */
export async function startAccessReviewProxy(
  target: string,
  initial: AccessPolicy = allowAll,
): Promise<AccessReviewProxy> {
  let policy = initial;
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === REVIEWS_PATH) {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const review = JSON.parse(body) as {
          spec?: { resourceAttributes?: ResourceAttributes };
        };
        const decision = policy(review.spec?.resourceAttributes ?? {});
        const answer = {
          ...review,
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          metadata: {},
          status:
            decision === true
              ? { allowed: true, reason: 'allowed by the test policy' }
              : { allowed: false, reason: decision },
        };
        const text = JSON.stringify(answer);
        res.writeHead(201, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
        });
        res.end(text);
      });
      return;
    }
    const forward = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setPolicy(next) {
      policy = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
