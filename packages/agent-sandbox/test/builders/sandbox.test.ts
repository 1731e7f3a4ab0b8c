import { describe, expect, it } from 'vitest';
import { buildSandbox, parseResource } from '@corral/agent-sandbox';

describe('buildSandbox', () => {
  it('from an image: secure pod, v1beta1, passes the schema', () => {
    const s = buildSandbox({
      name: 'sb',
      namespace: 'ns',
      image: 'python:3.12',
      service: true,
      operatingMode: 'Running',
    });
    expect(s.apiVersion).toBe('agents.x-k8s.io/v1beta1');
    expect(s.spec).toMatchObject({ service: true, operatingMode: 'Running' });
    expect(s.spec.podTemplate.spec).toMatchObject({
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true },
    });
    expect(() => parseResource(s)).not.toThrow();
  });

  it('from a pod spec: used as given', () => {
    const podSpec = {
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
    };
    const s = buildSandbox({ name: 'sb', podSpec, podLabels: { a: 'b' } });
    expect(s.spec.podTemplate).toEqual({ metadata: { labels: { a: 'b' } }, spec: podSpec });
  });

  it('expiry: shutdownAfterMs from the injected clock, shutdownPolicy', () => {
    const s = buildSandbox({
      name: 'sb',
      image: 'img',
      now: new Date('2026-09-01T00:00:00Z'),
      shutdownAfterMs: 60_000,
      shutdownPolicy: 'Delete',
    });
    expect(s.spec).toMatchObject({
      shutdownTime: '2026-09-01T00:01:00Z',
      shutdownPolicy: 'Delete',
    });
    expect(
      buildSandbox({ name: 'sb', image: 'img', shutdownTime: '2026-09-01T00:00:00Z' }).spec
        .shutdownTime,
    ).toBe('2026-09-01T00:00:00Z');
  });

  it('v1alpha1 uses replicas; each version rejects the other one’s field', () => {
    const a = buildSandbox({ name: 'sb', image: 'img', replicas: 0, version: 'v1alpha1' });
    expect(a.apiVersion).toBe('agents.x-k8s.io/v1alpha1');
    expect(a.spec.replicas).toBe(0);
    expect(() => buildSandbox({ name: 'sb', image: 'img', replicas: 1 })).toThrow(
      /v1beta1 Sandboxes have no replicas; use operatingMode/,
    );
    expect(() =>
      buildSandbox({ name: 'sb', image: 'img', operatingMode: 'Suspended', version: 'v1alpha1' }),
    ).toThrow(/v1alpha1 Sandboxes have no operatingMode; use replicas/);
  });

  it('rejects missing pod input and invalid specs', () => {
    expect(() => buildSandbox({ name: 'sb' })).toThrow(/pass image .* or podSpec/);
    expect(() => buildSandbox({ name: 'sb', podSpec: { containers: [] } })).toThrow(
      'Sandbox "sb" is invalid: spec.podTemplate.spec.containers: must have at least 1 item',
    );
    expect(() =>
      buildSandbox({ name: 'sb', image: 'img', shutdownPolicy: 'DeleteForeground' as 'Delete' }),
    ).toThrow(/spec.shutdownPolicy: must be one of Delete, Retain/);
    expect(() => buildSandbox({ name: 'sb', image: 'img', shutdownTime: new Date(NaN) })).toThrow(
      /not a valid time/,
    );
  });
});
