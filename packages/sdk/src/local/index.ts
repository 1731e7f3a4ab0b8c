/** The local provider: sandboxes on this machine (bubblewrap, unshare, or an opt-in plain process). */
export { createLocalProvider, LocalProvider } from './local-provider.js';
export type { LocalProviderOptions } from './local-provider.js';
export { chooseIsolation, detectIsolation } from './detect.js';
export type {
  CgroupLayout,
  ChooseIsolationOptions,
  DetectIsolationOptions,
  IsolationReport,
  MechanismProbe,
} from './detect.js';
export { launchSandbox } from './launch.js';
export type { LaunchedSandbox, LaunchLevel, LaunchOptions, SandboxPaths } from './launch.js';
export { defaultStateDir } from './state.js';
export { callerUid, DEFAULT_LOCAL_MAX_LIFETIME_MS } from './lifetime.js';
export { UidAllocator } from './sandbox-uids.js';
export { domainAllowed, startEgressProxy } from './egress-proxy.js';
export type { EgressProxy, EgressProxyOptions } from './egress-proxy.js';
export { SECCOMP_DENIED_SYSCALLS } from './seccomp.js';
