import { InvalidArgumentError, MIN_MEMORY_BYTES } from '@corral/sdk';

// Powers of 1024, as `docker --memory` and cgroups count them; `512m` and `512MiB` mean the same.
const UNIT_BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Parses `512m`, `1g`, `256MiB` or a bare byte count into bytes. */
export function parseSize(input: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(input.trim().toLowerCase());
  const factor = match ? UNIT_BYTES[match[2] ?? ''] : undefined;
  const bytes = match && factor !== undefined ? Math.floor(Number(match[1]) * factor) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(input)} is not a size. Use a positive number with one of the units b, k, m, g (powers of 1024; also kb/mb/gb, kib/mib/gib), e.g. 512m or 1g.`,
    );
  }
  return bytes;
}

/** `--memory`: a size of at least 4 MiB; a bare small number is most likely a missing unit. */
export function parseMemory(input: string, flag: string): number {
  const bytes = parseSize(input, flag);
  if (bytes < MIN_MEMORY_BYTES) {
    const bare = /^\d+$/.test(input.trim());
    throw new InvalidArgumentError(
      `${flag} ${input}: ${bytes} bytes is below the 4 MiB minimum${bare ? `; did you mean ${input.trim()}m?` : '.'}`,
    );
  }
  return bytes;
}
