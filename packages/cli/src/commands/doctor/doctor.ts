import { InvalidArgumentError, compact } from '@corral/sdk';
import { stringify } from 'yaml';
import type { CliContext } from '../../context.js';
import { isInteractive, painter } from '../../output/style.js';
import { createUi } from '../../output/ui.js';
import { parseDuration } from '../../parse/duration.js';
import type { KubeFlags } from '../../kube/flags.js';
import { outputFormat } from '../../kube/output-format.js';
import { clusterCheck, crdsCheck, kubeconfigCheck } from './cluster-checks.js';
import { controllerCheck, namespaceCheck, runtimeClassCheck } from './install-checks.js';
import { localIsolationCheck } from './local-check.js';
import { permissionChecks } from './permission-checks.js';
import { renderTable, summarize, summaryLine } from './render.js';
import { runChecks } from './run-checks.js';
import type { Check, DoctorOptions, DoctorState } from './types.js';
import { warmPoolCheck } from './warm-pool-check.js';
import { runnerTemplateCheck } from './runner-template-check.js';

/** `corral doctor` exits 1 when any check failed (warnings and skips do not count). */
export const DOCTOR_FAILED_EXIT_CODE = 1;

export interface DoctorFlags extends KubeFlags {
  provider?: string;
  runtimeClass: string;
  warmPool?: string;
  output?: string;
  timeout: string;
  json: boolean;
}

const FORMATS = ['table', 'json', 'yaml'] as const;

/** Which checks run: the local provider's, the cluster's, or both when nothing says which. */
export function doctorOptions(flags: DoctorFlags): DoctorOptions {
  const kubeFlagGiven =
    flags.kubeconfig !== undefined ||
    flags.context !== undefined ||
    flags.namespace !== undefined ||
    flags.warmPool !== undefined;
  let mode: DoctorOptions['mode'];
  if (flags.provider === undefined) mode = kubeFlagGiven ? 'kubernetes' : 'auto';
  else if (flags.provider === 'local' || flags.provider === 'kubernetes') mode = flags.provider;
  else
    throw new InvalidArgumentError(
      `--provider ${JSON.stringify(flags.provider)} is not a provider; use local or kubernetes.`,
    );
  if (mode === 'local' && kubeFlagGiven) {
    throw new InvalidArgumentError(
      '--provider local takes no Kubernetes flags (--kubeconfig, --context, -n, --warm-pool).',
    );
  }
  return compact({
    mode,
    runtimeClass: flags.runtimeClass,
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    namespace: flags.namespace,
    warmPool: flags.warmPool,
  });
}

export function checksFor(options: DoctorOptions): Check[] {
  const local = options.mode === 'kubernetes' ? [] : [localIsolationCheck];
  const kube =
    options.mode === 'local'
      ? []
      : [
          kubeconfigCheck,
          clusterCheck,
          crdsCheck,
          controllerCheck,
          runtimeClassCheck,
          namespaceCheck,
          ...permissionChecks(),
          warmPoolCheck,
          runnerTemplateCheck,
        ];
  return [...local, ...kube];
}

/**
 * `corral doctor`: is this machine (and cluster) ready for Corral? A table of checks with a fix
 * under every problem; exit 0 when nothing failed, 1 otherwise.
 */
export async function doctorCommand(flags: DoctorFlags, ctx: CliContext): Promise<number> {
  const format = outputFormat(flags, FORMATS);
  const ui = createUi(ctx, { json: format !== 'table' });
  const options = doctorOptions(flags);
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const state: DoctorState = { options, env: ctx.env };
  const spinner = ui.spin('Checking…');
  let results;
  try {
    results = await runChecks(checksFor(options), state, {
      timeoutMs,
      signal: ctx.signal,
      onResult: (result) => spinner.update(`Checked ${result.title}…`),
    });
  } finally {
    spinner.stop();
  }
  const summary = summarize(results);
  const ok = summary.fail === 0;
  const exitCode = ok ? 0 : DOCTOR_FAILED_EXIT_CODE;
  if (format === 'json') {
    ui.result({ ok, summary, checks: results, exitCode });
  } else if (format === 'yaml') {
    ctx.stdout.write(stringify({ ok, summary, checks: results, exitCode }));
  } else {
    const interactive = isInteractive(ctx.stdout, ctx.env);
    ui.data(renderTable(results, { interactive, paint: painter(interactive) }));
    ui.data('');
    ui.data(summaryLine(summary));
  }
  return exitCode;
}
