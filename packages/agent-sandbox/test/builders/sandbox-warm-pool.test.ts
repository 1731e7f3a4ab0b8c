import { describe, expect, it } from 'vitest';
import { buildSandboxWarmPool, parseResource } from '@corral/agent-sandbox';

describe('buildSandboxWarmPool', () => {
  it('builds a v1beta1 pool that passes the schema', () => {
    const p = buildSandboxWarmPool({
      name: 'py',
      namespace: 'ns',
      template: 'python',
      replicas: 3,
    });
    expect(p).toEqual({
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxWarmPool',
      metadata: { name: 'py', namespace: 'ns' },
      spec: { replicas: 3, sandboxTemplateRef: { name: 'python' } },
    });
    expect(() => parseResource(p)).not.toThrow();
  });

  it('writes replicas: 0 explicitly (a cold-start-only pool), never relying on the default of 1', () => {
    expect(buildSandboxWarmPool({ name: 'cold', template: 't', replicas: 0 }).spec.replicas).toBe(
      0,
    );
  });

  it('requires replicas and explains why', () => {
    expect(() => buildSandboxWarmPool({ name: 'p', template: 't' } as never)).toThrow(
      /replicas is required \(upstream silently defaults a missing value to 1\).*0 for a cold-start-only pool/,
    );
    expect(() => buildSandboxWarmPool({ name: 'p', template: 't', replicas: -1 })).toThrow(
      /non-negative integer \(got -1\)/,
    );
    expect(() => buildSandboxWarmPool({ name: 'p', template: 't', replicas: 1.5 })).toThrow(
      /non-negative integer/,
    );
  });

  it('sets updateStrategy, labels and the v1alpha1 apiVersion', () => {
    const p = buildSandboxWarmPool({
      name: 'p',
      template: 't',
      replicas: 2,
      updateStrategy: 'Recreate',
      labels: { a: 'b' },
      version: 'v1alpha1',
    });
    expect(p.apiVersion).toBe('extensions.agents.x-k8s.io/v1alpha1');
    expect(p.spec.updateStrategy).toEqual({ type: 'Recreate' });
    expect(p.metadata.labels).toEqual({ a: 'b' });
  });

  it('rejects a missing template and a bad update strategy', () => {
    expect(() => buildSandboxWarmPool({ name: 'p', template: '', replicas: 1 })).toThrow(
      /template is required/,
    );
    expect(() =>
      buildSandboxWarmPool({
        name: 'p',
        template: 't',
        replicas: 1,
        updateStrategy: 'Rolling' as 'Recreate',
      }),
    ).toThrow(/spec.updateStrategy.type: must be one of Recreate, OnReplenish \(got "Rolling"\)/);
  });
});
