export {
  API_VERSIONS,
  CORE_GROUP,
  EXTENSIONS_GROUP,
  RESOURCES,
  apiVersionOf,
} from './resources.js';
export type { ApiVersionName, ResourceDescriptor, SandboxKind } from './resources.js';
export { ANNOTATIONS, LABELS, RESERVED_PREFIXES, nameHash } from './names.js';
export {
  CLAIM_READY_REASONS,
  CONDITION_TYPES,
  FINISHED_REASONS,
  SANDBOX_READY_REASONS,
  SUSPENDED_REASONS,
  classifyReadyReason,
  findCondition,
  isFinished,
  isReady,
  readiness,
  readyReason,
} from './conditions.js';
export type {
  Condition,
  ConditionType,
  HasConditions,
  ReadyReason,
  ReasonClass,
} from './conditions.js';
