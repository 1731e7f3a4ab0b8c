import { InvalidArgumentError } from '@corral/sdk';

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
