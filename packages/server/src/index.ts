// The server.
export { startServer, isLoopback } from './server.js';
export type { CorralServer } from './server.js';
export type {
  CheckStatus,
  ConnectionCheck,
  ConnectionChecks,
  ServerOptions,
  WarmPoolView,
  WarmPools,
} from './options.js';
export { loadOrCreateToken, tokenFile } from './token.js';
export { openapiDocument, ROUTES } from './openapi.js';
export type { RouteDoc } from './openapi.js';

// API shapes.
export { DEFAULT_SETTINGS, settingsSchema } from './schemas.js';
export type { SandboxView, Settings, Task, TaskStatus } from './schemas.js';

// Storage.
export { SqliteStore } from './store/sqlite-store.js';
export { MIGRATIONS } from './store/migrations.js';
export type { OwnedSandbox, RunRow, Store, StoredEvent } from './store/types.js';

// Errors.
export { ServerError, toServerError } from './errors.js';
export type { ServerErrorCode } from './errors.js';
