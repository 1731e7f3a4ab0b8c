import { claudeCode } from './claude-code.js';
import { codex } from './codex.js';
import type { AgentProfile } from './types.js';

export const builtinProfiles: readonly AgentProfile[] = [claudeCode, codex];

export function findProfile(name: string): AgentProfile | undefined {
  return builtinProfiles.find((p) => p.name === name);
}
