export { createServerProvider, ServerProvider } from './server-provider.js';
export type { ServerProviderOptions } from './server-provider.js';
