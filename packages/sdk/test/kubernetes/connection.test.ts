import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { claimRef } from '../../src/kubernetes/claim-ref.js';
import { createConnector } from '../../src/kubernetes/connection/create-connector.js';
import {
  chooseAutoMode,
  resolveConnection,
} from '../../src/kubernetes/connection/resolve-connection.js';
import { ROUTER_HEADERS } from '../../src/kubernetes/endpoint.js';

const outside = {};
const inPod = { KUBERNETES_SERVICE_HOST: '10.0.0.1' };

describe('connection modes', () => {
  it('auto is decided by one rule: in a pod direct, with a router URL router, else port-forward', () => {
    expect(chooseAutoMode({}, inPod)).toBe('direct');
    expect(chooseAutoMode({ routerUrl: 'http://r:8080' }, inPod)).toBe('direct');
    expect(chooseAutoMode({ routerUrl: 'http://r:8080' }, outside)).toBe('router');
    expect(chooseAutoMode({}, outside)).toBe('port-forward');
  });

  it('each resolved mode carries only what its connector needs', () => {
    const all = {
      routerUrl: 'http://r:8080',
      routerToken: 't',
      gatewayName: 'gw',
      preferServiceFqdn: true,
      clusterDomain: 'example.local',
    };
    expect(resolveConnection({ ...all, mode: 'direct' }, outside)).toEqual({
      mode: 'direct',
      port: 8888,
      preferServiceFqdn: true,
      clusterDomain: 'example.local',
    });
    expect(resolveConnection({ ...all, mode: 'router' }, outside)).toEqual({
      mode: 'router',
      port: 8888,
      routerUrl: 'http://r:8080',
      routerToken: 't',
    });
    expect(resolveConnection({ ...all, mode: 'gateway', port: 9000 }, outside)).toEqual({
      mode: 'gateway',
      port: 9000,
      gatewayName: 'gw',
      gatewayScheme: 'http',
      routerToken: 't',
    });
    expect(resolveConnection({ ...all, mode: 'port-forward', runnerToken: 'r' }, outside)).toEqual({
      mode: 'port-forward',
      port: 8888,
      runnerToken: 'r',
    });
    expect(() => resolveConnection({ mode: 'sideways' as never }, outside)).toThrow(
      InvalidArgumentError,
    );
    expect(() => resolveConnection({ mode: 'router', routerUrl: 'not a url' }, outside)).toThrow(
      /is not a URL/,
    );
  });

  it('the direct and router connectors give the endpoint of their mode', async () => {
    const context = {
      kubeConfig: new KubeConfig(),
      defaultNamespace: 'default',
      timeoutMs: 1000,
    };
    const ref = claimRef('c1', undefined, 'default');
    const target = {
      sandboxName: 'sb-1',
      namespace: 'default',
      podIPs: ['10.1.2.3'],
      port: 8888,
      podName: 'sb-1',
    };
    const direct = createConnector(resolveConnection({ mode: 'direct' }, outside), context);
    expect(await direct.endpointFor(ref, target, undefined)).toEqual({
      baseUrl: 'http://10.1.2.3:8888',
    });
    const router = createConnector(
      resolveConnection({ mode: 'router', routerUrl: 'http://r:8080/' }, outside),
      context,
    );
    const endpoint = await router.endpointFor(ref, target, undefined);
    expect(endpoint.baseUrl).toBe('http://r:8080');
    expect(endpoint.headers?.[ROUTER_HEADERS.id]).toBe('sb-1');
    expect(endpoint.headers?.[ROUTER_HEADERS.podIP]).toBe('10.1.2.3');
    await Promise.all([direct.close(), router.close()]);
  });
});
