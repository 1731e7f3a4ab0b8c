import { InvalidArgumentError } from '@corral/sdk';
import type { NetworkOption } from '@corral/sdk';

/** `none`, `full`, or `allow=example.com,*.npmjs.org`. */
export function parseNetwork(input: string): NetworkOption {
  const text = input.trim();
  if (text === 'none' || text === 'full') return text;
  if (text.startsWith('allow=')) {
    const allow = text
      .slice('allow='.length)
      .split(',')
      .map((domain) => domain.trim())
      .filter((domain) => domain.length > 0);
    if (allow.length > 0) return { allow };
  }
  throw new InvalidArgumentError(
    `--network ${JSON.stringify(input)} is not a network mode. Use none, full, or allow=<domain>[,<domain>...] (e.g. allow=registry.npmjs.org,*.github.com).`,
  );
}
