/**
 * The address of a Gateway (gateway.networking.k8s.io/v1) in front of the sandbox-router: read
 * once, and when it has none yet, watched until one appears (the Python and Go SDKs do the
 * same; no polling).
 */
import { translateError } from '@corral/agent-sandbox';
import { CustomObjectsApi, Watch, type KubeConfig } from '@kubernetes/client-node';
import { AbortedError, TimeoutError } from '../errors.js';
import { toSdkError } from './errors-map.js';

const GROUP = 'gateway.networking.k8s.io';
const VERSION = 'v1';
const PLURAL = 'gateways';

interface GatewayObject {
  metadata?: { resourceVersion?: string };
  status?: { addresses?: { type?: string; value?: string }[] };
}

/** The first usable address of the Gateway, or undefined. */
export function gatewayAddress(gateway: GatewayObject | undefined): string | undefined {
  for (const a of gateway?.status?.addresses ?? []) {
    const value = a.value?.trim();
    if (value !== undefined && value !== '')
      return value.includes(':') && !value.startsWith('[') ? `[${value}]` : value;
  }
  return undefined;
}

/** `http://<address>`, with the listener's port when it is not the scheme's default. */
export function gatewayBaseUrl(scheme: 'http' | 'https', address: string, port?: number): string {
  return port === undefined ? `${scheme}://${address}` : `${scheme}://${address}:${port}`;
}

export async function resolveGatewayAddress(
  kubeConfig: KubeConfig,
  name: string,
  namespace: string,
  options: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<string> {
  const doing = `Resolving Gateway ${namespace}/${name}`;
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  let current: GatewayObject;
  try {
    current = (await api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name,
    })) as GatewayObject;
  } catch (e) {
    throw toSdkError(translateError(e, options.signal), { signal: options.signal, doing });
  }
  const found = gatewayAddress(current);
  if (found !== undefined) return found;

  return new Promise<string>((resolve, reject) => {
    let request: AbortController | undefined;
    let done = false;
    const finish = (error: Error | undefined, value?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      request?.abort();
      if (error !== undefined) reject(error);
      else resolve(value!);
    };
    const onAbort = (): void => finish(new AbortedError(`${doing}: aborted.`));
    const timer = setTimeout(
      () =>
        finish(
          new TimeoutError(
            `${doing}: it reported no address in ${options.timeoutMs} ms. Check that the Gateway is programmed (kubectl get gateway -n ${namespace} ${name}).`,
          ),
        ),
      options.timeoutMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    new Watch(kubeConfig)
      .watch(
        `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`,
        {
          fieldSelector: `metadata.name=${name}`,
          ...(current.metadata?.resourceVersion !== undefined
            ? { resourceVersion: current.metadata.resourceVersion }
            : {}),
        },
        (_type, object: GatewayObject) => {
          const address = gatewayAddress(object);
          if (address !== undefined) finish(undefined, address);
        },
        (error: unknown) => {
          if (error !== null && error !== undefined) {
            finish(toSdkError(translateError(error), { doing }));
          }
        },
      )
      .then(
        (controller) => {
          request = controller;
          if (done) controller.abort();
        },
        (e: unknown) => finish(toSdkError(translateError(e), { doing })),
      );
  });
}
