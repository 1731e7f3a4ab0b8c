import { ProviderRegistry } from './registry.js';
import type { ProviderFactory, ProviderVariant } from './registry.js';
import type { SandboxProvider } from '../provider.js';
import { InvalidArgumentError } from '../errors.js';

/** The process-wide registry behind `Sandbox.create({ provider: 'name' })`. */
export const defaultRegistry = new ProviderRegistry();

defaultRegistry.register('local', async ({ isolation }) => {
  // Loaded on first use, so importing the SDK costs nothing for callers who bring their own provider.
  const { createLocalProvider } = await import('../local/index.js');
  return createLocalProvider(isolation === undefined ? {} : { isolation });
});

defaultRegistry.register('kubernetes', async () => {
  // client-node is heavy to load; only callers who name this provider pay for it. The kubeconfig
  // comes from KUBECONFIG / ~/.kube/config / the pod's service account, its context's namespace.
  const { createKubernetesProvider } = await import('../kubernetes/index.js');
  return createKubernetesProvider();
});

defaultRegistry.register('server', async () => {
  // `corral serve`'s URL and token from the environment, as the CLI's `--server` sets them
  const { createServerProvider } = await import('../server/index.js');
  const url = process.env.CORRAL_SERVER_URL;
  const token = process.env.CORRAL_SERVER_TOKEN;
  if (!url || !token)
    throw new InvalidArgumentError(
      "provider 'server' needs CORRAL_SERVER_URL and CORRAL_SERVER_TOKEN (what `corral serve` printed); or pass createServerProvider({ url, token }) as the provider",
    );
  return createServerProvider({ url, token });
});

/**
 * Adds a provider name for `Sandbox.create({ provider: name })`. The factory runs on first use and
 * its instance is shared by the whole process until `Sandbox.shutdown()`.
 */
export function registerProvider(name: string, factory: ProviderFactory): void {
  defaultRegistry.register(name, factory);
}

/** The shared instance behind a provider name (made on first use), e.g. to list across names. */
export function resolveProvider(
  name: string,
  variant: ProviderVariant = {},
): Promise<SandboxProvider> {
  return defaultRegistry.resolve(name, variant);
}
