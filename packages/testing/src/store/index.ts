export { createObjectStore } from './object-store.js';
export type {
  FakeObjectStore,
  FieldValidation,
  ObjectStoreOptions,
  ServerWriteOptions,
} from './object-store.js';
export { StatusError } from './status-error.js';
export type {
  FieldError,
  KubeStatus,
  StatusCause,
  StatusDetails,
  StatusReason,
} from './status-error.js';
export type {
  DeleteOptions,
  GroupVersionResource,
  KubeObject,
  ListOptions,
  ObjectList,
  ObjectMeta,
  ObjectStore,
  OwnerReference,
  PatchOptions,
  PatchType,
  PropagationPolicy,
  StoreEvent,
  StoreEventType,
  Subresource,
  WatchOptions,
  WriteOptions,
} from './types.js';
