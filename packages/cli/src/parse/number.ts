import { InvalidArgumentError } from '@corral/sdk';

/** A positive decimal, e.g. `--cpus 0.5`. */
export function parsePositiveNumber(input: string, flag: string, example: string): number {
  const value = Number(input.trim());
  if (input.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(input)} must be a positive number, e.g. ${flag} ${example}.`,
    );
  }
  return value;
}

/** A positive whole number, e.g. `--pids 128`. */
export function parsePositiveInteger(input: string, flag: string, example: string): number {
  const text = input.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(input)} must be a positive whole number, e.g. ${flag} ${example}.`,
    );
  }
  return value;
}
