// Running agents.
export { AgentRunner } from './runner.js';
export type { AgentRunnerOptions, AgentRunRequest } from './runner.js';
export { AgentRun } from './run.js';
export type { AgentRunRecord, AgentRunState, SetupTimings } from './run.js';
export type { AgentRunInput, AgentRunOptions } from './options.js';
export { AGENT_DIR, POD_MODEL_ENV, takesMaxTurns } from './placement.js';
export type { AgentPlacement } from './placement.js';

// Plan checkpoints (resume a plan run in a new sandbox).
export { decodeCheckpoint, DEFAULT_MAX_CHECKPOINT_BYTES, encodeCheckpoint } from './checkpoint.js';
export type { RunCheckpoint } from './checkpoint.js';

// The event stream.
export type { AgentEvent, AgentEventBody, AgentEventType, FileChange } from './events.js';

// Profiles.
export { claudeCode, claudeCodeParser, CLAUDE_CODE_VERSION } from './profiles/claude-code.js';
export { codex, codexParser, codexProfile, CODEX_VERSION } from './profiles/codex.js';
export type { CodexProfileOptions } from './profiles/codex.js';
export { genericParser, genericProfile } from './profiles/generic.js';
export { builtinProfiles, findProfile } from './profiles/index.js';
export type {
  AgentProfile,
  CommandContext,
  ModelApi,
  OutputParser,
  RunMode,
} from './profiles/types.js';

// Install cache.
export { defaultAgentCacheDir, findInstalled, installAgent, requireInstalled } from './install.js';
export type { InstalledAgent } from './install.js';

// Model gateway (keys stay on the host).
export { startGateway } from './gateway/gateway.js';
export type { GatewayLimits, GatewayOptions, ModelGateway } from './gateway/gateway.js';
export type { Pricing, Usage } from './gateway/usage.js';

// Errors.
export {
  AgentError,
  AgentNotInstalledError,
  AgentRunError,
  InvalidAgentOptionsError,
  WorkspaceError,
} from './errors.js';
