/**
 * Claim names and timestamps in the forms the API server accepts. Label keys and values are
 * checked by `../labels.ts`, for every provider.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

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

/** Kubernetes' RFC3339Nano-like form with microseconds: `2026-09-01T12:00:00.123000Z`. */
export function rfc3339Micro(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
