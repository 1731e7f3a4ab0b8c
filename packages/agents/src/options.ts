/** The options of an agent run, validated with Zod at the API boundary. */
import { z } from 'zod';
import { InvalidAgentOptionsError } from './errors.js';

const positiveMs = z.number().int().positive();

export const runOptionsSchema = z
  .object({
    taskId: z
      .string()
      .regex(
        /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
        'use 1-63 letters, digits, "-", "_" or "."',
      ),
    prompt: z.string().min(1, 'the prompt is empty'),
    workspace: z.union([
      z.object({ dir: z.string().min(1) }),
      z.object({ repo: z.string().min(1), ref: z.string().min(1).optional() }),
    ]),
    mode: z.enum(['plan', 'execute']).default('execute'),
    model: z.string().min(1).optional(),
    maxTurns: z.number().int().positive().optional(),
    timeoutMs: positiveMs.default(30 * 60_000),
    approvalTimeoutMs: positiveMs.default(30 * 60_000),
    maxTokens: z.number().int().positive().optional(),
    maxCostUsd: z.number().positive().optional(),
    /** Keep the whole workspace as a tar archive in the record. */
    archive: z.boolean().default(false),
    /** Extra hosts the sandbox may reach through the egress allow-list (e.g. a git server). */
    allowHosts: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type AgentRunInput = z.input<typeof runOptionsSchema>;
export type AgentRunOptions = z.output<typeof runOptionsSchema>;

export function parseRunOptions(input: unknown): AgentRunOptions {
  const parsed = runOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'options'}: ${i.message}`)
      .join('; ');
    throw new InvalidAgentOptionsError(`invalid agent run options: ${issues}`);
  }
  return parsed.data;
}
