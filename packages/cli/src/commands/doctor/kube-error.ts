import { AgentSandboxError, translateError } from '@corral/agent-sandbox';

/** A Kubernetes call's failure reduced to what the checks branch on. */
export interface KubeFailure {
  /** agent-sandbox's code: NOT_FOUND, FORBIDDEN, UNAUTHORIZED, CONNECTION_FAILED, ... */
  code: string;
  message: string;
}

export function kubeFailure(error: unknown): KubeFailure {
  const e = translateError(error);
  if (e instanceof AgentSandboxError) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Runs a call; a failure comes back as a value, so checks can switch on its code. */
export async function attempt<T>(
  call: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; failure: KubeFailure }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, failure: kubeFailure(error) };
  }
}

export const DEPLOY_DOC = 'docs/deploy.md';
export const INSTALL_FIX =
  'Install agent-sandbox with its extensions (release asset sandbox-with-extensions.yaml: ' +
  '`kubectl apply -f https://github.com/kubernetes-sigs/agent-sandbox/releases/latest/download/sandbox-with-extensions.yaml`); see docs/deploy.md.';
