/**
 * One event stream for every agent. Profiles translate an agent's own output lines into these
 * bodies; the run stamps each with a sequence number (0, 1, 2, … per run, across plan and
 * execute) so a reader that lost its connection resumes with `events({ cursor })`.
 */
export type FileChange = 'added' | 'modified' | 'deleted';

export type AgentEventBody =
  | { type: 'session.started'; sessionId: string; model?: string }
  | { type: 'assistant.text'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'tool.call'; id: string; name: string; input: unknown }
  | { type: 'tool.result'; id: string; ok: boolean; output: string; truncated: boolean }
  | { type: 'file.changed'; path: string; change: FileChange }
  | { type: 'usage'; inputTokens: number; outputTokens: number; costUsd?: number }
  | { type: 'plan.ready'; plan: string }
  | { type: 'awaiting.approval' }
  | { type: 'error'; code: string; message: string; fatal: boolean }
  | {
      type: 'result';
      ok: boolean;
      text: string;
      exitCode: number | null;
      turns: number;
      durationMs: number;
      sessionId?: string;
    };

export type AgentEvent = AgentEventBody & {
  seq: number;
  /** ISO time the event was recorded. */
  time: string;
  /** Index into the run's raw lines of the line it came from, if any. */
  rawIndex?: number;
};

export type AgentEventType = AgentEventBody['type'];

/** Tool output kept in events (the raw line keeps all of it). */
export const TOOL_OUTPUT_LIMIT = 2000;

export function truncateOutput(output: string): { output: string; truncated: boolean } {
  return output.length > TOOL_OUTPUT_LIMIT
    ? { output: output.slice(0, TOOL_OUTPUT_LIMIT), truncated: true }
    : { output, truncated: false };
}
