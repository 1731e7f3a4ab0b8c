import { Option } from 'commander';
import type { Command } from 'commander';

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
