/**
 * Corral's own label keys on SandboxClaims, and the helpers that keep names and label values
 * acceptable to the API server.
 *
 * Domain: `corral.dev/`. Upstream's keys (`agents.x-k8s.io/…`) stay upstream's; ours are kept
 * apart so a cluster admin can tell who set what and select Corral's claims alone.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../errors.js';

export const CORRAL_LABELS = {
  /** Who created the claim: `<hostname>-<pid>` by default, or the provider's `owner` option. */
  owner: 'corral.dev/owner',
  /** The Corral task the sandbox serves, when the caller gives one. */
  taskId: 'corral.dev/task-id',
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** `corral-<8 hex>`, the claim name when the caller gives no id. */
export function generateClaimName(): string {
  return `corral-${randomBytes(4).toString('hex')}`;
}

/** Throws unless `name` can be a claim name (a DNS-1123 label, at most 63 characters). */
export function checkClaimName(name: string, what = 'id'): string {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw new InvalidArgumentError(
      `${what} ${JSON.stringify(name)} cannot be a SandboxClaim name. Use at most 63 lowercase ` +
        'letters, digits and "-", starting and ending with a letter or digit (e.g. "corral-task-42").',
    );
  }
  return name;
}

/**
 * Makes any string a valid label value: invalid characters become `-`, leading and trailing
 * non-alphanumerics are dropped, and the result is cut to 63 characters.
 */
export function toLabelValue(value: string): string {
  let out = value.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63);
  out = out.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  return out;
}

/** Throws unless `value` is a valid label value (callers' own labels are not rewritten). */
export function checkLabelValue(key: string, value: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new InvalidArgumentError(
      `Label ${key}=${JSON.stringify(value)} has an invalid value. Label values are at most 63 ` +
        'characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit.',
    );
  }
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless `key` is a valid label key (`[prefix/]name`). */
export function checkLabelKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && LABEL_PREFIX.test(prefix));
  if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
    throw new InvalidArgumentError(
      `Label key ${JSON.stringify(key)} is invalid. Use an optional DNS prefix and "/", then at ` +
        'most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit.',
    );
  }
}

/** `<hostname>-<pid>` made label-safe: the default owner of what this process creates. */
export function defaultOwner(): string {
  return toLabelValue(`${hostname()}-${process.pid}`) || `pid-${process.pid}`;
}

/** Kubernetes' RFC3339Nano-like form with microseconds: `2026-09-01T12:00:00.123000Z`. */
export function rfc3339Micro(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
