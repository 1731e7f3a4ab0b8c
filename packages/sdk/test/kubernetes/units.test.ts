import {
  ClaimFailedError,
  KubeNotFoundError as K8sNotFoundError,
  WaitTimeoutError,
  fromStatus,
} from '@corral/agent-sandbox';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  AuthenticationError,
  ConflictError,
  CorralError,
  InvalidArgumentError,
  PermissionDeniedError,
  SandboxNotFoundError,
  TimeoutError,
} from '../../src/errors.js';
import { directEndpoint, pickPodIP, routerEndpoint } from '../../src/kubernetes/endpoint.js';
import { toSdkError } from '../../src/kubernetes/errors-map.js';
import { gatewayAddress } from '../../src/kubernetes/gateway.js';
import { toLabelValue } from '../../src/labels.js';
import { rfc3339Micro } from '../../src/kubernetes/names.js';
import { resolveOptions } from '../../src/kubernetes/options.js';

describe('options', () => {
  it('auto mode: direct in a pod, router with a URL, else port-forward', () => {
    const inPod = { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } };
    expect(resolveOptions(inPod).connection.mode).toBe('direct');
    expect(
      resolveOptions({ env: {}, connection: { routerUrl: 'http://r:8080' } }).connection.mode,
    ).toBe('router');
    expect(resolveOptions({ env: {} }).connection.mode).toBe('port-forward');
    expect(resolveOptions({ env: {} })).toMatchObject({
      maxLifetimeMs: 3_600_000,
      ttlSecondsAfterFinished: 60,
      connection: { port: 8888 },
    });
  });

  it('rejects what cannot work, saying how to fix it', () => {
    expect(() => resolveOptions({ connection: { mode: 'router' } })).toThrow(/routerUrl/);
    expect(() => resolveOptions({ connection: { mode: 'gateway' } })).toThrow(/gatewayName/);
    expect(() => resolveOptions({ connection: { port: 0 } })).toThrow(InvalidArgumentError);
    expect(() => resolveOptions({ maxLifetimeMs: -1 })).toThrow(/maxLifetimeMs/);
    expect(() => resolveOptions({ owner: 'has spaces' })).toThrow(/owner/);
    expect(() =>
      resolveOptions({
        connection: { mode: 'router', routerUrl: 'http://r', routerToken: 'a', runnerToken: 'b' },
      }),
    ).toThrow(/Authorization/);
  });

  it('the default owner and label values are label-safe', () => {
    expect(resolveOptions({}).owner).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
    expect(toLabelValue('--My Host!.local--')).toBe('My-Host-.local');
    expect(toLabelValue('x'.repeat(80))).toHaveLength(63);
    expect(rfc3339Micro(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z');
  });
});

describe('endpoints', () => {
  const target = {
    sandboxName: 'pool-abcde',
    namespace: 'ns',
    podIPs: ['fd00::5', '::ffff:10.1.2.3'],
    port: 9000,
  };

  it('prefers IPv4 (normalizing IPv4-mapped IPv6), brackets IPv6', () => {
    expect(pickPodIP(target.podIPs)).toBe('10.1.2.3');
    expect(directEndpoint(target).baseUrl).toBe('http://10.1.2.3:9000');
    expect(directEndpoint({ ...target, podIPs: ['fd00::5'] }).baseUrl).toBe(
      'http://[fd00::5]:9000',
    );
    expect(directEndpoint({ ...target, podIPs: [] }).baseUrl).toBe(
      'http://pool-abcde.ns.svc.cluster.local:9000',
    );
    expect(
      directEndpoint({ ...target, serviceFQDN: 'pool-abcde.ns.svc.example' }, true).baseUrl,
    ).toBe('http://pool-abcde.ns.svc.example:9000');
  });

  it('router headers; no Authorization without a token; runner token on the endpoint', () => {
    const endpoint = routerEndpoint('http://gw/', { ...target, runnerToken: 't' });
    expect(endpoint).toEqual({
      baseUrl: 'http://gw',
      token: 't',
      headers: {
        'X-Sandbox-ID': 'pool-abcde',
        'X-Sandbox-Namespace': 'ns',
        'X-Sandbox-Port': '9000',
        'X-Sandbox-Pod-IP': '10.1.2.3',
      },
    });
  });

  it('Gateway addresses', () => {
    expect(gatewayAddress({ status: { addresses: [{ value: '34.1.2.3' }] } })).toBe('34.1.2.3');
    expect(gatewayAddress({ status: { addresses: [{ value: '2001:db8::1' }] } })).toBe(
      '[2001:db8::1]',
    );
    expect(gatewayAddress({ status: {} })).toBeUndefined();
  });
});

describe('error mapping', () => {
  it('maps agent-sandbox errors to the SDK hierarchy, keeping the cause', () => {
    const seen = { kind: 'SandboxClaim', namespace: 'ns', name: 'c', message: 'bad label' };
    const failed = toSdkError(new ClaimFailedError({ ...seen, reason: 'InvalidMetadata' }));
    expect(failed).toBeInstanceOf(CorralError);
    expect(failed.code).toBe('CLAIM_FAILED');
    const timeout = toSdkError(
      new WaitTimeoutError({ waitingFor: 'x', timeoutMs: 5, target: 'y' }),
      { doing: 'Creating sandbox c' },
    );
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.message).toMatch(/^Creating sandbox c: Timed out/);
    expect(toSdkError(new K8sNotFoundError({ statusCode: 404 }))).toBeInstanceOf(
      SandboxNotFoundError,
    );
    expect(toSdkError(fromStatus(403, undefined))).toBeInstanceOf(PermissionDeniedError);
    expect(toSdkError(fromStatus(401, undefined))).toBeInstanceOf(AuthenticationError);
    expect(toSdkError(fromStatus(409, { reason: 'AlreadyExists' })).code).toBe('ALREADY_EXISTS');
    expect(toSdkError(fromStatus(409, { reason: 'AlreadyExists' }))).toBeInstanceOf(ConflictError);
    expect(toSdkError(fromStatus(422, { message: 'bad' }))).toBeInstanceOf(InvalidArgumentError);
    const server = toSdkError(fromStatus(503, undefined));
    expect([server.code, server.retryable, server.httpStatus]).toEqual(['SERVER_ERROR', true, 503]);
  });

  it('an aborted signal wins over whatever was thrown', () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const error = toSdkError(new Error('socket hang up'), { signal: controller.signal });
    expect(error).toBeInstanceOf(AbortedError);
    expect((error.cause as Error).message).toBe('stop');
  });
});
