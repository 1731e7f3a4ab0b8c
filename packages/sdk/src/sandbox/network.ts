import { InvalidArgumentError } from '../errors.js';
import type { NetworkMode } from '../provider.js';
import type { NetworkOption } from './types.js';

// Exact names or one leading wildcard label, as the filtering proxy matches them, optionally
// with one port (without a port the proxy allows 80 and 443 only).
const DOMAIN =
  /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/i;

/** Translates the facade's short network option into the provider's `NetworkMode`. */
export function toNetworkMode(option: NetworkOption): NetworkMode {
  if (option === 'none' || option === 'full') return { mode: option };
  if (typeof option === 'object' && option !== null && Array.isArray(option.allow)) {
    const bad = option.allow.filter((domain) => typeof domain !== 'string' || !DOMAIN.test(domain));
    if (option.allow.length === 0 || bad.length > 0) {
      throw new InvalidArgumentError(
        option.allow.length === 0
          ? 'network.allow is empty. List at least one domain (e.g. { allow: ["registry.npmjs.org"] }), or use network: "none".'
          : `network.allow has invalid domains: ${bad.map((d) => JSON.stringify(d)).join(', ')}. Use host names like "example.com", "*.example.com" or "example.com:8443" (without a port, 80 and 443 are allowed).`,
      );
    }
    return { mode: 'allow', domains: [...option.allow] };
  }
  throw new InvalidArgumentError(
    `network ${JSON.stringify(option)} is not valid. Use "none", "full" or { allow: ["example.com"] }.`,
  );
}
