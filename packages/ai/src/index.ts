// @corral/ai: Vercel AI SDK tools bound to a Corral sandbox.
export { sandboxTools } from './sandbox-tools.js';
export type { SandboxToolsOptions } from './sandbox-tools.js';
