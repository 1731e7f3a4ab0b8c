import { Option } from 'commander';
import type { Command } from 'commander';
import { InvalidArgumentError } from '@corral/sdk';

/** kubectl-like connection flags shared by every Kubernetes-facing command. */
export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export const OUTPUT_FORMATS = ['table', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `--kubeconfig`, `--context`, `-n/--namespace`, as kubectl spells them. */
export function addKubeFlags(command: Command): Command {
  return command
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('-n, --namespace <name>', "namespace (default: the context's, else default)");
}

/** `-o/--output` limited to the formats a command supports; `table` is the default. */
export function addOutputFlag(
  command: Command,
  formats: readonly OutputFormat[] = OUTPUT_FORMATS,
): Command {
  return command.addOption(
    new Option('-o, --output <format>', `output format: ${formats.join(', ')}`).default('table'),
  );
}

/**
 * The output format of a command that has both `--json` (every corral command) and `-o`: `--json`
 * is `-o json`. Unknown values fail before anything is contacted.
 */
export function outputFormat(
  flags: { output?: string; json?: boolean },
  formats: readonly OutputFormat[] = OUTPUT_FORMATS,
): OutputFormat {
  const value = flags.output ?? 'table';
  if (!(formats as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `-o ${JSON.stringify(value)} is not an output format here; use one of ${formats.join(', ')}.`,
    );
  }
  if (flags.json === true) {
    if (value !== 'table' && value !== 'json') {
      throw new InvalidArgumentError(`--json and -o ${value} disagree; pass only one of them.`);
    }
    return 'json';
  }
  return value as OutputFormat;
}

/** Machine-readable formats keep stdout to one document, so status lines must stay off it. */
export function isMachineFormat(format: OutputFormat): boolean {
  return format === 'json' || format === 'yaml';
}
