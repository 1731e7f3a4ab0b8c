/** The API's request and resource shapes (Zod 4), shared by the routes and the OpenAPI document. */
import { z } from 'zod';

export const apiKeyRef = z.union([
  z
    .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') })
    .strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z
    .object({ secret: z.object({ name: z.string().min(1), key: z.string().min(1) }).strict() })
    .strict(),
]);

export const agentName = z.enum(['claude-code', 'codex', 'generic']);

export const networkSetting = z.union([
  z.enum(['none', 'full']),
  z.object({ allow: z.array(z.string().min(1)) }).strict(),
]);

export const settingsSchema = z
  .object({
    provider: z.enum(['local', 'kubernetes']),
    local: z
      .object({ isolation: z.enum(['auto', 'bubblewrap', 'gvisor', 'unshare', 'none']) })
      .strict(),
    kubernetes: z
      .object({
        context: z.string().min(1).nullable(),
        namespace: z.string().min(1).nullable(),
        runtimeClassName: z.string().min(1).nullable(),
        template: z.string().min(1).nullable(),
        warmPool: z.string().min(1).nullable(),
      })
      .strict(),
    network: z.object({ default: networkSetting }).strict(),
    agents: z
      .object({
        defaultProfile: agentName,
        apiKeys: z
          .object({ anthropic: apiKeyRef.nullable(), openai: apiKeyRef.nullable() })
          .strict(),
      })
      .strict(),
  })
  .strict();
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  provider: 'local',
  local: { isolation: 'auto' },
  kubernetes: {
    context: null,
    namespace: null,
    runtimeClassName: null,
    template: null,
    warmPool: null,
  },
  network: { default: 'none' },
  agents: { defaultProfile: 'generic', apiKeys: { anthropic: null, openai: null } },
};

/** `POST /test-connection`: any part of the settings, merged over the saved ones. */
export const testConnectionSchema = z
  .object({
    provider: settingsSchema.shape.provider.optional(),
    local: settingsSchema.shape.local.partial().strict().optional(),
    kubernetes: settingsSchema.shape.kubernetes.partial().strict().optional(),
    network: settingsSchema.shape.network.optional(),
    agents: settingsSchema.shape.agents.partial().strict().optional(),
  })
  .strict();

export const sandboxCreateSchema = z
  .object({
    network: networkSetting.optional(),
    limits: z
      .object({
        memoryBytes: z.number().int().positive().optional(),
        cpus: z.number().positive().optional(),
        pids: z.number().int().positive().optional(),
        diskBytes: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    labels: z.record(z.string(), z.string()).optional(),
    lifetimeMs: z.number().int().positive().optional(),
    /** Environment for every command in the sandbox. */
    env: z.record(z.string(), z.string()).optional(),
    /** The Corral task the sandbox serves (a label value). */
    taskId: z.string().min(1).max(63).optional(),
    /** Budget for the create (provision + runner health check). */
    timeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export const execSchema = z
  .object({
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    timeoutMs: z.number().int().positive().optional(),
    stdin: z.string().optional(),
  })
  .strict();

export const workspaceSchema = z.union([
  z.object({ dir: z.string().min(1) }).strict(),
  z.object({ repo: z.string().min(1), ref: z.string().min(1).nullable() }).strict(),
]);

export const taskCreateSchema = z
  .object({
    title: z.string().min(1).max(200).optional(),
    prompt: z.string().min(1, 'the prompt is empty'),
    agent: agentName.optional(),
    workspace: workspaceSchema.nullable().optional(),
    model: z.string().min(1).nullable().optional(),
    planFirst: z.boolean().optional(),
  })
  .strict();

export const taskPatchSchema = z
  .object({ title: z.string().min(1).max(200).optional(), prompt: z.string().min(1).optional() })
  .strict();

export const approveSchema = z.object({ feedback: z.string().min(1).optional() }).strict();
export const scaleSchema = z.object({ replicas: z.number().int().min(0) }).strict();

export const taskStatus = z.enum(['backlog', 'in_progress', 'awaiting_approval', 'done', 'failed']);
export type TaskStatus = z.infer<typeof taskStatus>;

export interface Task {
  id: string;
  title: string;
  prompt: string;
  agent: z.infer<typeof agentName>;
  workspace: z.infer<typeof workspaceSchema> | null;
  model: string | null;
  planFirst: boolean;
  status: TaskStatus;
  createdAt: string;
  updatedAt: string;
  runId: string | null;
  error: string | null;
  usage: { inputTokens: number; outputTokens: number; costUsd: number | null } | null;
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

/** One sandbox in full (create, get): what the SDK's `info()` reports, as JSON. */
export interface SandboxDetail extends SandboxView {
  isolationInfo: {
    level: string;
    detail: string;
    network: unknown;
    limitsApplied: Record<string, number>;
    limitsNotApplied: Record<string, string>;
    warnings: string[];
  } | null;
  metadata: Record<string, string>;
}
