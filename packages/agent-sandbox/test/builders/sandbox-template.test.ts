import { describe, expect, it } from 'vitest';
import {
  SchemaValidationError,
  buildPodSpec,
  buildSandboxTemplate,
  parseResource,
} from '@corral/agent-sandbox';

describe('buildSandboxTemplate', () => {
  it('builds a v1beta1 template with secure defaults that passes the schema', () => {
    const t = buildSandboxTemplate({ name: 'python', namespace: 'team-a', image: 'python:3.12' });
    expect(t.apiVersion).toBe('extensions.agents.x-k8s.io/v1beta1');
    expect(t.kind).toBe('SandboxTemplate');
    expect(t.metadata).toEqual({ name: 'python', namespace: 'team-a' });
    expect(t.spec.podTemplate.spec).toEqual({
      containers: [
        {
          name: 'sandbox',
          image: 'python:3.12',
          ports: [{ name: 'http', containerPort: 8888, protocol: 'TCP' }],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          readinessProbe: {
            httpGet: { path: '/healthz', port: 8888 },
            periodSeconds: 1,
            failureThreshold: 3,
          },
        },
      ],
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
    });
    // Server-side defaults are left to the server: the built object carries only what was asked.
    expect(t.spec).not.toHaveProperty('networkPolicyManagement');
    expect(() => parseResource(t)).not.toThrow();
  });

  it('takes port, command, args, env, resources, runtimeClassName, labels and policies', () => {
    const t = buildSandboxTemplate({
      name: 'node',
      image: 'node:22',
      port: 3000,
      command: ['node'],
      args: ['server.js'],
      env: { MODE: 'test' },
      resources: { limits: { cpu: '1', memory: '1Gi' } },
      runtimeClassName: 'gvisor',
      labels: { team: 'a' },
      annotations: { note: 'x' },
      podLabels: { 'sandbox.users.io/app': 'node' },
      networkPolicy: { ingress: [], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] },
      networkPolicyManagement: 'Managed',
      envVarsInjectionPolicy: 'Allowed',
      volumeClaimTemplatesPolicy: 'Overrides',
      service: true,
      readOnlyRootFilesystem: true,
    });
    const c = t.spec.podTemplate.spec.containers[0]!;
    expect(c).toMatchObject({
      command: ['node'],
      args: ['server.js'],
      env: [{ name: 'MODE', value: 'test' }],
      resources: { limits: { cpu: '1', memory: '1Gi' } },
      ports: [{ containerPort: 3000 }],
      readinessProbe: { httpGet: { path: '/healthz', port: 3000 } },
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    });
    expect(t.spec.podTemplate.spec.runtimeClassName).toBe('gvisor');
    expect(t.spec.podTemplate.metadata).toEqual({ labels: { 'sandbox.users.io/app': 'node' } });
    expect(t.metadata).toMatchObject({ labels: { team: 'a' }, annotations: { note: 'x' } });
    expect(t.spec).toMatchObject({
      service: true,
      networkPolicyManagement: 'Managed',
      envVarsInjectionPolicy: 'Allowed',
      volumeClaimTemplatesPolicy: 'Overrides',
      networkPolicy: { ingress: [] },
    });
  });

  it('every secure default can be overridden', () => {
    const t = buildSandboxTemplate({
      name: 't',
      image: 'img',
      readinessProbe: false,
      podSecurityContext: { runAsUser: 2000, runAsNonRoot: false },
      containerSecurityContext: { capabilities: { add: ['NET_BIND_SERVICE'] } },
      automountServiceAccountToken: true,
      restartPolicy: 'OnFailure',
      containerName: 'main',
      container: { imagePullPolicy: 'Always' },
      podSpec: { dnsPolicy: 'ClusterFirst', tolerations: [{ operator: 'Exists' }] },
    });
    const spec = t.spec.podTemplate.spec;
    const c = spec.containers[0]!;
    expect(c).not.toHaveProperty('readinessProbe');
    expect(c).toMatchObject({ name: 'main', imagePullPolicy: 'Always' });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_BIND_SERVICE'] },
    });
    expect(spec.securityContext).toMatchObject({
      runAsUser: 2000,
      runAsNonRoot: false,
      runAsGroup: 1000,
    });
    expect(spec).toMatchObject({
      automountServiceAccountToken: true,
      restartPolicy: 'OnFailure',
      dnsPolicy: 'ClusterFirst',
    });
  });

  it('accepts env as V1EnvVar[] and a custom readiness probe', () => {
    const spec = buildPodSpec({
      image: 'img',
      env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
      readinessProbe: { tcpSocket: { port: 8888 } },
    });
    expect(spec.containers[0]!.env).toEqual([
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
    expect(spec.containers[0]!.readinessProbe).toEqual({ tcpSocket: { port: 8888 } });
  });

  it('builds v1alpha1 (no volumeClaimTemplatesPolicy there)', () => {
    const t = buildSandboxTemplate({ name: 't', image: 'img', version: 'v1alpha1' });
    expect(t.apiVersion).toBe('extensions.agents.x-k8s.io/v1alpha1');
    expect(() =>
      buildSandboxTemplate({
        name: 't',
        image: 'img',
        version: 'v1alpha1',
        volumeClaimTemplatesPolicy: 'Allowed',
      }),
    ).toThrow(/volumeClaimTemplatesPolicy exists only in v1beta1/);
  });

  it('rejects bad input with messages that say what to fix', () => {
    expect(() => buildSandboxTemplate({ name: 't', image: '' })).toThrow(/image is required/);
    expect(() => buildSandboxTemplate({ name: '', image: 'img' })).toThrow(/name is required/);
    expect(() => buildSandboxTemplate({ name: 't', image: 'img', port: 70000 })).toThrow(
      /port must be an integer from 1 to 65535/,
    );
    expect(() =>
      buildSandboxTemplate({ name: 't', image: 'img', env: { N: 1 as unknown as string } }),
    ).toThrow(/env.N must be a string/);
    expect(() =>
      buildSandboxTemplate({ name: 't', image: 'img', version: 'v2' as 'v1beta1' }),
    ).toThrow(/version must be one of v1beta1, v1alpha1/);
    const err = ((): unknown => {
      try {
        buildSandboxTemplate({
          name: 'Bad',
          image: 'img',
          networkPolicyManagement: 'Off' as 'Managed',
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SchemaValidationError);
    expect((err as Error).message).toContain(
      'metadata.name: must be a lowercase RFC 1123 subdomain',
    );
    expect((err as Error).message).toContain(
      'spec.networkPolicyManagement: must be one of Managed, Unmanaged (got "Off")',
    );
  });

  it('does not share mutable state between calls', () => {
    const a = buildSandboxTemplate({ name: 'a', image: 'img', args: ['x'] });
    a.spec.podTemplate.spec.containers[0]!.name = 'changed';
    const b = buildSandboxTemplate({ name: 'a', image: 'img', args: ['x'] });
    expect(b.spec.podTemplate.spec.containers[0]!.name).toBe('sandbox');
  });
});
