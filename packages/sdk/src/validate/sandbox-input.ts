/**
 * The one place the SDK checks what a caller wrote for a sandbox's environment and limits, so the
 * same mistake gets the same message (and error class) from `Sandbox.create`, a provider called
 * directly, and `commands.run`. Providers add only what is specific to them.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ResourceLimits } from '../provider.js';

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A sandbox below this cannot start its runner (node). */
export const MIN_MEMORY_BYTES = 4 * 1024 * 1024;
export const MIN_CPUS = 0.01;
/**
 * Linux refuses to exec a program with one `NAME=value` longer than MAX_ARG_STRLEN (128 KiB), and
 * every environment counts against ARG_MAX with the arguments; bounding both here turns a failed
 * exec inside the sandbox (E2BIG, long after the mistake) into an error before anything starts.
 */
export const MAX_ENV_ENTRY_BYTES = 128 * 1024 - 1;
export const MAX_ENV_TOTAL_BYTES = 1024 * 1024;

/** Checks env names and sizes; `what` names the field in the message (`env`, `--env`). */
export function checkEnv(env: Readonly<Record<string, string>> | undefined, what = 'env'): void {
  if (env === undefined) return;
  let total = 0;
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME_PATTERN.test(name)) {
      throw new InvalidArgumentError(
        `${what} name ${JSON.stringify(name)} is not valid. Use letters, digits and _, not starting with a digit.`,
      );
    }
    if (typeof value !== 'string') {
      throw new InvalidArgumentError(`${what} ${name} must be a string, got ${typeof value}.`);
    }
    if (value.includes('\0')) {
      throw new InvalidArgumentError(
        `${what} ${name} contains a NUL byte, which no environment can hold.`,
      );
    }
    const bytes = Buffer.byteLength(name) + 1 + Buffer.byteLength(value);
    if (bytes > MAX_ENV_ENTRY_BYTES) {
      throw new InvalidArgumentError(
        `${what} ${name} is ${bytes} bytes; one variable may be at most ${MAX_ENV_ENTRY_BYTES} bytes (Linux's limit for one NAME=value). Write large values to a file in the sandbox instead.`,
      );
    }
    total += bytes + 1;
  }
  if (total > MAX_ENV_TOTAL_BYTES) {
    throw new InvalidArgumentError(
      `${what} is ${total} bytes in all; at most ${MAX_ENV_TOTAL_BYTES} bytes (1 MiB) fit beside a command's arguments. Write large values to a file in the sandbox instead.`,
    );
  }
}

/** Checks resource limits: finite, positive, at least what a sandbox needs to start. */
export function checkLimits(limits: ResourceLimits | undefined): void {
  if (limits === undefined) return;
  const { memoryBytes, cpus, maxProcesses } = limits;
  if (memoryBytes !== undefined) {
    if (!Number.isFinite(memoryBytes) || memoryBytes <= 0) {
      throw new InvalidArgumentError(
        `limits.memoryBytes must be a positive number of bytes, got ${String(memoryBytes)}.`,
      );
    }
    if (memoryBytes < MIN_MEMORY_BYTES) {
      throw new InvalidArgumentError(
        `limits.memoryBytes ${memoryBytes} is below the 4 MiB minimum (${MIN_MEMORY_BYTES} bytes) a sandbox needs to start.`,
      );
    }
  }
  if (cpus !== undefined && !(Number.isFinite(cpus) && cpus >= MIN_CPUS)) {
    throw new InvalidArgumentError(
      `limits.cpus must be a number of cores >= ${MIN_CPUS}, got ${String(cpus)}.`,
    );
  }
  if (
    maxProcesses !== undefined &&
    !(Number.isFinite(maxProcesses) && Number.isInteger(maxProcesses) && maxProcesses >= 1)
  ) {
    throw new InvalidArgumentError(
      `limits.maxProcesses must be a whole number >= 1, got ${String(maxProcesses)}.`,
    );
  }
  const { diskBytes } = limits;
  if (diskBytes !== undefined && !(Number.isFinite(diskBytes) && diskBytes > 0)) {
    throw new InvalidArgumentError(
      `limits.diskBytes must be a positive number of bytes, got ${String(diskBytes)}.`,
    );
  }
}
