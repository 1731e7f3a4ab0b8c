// @corral/mcp: Corral sandboxes as MCP tools (stdio and Streamable HTTP).
export { CorralMcpServer } from './corral-mcp.js';
export type { StdioConnection } from './corral-mcp.js';
export { createMcpHttpHandler } from './http-handler.js';
export type { McpHttpHandler, McpHttpHandlerOptions, McpSessionSource } from './http-handler.js';
export { serveMcpHttp } from './http-serve.js';
export type { HttpServing, ServeHttpOptions } from './http-serve.js';
export type { CorralMcpOptions, ResolvedMcpOptions, SandboxDefaults } from './options.js';
export { ClientSession, SESSION_LABEL } from './session.js';
export type { OwnedSandboxInfo } from './session.js';
export { TOOL_NAMES } from './server.js';
export {
  InvalidServerOptionsError,
  LimitExceededError,
  McpServerError,
  NotAllowedError,
  SandboxNotOwnedError,
} from './errors.js';
