/**
 * A simulated Gateway controller for `gateway.networking.k8s.io/v1` Gateways: each Gateway gets
 * its own loopback address, its listeners' ports there are a simulated sandbox-router (the
 * HTTPRoute to `sandbox-router-svc` that a real install adds is implied), and the address is
 * published in `status.addresses` with `Accepted`/`Programmed` conditions, as a real
 * implementation does once the data plane is up. Every Gateway is served, whatever its class.
 */
import { formatKubeTime, systemClock, type Clock } from '../clock.js';
import { LoopbackAllocator } from '../kubelet/loopback-allocator.js';
import type { GroupVersionResource, KubeObject, ObjectStore } from '../store/types.js';
import type { FakeNetwork } from './fake-network.js';
import { startSandboxRouter, type SandboxRouter } from './sandbox-router.js';

export const GATEWAYS: GroupVersionResource = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  resource: 'gateways',
};
const FIELD_MANAGER = 'fake-gateway-controller';
/** Far above the pod IPs (127.0.1.x upwards), so a Gateway never shares an address with a pod. */
const FIRST_GATEWAY_IP = '127.0.250.1';
/** The router's identity as upstream's default template policy expects it. */
const ROUTER_SOURCE = {
  namespace: 'agent-sandbox-system',
  podLabels: { app: 'sandbox-router' },
};

export interface GatewayController {
  stop(): Promise<void>;
}

interface Served {
  uid: string;
  ip: string;
  routers: SandboxRouter[];
  unregister: () => void;
}

function listenerPorts(gateway: KubeObject): number[] {
  const listeners = ((gateway.spec as { listeners?: unknown[] } | undefined)?.listeners ?? []) as {
    port?: number;
  }[];
  return [...new Set(listeners.map((l) => l.port).filter((p): p is number => Number.isInteger(p)))];
}

export function startGatewayController(
  store: ObjectStore,
  options: { network: FakeNetwork; clock?: Clock },
): GatewayController {
  const clock = options.clock ?? systemClock;
  const ips = new LoopbackAllocator(FIRST_GATEWAY_IP);
  const served = new Map<string, Promise<Served | undefined>>();
  let stopped = false;

  const writeStatus = (gateway: KubeObject, ok: boolean, address?: string, message?: string) => {
    const now = formatKubeTime(clock.now());
    const generation = gateway.metadata.generation ?? 1;
    const condition = (type: string, reason: string) => ({
      type,
      status: ok ? 'True' : 'False',
      reason,
      message: message ?? '',
      observedGeneration: generation,
      lastTransitionTime: now,
    });
    try {
      store.patch(
        GATEWAYS,
        gateway.metadata.namespace,
        gateway.metadata.name!,
        {
          status: {
            addresses: address === undefined ? [] : [{ type: 'IPAddress', value: address }],
            conditions: [
              condition('Accepted', 'Accepted'),
              condition('Programmed', ok ? 'Programmed' : 'AddressNotUsable'),
            ],
          },
        },
        'merge',
        { subresource: 'status', fieldManager: FIELD_MANAGER },
      );
    } catch {
      // deleted meanwhile: nothing to report on
    }
  };

  const serve = async (gateway: KubeObject): Promise<Served | undefined> => {
    const ports = listenerPorts(gateway);
    const routers: SandboxRouter[] = [];
    let failure: string | undefined;
    const ip = await ips.allocate(async (candidate) => {
      for (const r of routers.splice(0)) await r.close();
      try {
        for (const port of ports) {
          routers.push(await startSandboxRouter({ host: candidate, port, store }));
        }
        return true;
      } catch (err) {
        for (const r of routers.splice(0)) await r.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
        failure = `cannot listen on ${candidate}: ${(err as Error).message}`;
        return true;
      }
    });
    if (failure !== undefined || stopped) {
      for (const r of routers) await r.close();
      ips.release(ip);
      if (failure !== undefined) writeStatus(gateway, false, undefined, failure);
      return undefined;
    }
    const unregister = options.network.registerPeer(ip, ROUTER_SOURCE);
    writeStatus(gateway, true, ip);
    return { uid: gateway.metadata.uid ?? '', ip, routers, unregister };
  };

  const release = async (entry: Promise<Served | undefined> | undefined): Promise<void> => {
    const s = await entry;
    if (s === undefined) return;
    s.unregister();
    for (const r of s.routers) await r.close();
    ips.release(s.ip);
  };

  const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  let unwatch: (() => void) | undefined;
  try {
    unwatch = store.watch(GATEWAYS, {}, (event) => {
      if (stopped) return;
      const key = keyOf(event.object);
      if (event.type === 'DELETED') {
        const entry = served.get(key);
        served.delete(key);
        void release(entry);
        return;
      }
      if (served.has(key)) return;
      served.set(key, serve(event.object));
    });
  } catch {
    // the store does not serve the Gateway API: nothing to control
  }

  return {
    async stop() {
      stopped = true;
      unwatch?.();
      const all = [...served.values()];
      served.clear();
      await Promise.all(all.map(release));
    },
  };
}
