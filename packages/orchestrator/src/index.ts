// The orchestrator.
export { Orchestrator, createOrchestrator } from './orchestrator.js';
export type { CloseOptions } from './orchestrator.js';
export type {
  LogLevel,
  Logger,
  OrchestratorOptions,
  OrchestratorTimeouts,
  PhaseTimings,
  RunTaskOptions,
  SweepReport,
  Task,
  TaskFailure,
  TaskHandle,
  TaskPhase,
  TaskRecord,
  TaskState,
  TaskSummary,
} from './types.js';

// Labels and ids on the sandboxes it makes.
export { OWNER_LABEL, TASK_ID_LABEL, sandboxIdFor } from './labels.js';

// Errors.
export { InvalidTaskError, OrchestratorClosedError, OrchestratorError } from './errors.js';
export type { OrchestratorErrorCode, TaskFailureCode } from './errors.js';
