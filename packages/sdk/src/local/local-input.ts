/** The local provider's own input rules (shared bounds live in `validate/sandbox-input.ts`). */
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { ResourceLimits } from '../provider.js';
import { MIN_DISK_BYTES } from './work-disk.js';

/** A sandbox id is its directory name under the state dir. */
export const ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function newId(): string {
  return `sbx-${randomBytes(8).toString('hex')}`;
}

const BIND_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function checkReadOnlyBinds(
  binds: Record<string, string> | undefined,
): Record<string, string> {
  for (const [name, source] of Object.entries(binds ?? {})) {
    if (!BIND_NAME_RE.test(name) || name === 'runner.mjs' || name === 'node') {
      throw new InvalidArgumentError(
        `readOnlyBinds name ${JSON.stringify(name)} is invalid: use [a-z0-9][a-z0-9._-]* (not 'runner.mjs' or 'node'); it appears at /opt/corral/<name>`,
      );
    }
    if (!isAbsolute(source)) {
      throw new InvalidArgumentError(
        `readOnlyBinds.${name} must be an absolute host path, got ${JSON.stringify(source)}`,
      );
    }
  }
  return { ...binds };
}

/** The local provider's own bound: an ext4 image smaller than this cannot be made. */
export function checkDiskLimit(limits: ResourceLimits | undefined): void {
  const diskBytes = limits?.diskBytes;
  if (diskBytes !== undefined && diskBytes < MIN_DISK_BYTES) {
    throw new InvalidArgumentError(
      `limits.diskBytes ${diskBytes} is below the local provider's ${MIN_DISK_BYTES / 1024 / 1024} MiB minimum (the work dir's ext4 image); ask for at least 16m.`,
    );
  }
}

/** Settings compare by value: a pooled sandbox fits a request made with equal ones. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
