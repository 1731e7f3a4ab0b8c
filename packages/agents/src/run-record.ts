/** What an agent run reports: its state, its record (diff, files, usage, timings). */
import type { FileChange } from './events.js';
import type { Usage } from './gateway/usage.js';

export type AgentRunState =
  'starting' | 'running' | 'awaiting-approval' | 'succeeded' | 'failed' | 'rejected' | 'cancelled';

export interface AgentRunRecord {
  taskId: string;
  agent: string;
  state: AgentRunState;
  /** The agent's final text (or the plan while awaiting approval). */
  text: string;
  plan?: string;
  sessionId?: string;
  diff: string;
  files: { path: string; change: FileChange }[];
  archive?: Buffer;
  usage: Usage & { costUsd: number; turns: number };
  error?: { code: string; message: string };
  /** Milliseconds: run() → first model request, agent result → record ready. */
  timings: {
    toFirstModelRequestMs?: number;
    finishMs?: number;
    totalMs: number;
    /** Corral's own steps before the agent starts: where run() → first model request goes. */
    setup?: SetupTimings;
  };
}

/** Milliseconds per step, each present once the step finished. */
export interface SetupTimings {
  /** Waiting for a concurrency slot. */
  queueMs?: number;
  gatewayStartMs?: number;
  sandboxCreateMs?: number;
  /**
   * Copying (or cloning) the workspace in and recording its starting tree, and writing the
   * agent's configuration into its HOME beside it.
   */
  workspaceMs?: number;
  /** Waiting for the in-sandbox bridge after the above (it starts beside the workspace copy). */
  bridgeWaitMs?: number;
}

export const TERMINAL: ReadonlySet<AgentRunState> = new Set([
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
]);
