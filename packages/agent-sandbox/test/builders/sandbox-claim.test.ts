import { describe, expect, it } from 'vitest';
import { LABELS, buildSandboxClaim, parseResource } from '@corral/agent-sandbox';
// Not exported from the package root (yet); the class is what callers switch on via `code`.
import { UnsupportedRequestError } from '../../src/errors/config-errors.js';

const NOW = Date.parse('2026-09-01T12:00:00.000Z');

describe('buildSandboxClaim (v1beta1)', () => {
  it('names a warm pool and labels the claim as Corral-made', () => {
    const c = buildSandboxClaim({ name: 'job-1', namespace: 'ns', warmPool: 'python' });
    expect(c).toEqual({
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxClaim',
      metadata: { name: 'job-1', namespace: 'ns', labels: { [LABELS.createdBy]: 'corral' } },
      spec: { warmPoolRef: { name: 'python' } },
    });
    expect(() => parseResource(c)).not.toThrow();
  });

  it('supports generateName, labels overriding created-by, annotations, metadata, env and VCTs', () => {
    const c = buildSandboxClaim({
      generateName: 'job-',
      warmPool: 'p',
      labels: { [LABELS.createdBy]: 'orchestrator', run: 'r1' },
      annotations: { a: 'b' },
      additionalPodMetadata: { labels: { 'sandbox.users.io/run': 'r1' } },
      env: { A: '1' },
      volumeClaimTemplates: [
        { metadata: { name: 'work' }, spec: { accessModes: ['ReadWriteOnce'] } },
      ],
    });
    expect(c.metadata).toEqual({
      generateName: 'job-',
      labels: { [LABELS.createdBy]: 'orchestrator', run: 'r1' },
      annotations: { a: 'b' },
    });
    expect(c.spec).toMatchObject({
      additionalPodMetadata: { labels: { 'sandbox.users.io/run': 'r1' } },
      env: [{ name: 'A', value: '1' }],
      volumeClaimTemplates: [{ metadata: { name: 'work' } }],
    });
  });

  it('lifecycle: shutdownAfterMs from an injected clock, rounded up to whole seconds', () => {
    const c = buildSandboxClaim({
      name: 'c',
      warmPool: 'p',
      now: NOW,
      lifecycle: { shutdownAfterMs: 90_500, ttlSecondsAfterFinished: 30, shutdownPolicy: 'Delete' },
    });
    expect(c.spec.lifecycle).toEqual({
      shutdownTime: '2026-09-01T12:01:31Z',
      ttlSecondsAfterFinished: 30,
      shutdownPolicy: 'Delete',
    });
  });

  it('lifecycle: shutdownTime as Date or string', () => {
    const fromDate = buildSandboxClaim({
      name: 'c',
      warmPool: 'p',
      lifecycle: { shutdownTime: new Date(NOW) },
    });
    expect(fromDate.spec.lifecycle?.shutdownTime).toBe('2026-09-01T12:00:00Z');
    const fromString = buildSandboxClaim({
      name: 'c',
      warmPool: 'p',
      lifecycle: { shutdownTime: '2026-09-01T12:00:00+02:00' },
    });
    expect(fromString.spec.lifecycle?.shutdownTime).toBe('2026-09-01T12:00:00+02:00');
    expect(() =>
      buildSandboxClaim({ name: 'c', warmPool: 'p', lifecycle: { shutdownTime: 'tomorrow' } }),
    ).toThrow(/spec.lifecycle.shutdownTime: must be an RFC 3339 date-time/);
  });

  it('a template-only request explains v1beta1 claims and suggests a replicas: 0 pool', () => {
    let error: unknown;
    try {
      buildSandboxClaim({ name: 'c', template: 'python' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedRequestError);
    expect((error as Error).message).toMatch(
      /v1beta1 SandboxClaims name a warm pool \(spec.warmPoolRef\), not a template/,
    );
    expect((error as Error).message).toMatch(/replicas: 0/);
    expect(() => buildSandboxClaim({ name: 'c' })).toThrow(/warmPool is required/);
    expect(() => buildSandboxClaim({ name: 'c', warmPool: 'p', template: 't' })).toThrow(
      /takes only warmPool/,
    );
  });

  it('rejects bad lifecycle and naming input', () => {
    expect(() => buildSandboxClaim({ warmPool: 'p' })).toThrow(
      /exactly one of name and generateName \(got neither\)/,
    );
    expect(() => buildSandboxClaim({ name: 'a', generateName: 'a-', warmPool: 'p' })).toThrow(
      /got both/,
    );
    expect(() =>
      buildSandboxClaim({
        name: 'c',
        warmPool: 'p',
        lifecycle: { shutdownTime: new Date(NOW), shutdownAfterMs: 1 },
      }),
    ).toThrow(/mutually exclusive/);
    expect(() =>
      buildSandboxClaim({ name: 'c', warmPool: 'p', lifecycle: { shutdownAfterMs: -1 } }),
    ).toThrow(/shutdownAfterMs must be a non-negative number/);
    expect(() =>
      buildSandboxClaim({ name: 'c', warmPool: 'p', lifecycle: { ttlSecondsAfterFinished: 1.5 } }),
    ).toThrow(/ttlSecondsAfterFinished must be a non-negative integer/);
    expect(() =>
      buildSandboxClaim({
        name: 'c',
        warmPool: 'p',
        lifecycle: { shutdownPolicy: 'Never' as 'Delete' },
      }),
    ).toThrow(
      'SandboxClaim "c" is invalid: spec.lifecycle.shutdownPolicy: must be one of Delete, DeleteForeground, Retain (got "Never")',
    );
  });
});

describe('buildSandboxClaim (v1alpha1)', () => {
  it('names a template and maps warmPool to spec.warmpool', () => {
    const c = buildSandboxClaim({
      name: 'c',
      template: 'python',
      warmPool: 'none',
      version: 'v1alpha1',
    });
    expect(c.apiVersion).toBe('extensions.agents.x-k8s.io/v1alpha1');
    expect(c.spec).toEqual({ sandboxTemplateRef: { name: 'python' }, warmpool: 'none' });
    expect(() => parseResource(c)).not.toThrow();
    const d = buildSandboxClaim({ name: 'c', template: 'python', version: 'v1alpha1' });
    expect(d.spec).not.toHaveProperty('warmpool'); // server default: "default"
  });

  it('requires a template and has no volumeClaimTemplates', () => {
    expect(() => buildSandboxClaim({ name: 'c', warmPool: 'p', version: 'v1alpha1' })).toThrow(
      /template is required for a v1alpha1/,
    );
    expect(() =>
      buildSandboxClaim({
        name: 'c',
        template: 't',
        version: 'v1alpha1',
        volumeClaimTemplates: [{ metadata: { name: 'w' }, spec: {} }],
      }),
    ).toThrow(/v1alpha1 SandboxClaims have no volumeClaimTemplates/);
  });
});
