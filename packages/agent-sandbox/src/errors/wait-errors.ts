import { AgentSandboxError } from './base.js';

/** What a waiter last saw of the object it waited on. */
export interface LastSeen {
  kind: string;
  namespace: string;
  name: string;
  reason: string | undefined;
  message: string | undefined;
}

function describe(seen: LastSeen): string {
  return `${seen.kind} ${seen.namespace}/${seen.name}`;
}

/** A claim reached a `Ready` reason it never recovers from (e.g. `InvalidMetadata`, `ClaimExpired`). */
export class ClaimFailedError extends AgentSandboxError {
  readonly reason: string;
  readonly serverMessage: string | undefined;
  readonly lastSeen: LastSeen;

  constructor(seen: LastSeen & { reason: string }) {
    super(
      'CLAIM_FAILED',
      `${describe(seen)} failed: ${seen.reason}${seen.message ? ` (${seen.message})` : ''}. ` +
        'This reason is terminal; fix the claim (or its pool/template) and create a new claim.',
    );
    this.reason = seen.reason;
    this.serverMessage = seen.message;
    this.lastSeen = seen;
  }
}

/** A Sandbox reached a terminal `Ready` reason (`SandboxExpired`, `PodFailed`, `PodSucceeded`). */
export class SandboxFailedError extends AgentSandboxError {
  readonly reason: string;
  readonly serverMessage: string | undefined;
  readonly lastSeen: LastSeen;

  constructor(seen: LastSeen & { reason: string }) {
    super(
      'SANDBOX_FAILED',
      `${describe(seen)} will not become Ready: ${seen.reason}${seen.message ? ` (${seen.message})` : ''}.`,
    );
    this.reason = seen.reason;
    this.serverMessage = seen.message;
    this.lastSeen = seen;
  }
}

/** The wait ran out of time. The message names the last reason and message seen. */
export class WaitTimeoutError extends AgentSandboxError {
  readonly timeoutMs: number;
  readonly lastSeen: LastSeen | undefined;
  readonly waitingFor: string;

  constructor(init: {
    waitingFor: string;
    timeoutMs: number;
    target: string;
    lastSeen?: LastSeen;
  }) {
    const last = init.lastSeen;
    const seenText =
      last === undefined
        ? `${init.target} was never seen`
        : last.reason === undefined
          ? `${init.target} had no Ready reason yet`
          : `last Ready reason ${last.reason}${last.message ? `: ${last.message}` : ''}`;
    super(
      'WAIT_TIMEOUT',
      `Timed out after ${init.timeoutMs} ms waiting for ${init.waitingFor} (${seenText}). ` +
        'Raise timeoutMs, or check the controller and the pool/template.',
      { retryable: true },
    );
    this.timeoutMs = init.timeoutMs;
    this.lastSeen = last;
    this.waitingFor = init.waitingFor;
  }
}

/** The object being waited on was deleted before the wait completed. */
export class ObjectDeletedError extends AgentSandboxError {
  readonly kind: string;
  readonly namespace: string;
  readonly objectName: string;

  constructor(kind: string, namespace: string, name: string, waitingFor: string) {
    super(
      'OBJECT_DELETED',
      `${kind} ${namespace}/${name} was deleted while waiting for ${waitingFor}.`,
    );
    this.kind = kind;
    this.namespace = namespace;
    this.objectName = name;
  }
}
