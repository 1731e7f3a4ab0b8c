/**
 * Which network modes each local isolation level can keep, checked before anything starts. A
 * mode the level cannot enforce is refused, never silently widened (red-team W11: `none` with
 * network `none` used to reach the host's loopback services without a word).
 */
import { InvalidArgumentError } from '../errors.js';
import type { IsolationLevel, NetworkMode } from '../provider.js';
import { parseAllowEntry } from './egress-allow.js';

export function checkNetworkForLevel(level: IsolationLevel, network: NetworkMode): void {
  if (level === 'none' && network.mode !== 'full') {
    throw new InvalidArgumentError(
      `isolation 'none' cannot keep network mode '${network.mode}': the code would run in the host's network, its loopback services included. ` +
        `To accept that, ask for it: network { mode: 'full' } (CLI: --network full). For a private network use isolation 'bubblewrap', 'unshare' or 'gvisor'.`,
    );
  }
  if (level === 'gvisor' && network.mode !== 'none') {
    throw new InvalidArgumentError(
      `network mode '${network.mode}' is not offered with gVisor; ask for network 'none' (CLI: --network none), or use isolation 'bubblewrap' (CLI: --isolation bubblewrap) for allow-listed egress`,
    );
  }
  if (network.mode !== 'allow') return;
  if (level !== 'bubblewrap') {
    throw new InvalidArgumentError(
      `network mode 'allow' needs bubblewrap isolation; this sandbox would get '${level}'`,
    );
  }
  if (network.domains.length === 0) {
    throw new InvalidArgumentError(
      "network mode 'allow' needs at least one domain (CLI: --network allow=example.com); for no network ask for 'none' (CLI: --network none)",
    );
  }
  const bad = network.domains.filter((d) => parseAllowEntry(d) === undefined);
  if (bad.length > 0)
    throw new InvalidArgumentError(
      `network allow-list entries ${bad.map((d) => JSON.stringify(d)).join(', ')} are invalid: use "example.com", "*.example.com" or "example.com:8443"`,
    );
}
