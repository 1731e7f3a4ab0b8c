/**
 * The flags every sandbox-creating command shares, as commander options only: the command tree
 * (and so `corral --help`) loads this without the SDK. Parsing them is create-options.ts.
 */
import type { Command } from 'commander';
import { addKubeFlags } from '../kube/flags.js';
import type { KubePlacementFlags } from '../kube/provider.js';

/** The raw strings of the flags every sandbox-creating command shares. */
export interface CreateFlags extends KubePlacementFlags {
  provider: string;
  isolation?: string;
  /** Unset unless given: Kubernetes warns only about a network mode the user asked for. */
  network?: string;
  memory?: string;
  cpus?: string;
  pids?: string;
  disk?: string;
  env: string[];
  label: string[];
  maxLifetime?: string;
}

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addCreateFlags(command: Command): Command {
  return addKubeFlags(
    command
      .option('--provider <name>', 'where the sandbox runs: local or kubernetes', 'local')
      .option('--warm-pool <name>', 'kubernetes: the SandboxWarmPool to claim from')
      .option('--template <name>', 'kubernetes: the SandboxTemplate (v1alpha1 clusters only)'),
  )
    .option(
      '--isolation <level>',
      'require gvisor, bubblewrap, unshare or none (default: strongest available)',
    )
    .option('--network <mode>', 'none, full, or allow=<domain>[,<domain>...] (default: none)')
    .option('--memory <size>', 'memory limit, e.g. 512m or 1g')
    .option('--cpus <n>', 'CPU limit in cores, e.g. 0.5')
    .option('--pids <n>', 'maximum number of processes, e.g. 128')
    .option('--disk <size>', 'size of the work dir file system, e.g. 2g (local default 10g)')
    .option('--env <NAME=value>', 'environment variable (repeatable)', collect, [])
    .option('--label <key=value>', 'label the sandbox (repeatable)', collect, [])
    .option('--max-lifetime <duration>', 'delete the sandbox after this long, e.g. 1h');
}
