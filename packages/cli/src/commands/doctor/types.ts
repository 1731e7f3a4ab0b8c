import type { LoadedKubeConfig, ServedVersions } from '@corral/agent-sandbox';
import type { CliContext } from '../../context.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** What one check found. Every `warn` and `fail` carries a `fix` the user can act on. */
export interface CheckOutcome {
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** Extra machine-readable facts for `-o json` (versions, denied verbs, pool counts). */
  data?: Record<string, unknown>;
}

export interface CheckResult extends CheckOutcome {
  id: string;
  title: string;
  durationMs: number;
}

/** What the user asked `corral doctor` to look at. */
export interface DoctorOptions {
  /** `local`, `kubernetes`, or both when the user named neither (`auto`). */
  mode: 'auto' | 'local' | 'kubernetes';
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  runtimeClass: string;
  warmPool?: string;
}

/** Shared by the checks of one run: earlier checks leave what later ones need. */
export interface DoctorState {
  readonly options: DoctorOptions;
  readonly env: CliContext['env'];
  kube?: LoadedKubeConfig;
  served?: ServedVersions;
  /** The extensions API version Corral will speak (`v1beta1` preferred). */
  extensionsVersion?: 'v1beta1' | 'v1alpha1';
}

export interface Check {
  id: string;
  title: string;
  /** Ids of checks that must pass (ok or warn) first; otherwise this one is skipped. */
  needs?: readonly string[];
  run(state: DoctorState, signal: AbortSignal): Promise<CheckOutcome>;
}
