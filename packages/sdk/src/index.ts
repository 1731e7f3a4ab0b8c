export type {
  IsolationInfo,
  IsolationLevel,
  NetworkMode,
  ProviderCapabilities,
  ProviderCreateOptions,
  ProvisionedSandbox,
  ResourceLimits,
  RunnerEndpoint,
  SandboxInfo,
  SandboxProvider,
  SandboxState,
} from './provider.js';
