import { InvalidArgumentError } from '@corral/sdk';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses `500ms`, `30s`, `1.5m`, `2h` (or a chain such as `1m30s`) into milliseconds. A unit is
 * required: a bare `30` is ambiguous between seconds and milliseconds, so it is refused.
 */
export function parseDuration(input: string, flag: string): number {
  const text = input.trim().toLowerCase();
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const match of text.matchAll(pattern)) {
    const [whole, amount, unit] = match;
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
    matched += whole.length;
  }
  if (text.length === 0 || matched !== text.length || !Number.isFinite(total) || total <= 0) {
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(input)} is not a duration. Use a positive number with a unit: ms, s, m or h (e.g. 500ms, 30s, 2m, 1h30m).`,
    );
  }
  return Math.round(total);
}
