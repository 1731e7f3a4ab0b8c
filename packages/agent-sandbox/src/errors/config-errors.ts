import { AgentSandboxError } from './base.js';

/** No kubeconfig or in-cluster service account was found, or the requested context is missing. */
export class ConfigNotFoundError extends AgentSandboxError {
  readonly searched: readonly string[];

  constructor(message: string, searched: readonly string[] = []) {
    super('CONFIG_NOT_FOUND', message);
    this.searched = searched;
  }
}

/** A request the served API version cannot express (e.g. a template-only claim on v1beta1). */
export class UnsupportedRequestError extends AgentSandboxError {
  constructor(message: string) {
    super('UNSUPPORTED_REQUEST', message);
  }
}

/** The caller passed something unusable; the message says what and how to fix it. */
export class KubeInvalidArgumentError extends AgentSandboxError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** The cluster serves none of the agent-sandbox API versions this package speaks. */
export class NotInstalledError extends AgentSandboxError {
  readonly group: string;

  constructor(group: string, served: readonly string[]) {
    super(
      'NOT_INSTALLED',
      `The cluster does not serve ${group} in v1beta1 or v1alpha1` +
        (served.length > 0 ? ` (it serves ${served.join(', ')})` : '') +
        '. Install the agent-sandbox CRDs (release asset sandbox-with-extensions.yaml) or check the kubeconfig context.',
    );
    this.group = group;
  }
}
