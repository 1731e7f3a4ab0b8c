import { InvalidArgumentError } from '@corral/sdk';
import type { IsolationLevel } from '@corral/sdk';

const LEVELS: readonly IsolationLevel[] = ['gvisor', 'bubblewrap', 'unshare', 'none'];

export function parseIsolation(input: string): IsolationLevel {
  const level = LEVELS.find((candidate) => candidate === input.trim());
  if (!level) {
    throw new InvalidArgumentError(
      `--isolation ${JSON.stringify(input)} is not an isolation level. Use one of: ${LEVELS.join(', ')} (none runs without any sandboxing).`,
    );
  }
  return level;
}
