/**
 * The server's wire shapes (API contract v1, `packages/server/openapi.json`). Declared here, not
 * imported, so the console has no build- or run-time dependency on the server package.
 */
export type ApiKeyRef =
  { env: string } | { file: string } | { secret: { name: string; key: string } };
export type AgentName = 'claude-code' | 'codex' | 'generic';
export type NetworkDefault = 'none' | 'full' | { allow: string[] };

export interface Settings {
  provider: 'local' | 'kubernetes';
  local: { isolation: 'auto' | 'bubblewrap' | 'gvisor' | 'unshare' | 'none' };
  kubernetes: {
    context: string | null;
    namespace: string | null;
    runtimeClassName: string | null;
    template: string | null;
    warmPool: string | null;
  };
  network: { default: NetworkDefault };
  agents: {
    defaultProfile: AgentName;
    apiKeys: { anthropic: ApiKeyRef | null; openai: ApiKeyRef | null };
  };
}

export interface KubeContexts {
  current: string | null;
  contexts: { name: string; cluster: string; namespace: string | null }[];
  kubeconfig: string | null;
}

export type CheckStatus = 'running' | 'ok' | 'warn' | 'fail' | 'skip';
export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix: string | null;
}
export interface CheckDone {
  ok: boolean;
  counts: { ok: number; warn: number; fail: number; skip: number };
}

export interface SandboxView {
  id: string;
  provider: 'local' | 'kubernetes';
  state: string;
  isolation: string | null;
  createdAt: string;
  expiresAt: string | null;
  labels: Record<string, string>;
  owner: string | null;
  taskId: string | null;
}

export type TaskStatus = 'backlog' | 'in_progress' | 'awaiting_approval' | 'done' | 'failed';
export interface Task {
  id: string;
  title: string;
  prompt: string;
  agent: AgentName;
  workspace: { dir: string } | { repo: string; ref: string | null } | null;
  model: string | null;
  planFirst: boolean;
  status: TaskStatus;
  createdAt: string;
  updatedAt: string;
  runId: string | null;
  error: string | null;
  usage: { inputTokens: number; outputTokens: number; costUsd: number | null } | null;
}

export interface TaskDiff {
  diff: string;
  files: { path: string; status: string }[];
}

export interface WarmPool {
  name: string;
  namespace: string;
  template: string;
  desired: number;
  ready: number;
}

/** One event of a stream: `id:`, `event:` and the parsed `data:` object. */
export interface StreamEvent {
  id: number | null;
  type: string;
  data: unknown;
}

/** `@corral/agents`' AgentEvent, as the task event stream carries it. */
export type AgentEvent = { seq?: number; time?: string } & (
  | { type: 'session.started'; sessionId: string; model?: string }
  | { type: 'assistant.text'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'tool.call'; id: string; name: string; input: unknown }
  | { type: 'tool.result'; id: string; ok: boolean; output: string; truncated: boolean }
  | { type: 'file.changed'; path: string; change: 'added' | 'modified' | 'deleted' }
  | { type: 'usage'; inputTokens: number; outputTokens: number; costUsd?: number }
  | { type: 'plan.ready'; plan: string }
  | { type: 'awaiting.approval' }
  | { type: 'error'; code: string; message: string; fatal: boolean }
  | { type: 'result'; ok: boolean; text: string; exitCode: number | null; durationMs: number }
  | { type: 'status'; status: TaskStatus }
);
