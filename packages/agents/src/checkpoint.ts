/**
 * A plan run's checkpoint: what resuming it needs when its kept sandbox is gone (the server that
 * held it restarted). The agent's session lives in the sandbox's `$HOME` and the plan was made
 * against the workspace as it was then, so both are saved as tar archives, with the run's
 * options, the plan, the session id and the starting tree (its git objects are in the archived
 * `.git`, so the diff after the resumed execution is against the same start). Bounded by
 * `maxBytes`: a workspace too large to checkpoint is refused, not truncated.
 */
import { z } from 'zod';
import type { RunnerClient } from '@corral/sdk';
import { compact } from '@corral/sdk';
import { AgentError, WorkspaceError } from './errors.js';
import { runOptionsSchema, type AgentRunOptions } from './options.js';
import { WORKSPACE_DIR } from './workspace.js';

/** The `$HOME` of the agent inside the sandbox, relative to the work dir (run.ts). */
export const HOME_DIR = 'home';

/** Default bound of both archives together: 64 MiB. */
export const DEFAULT_MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024;

export interface RunCheckpoint {
  version: 1;
  agent: string;
  options: AgentRunOptions;
  plan: string;
  sessionId?: string;
  startTree: string;
  createdAt: string;
  /** tar of the workspace (`.git` included) as the plan saw it. */
  workspace: Buffer;
  /** tar of the agent's `$HOME` (its session files). */
  home: Buffer;
}

const metaSchema = z
  .object({
    version: z.literal(1),
    agent: z.string().min(1),
    options: runOptionsSchema,
    plan: z.string(),
    sessionId: z.string().min(1).optional(),
    startTree: z.string().regex(/^[0-9a-f]{40,64}$/),
    createdAt: z.string(),
    workspaceBytes: z.number().int().nonnegative(),
    homeBytes: z.number().int().nonnegative(),
  })
  .strict();

async function tarOf(
  client: RunnerClient,
  dir: string,
  limit: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  // head bounds what crosses the runner connection: one byte over the limit says "too large"
  const r = await client.commands.run(
    [
      '/bin/sh',
      '-c',
      `{ tar -c -C ${dir} .; echo $? > "$TMPDIR/corral-ckpt.rc"; } | head -c ${limit + 1}; ` +
        `exit "$(cat "$TMPDIR/corral-ckpt.rc")"`,
    ],
    compact({ signal }),
  );
  if (r.stdoutBytes.length > limit)
    throw new AgentError(
      `the ${dir === WORKSPACE_DIR ? 'workspace' : "agent's home"} is over the checkpoint limit ` +
        `(${limit} bytes); raise maxBytes or use a smaller workspace`,
      { code: 'CHECKPOINT_TOO_LARGE' },
    );
  if (r.exitCode !== 0)
    throw new WorkspaceError(`cannot archive ${dir} for the checkpoint: ${r.stderr.trim()}`);
  return r.stdoutBytes;
}

/** Archives the workspace and `$HOME` of a run waiting for approval. */
export async function captureCheckpoint(
  client: RunnerClient,
  meta: Omit<RunCheckpoint, 'version' | 'createdAt' | 'workspace' | 'home'>,
  options: { maxBytes?: number; signal?: AbortSignal } = {},
): Promise<RunCheckpoint> {
  const max = options.maxBytes ?? DEFAULT_MAX_CHECKPOINT_BYTES;
  const workspace = await tarOf(client, WORKSPACE_DIR, max, options.signal);
  const home = await tarOf(client, HOME_DIR, max - workspace.length, options.signal);
  return { version: 1, createdAt: new Date().toISOString(), ...meta, workspace, home };
}

/** Puts the workspace and `$HOME` back into a fresh sandbox; returns the starting tree. */
export async function restoreCheckpoint(
  client: RunnerClient,
  checkpoint: RunCheckpoint,
  signal?: AbortSignal,
): Promise<string> {
  for (const [dir, tar] of [
    [WORKSPACE_DIR, checkpoint.workspace],
    [HOME_DIR, checkpoint.home],
  ] as const) {
    const r = await client.commands.run(
      ['/bin/sh', '-c', `mkdir -p ${dir} && tar -x -C ${dir}`],
      compact({
        stdin: tar,
        signal,
      }),
    );
    if (r.exitCode !== 0)
      throw new WorkspaceError(`cannot restore ${dir} from the checkpoint: ${r.stderr.trim()}`);
  }
  const check = await client.commands.run(
    ['git', '-C', WORKSPACE_DIR, 'cat-file', '-e', `${checkpoint.startTree}^{tree}`],
    compact({ signal }),
  );
  if (check.exitCode !== 0)
    throw new WorkspaceError(
      `the restored workspace lacks the plan's starting tree ${checkpoint.startTree}; the checkpoint is damaged, start the task again`,
    );
  return checkpoint.startTree;
}

/** One buffer: a JSON header line, then the two archives. */
export function encodeCheckpoint(checkpoint: RunCheckpoint): Buffer {
  const { workspace, home, ...meta } = checkpoint;
  const header = JSON.stringify({
    ...meta,
    workspaceBytes: workspace.length,
    homeBytes: home.length,
  });
  return Buffer.concat([Buffer.from(`${header}\n`), workspace, home]);
}

export function decodeCheckpoint(data: Buffer): RunCheckpoint {
  const at = data.indexOf(0x0a);
  let header: unknown;
  try {
    header = at < 0 ? undefined : JSON.parse(data.subarray(0, at).toString('utf8'));
  } catch {
    header = undefined;
  }
  const parsed = metaSchema.safeParse(header);
  const body = data.subarray(at + 1);
  if (!parsed.success || body.length !== parsed.data.workspaceBytes + parsed.data.homeBytes)
    throw new AgentError(
      `not a valid run checkpoint${parsed.success ? ' (truncated)' : `: ${parsed.error.issues[0]?.message ?? ''}`}; start the task again`,
      { code: 'CHECKPOINT_INVALID' },
    );
  const { workspaceBytes, sessionId, ...meta } = parsed.data;
  return compact({
    version: meta.version,
    agent: meta.agent,
    options: meta.options,
    plan: meta.plan,
    sessionId,
    startTree: meta.startTree,
    createdAt: meta.createdAt,
    workspace: Buffer.from(body.subarray(0, workspaceBytes)),
    home: Buffer.from(body.subarray(workspaceBytes)),
  });
}
