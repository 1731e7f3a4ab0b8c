/**
 * An agent profile: how to install an agent CLI, start it on a prompt, resume its session, and
 * read its output. Profiles are data plus pure functions, so they are unit-testable without a
 * sandbox.
 */
import type { AgentEventBody } from '../events.js';

export type RunMode = 'plan' | 'execute';

export interface CommandContext {
  /** Absolute path of the agent binary inside the sandbox. */
  bin: string;
  prompt: string;
  mode: RunMode;
  model?: string;
  maxTurns?: number;
  /** Continue this session (after a plan was approved). */
  resumeSessionId?: string;
  /** The URL of the model gateway inside the sandbox (e.g. `http://127.0.0.1:8089`). */
  baseUrl: string;
}

/** Which model API the agent speaks; decides how the gateway authenticates and counts tokens. */
export type ModelApi = 'anthropic' | 'openai' | 'none';

/** Turns an agent's stdout lines into events; one instance per process run. */
export interface OutputParser {
  line(line: string): AgentEventBody[];
  /** Called once the process exited; returns the closing events (at least a `result`). */
  end(exit: { exitCode: number | null; durationMs: number }): AgentEventBody[];
}

export interface AgentProfile {
  readonly name: string;
  readonly description: string;
  /** npm package that provides the CLI, with the version Corral is tested with. */
  readonly npm?: { name: string; version: string };
  /** The binary, relative to the install directory (a `node_modules` prefix). */
  readonly binary?: string;
  readonly api: ModelApi;
  /** Hosts the agent must reach in production (through the gateway, never directly). */
  readonly hosts: readonly string[];
  /** The real API's base URL the gateway forwards to by default. */
  readonly upstreamUrl?: string;
  command(ctx: CommandContext): string[];
  /** Environment for the agent; `token` is the per-run placeholder the gateway swaps for the key. */
  env(ctx: { baseUrl: string; token: string; home: string }): Record<string, string>;
  /** Files to place in `$HOME` before the first start (e.g. a config file), path → content. */
  homeFiles?(ctx: { baseUrl: string; model?: string; home: string }): Record<string, string>;
  parser(mode: RunMode): OutputParser;
}
