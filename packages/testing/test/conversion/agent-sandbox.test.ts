import { describe, expect, it } from 'vitest';
import { convertAgentSandbox } from '../../src/index.js';
import type { KubeObject } from '../../src/index.js';

const STATE = 'api.agents.x-k8s.io/v1alpha1-sandboxclaim-state';

const alphaClaim = (
  spec: Record<string, unknown>,
  status?: Record<string, unknown>,
): KubeObject => ({
  apiVersion: 'extensions.agents.x-k8s.io/v1alpha1',
  kind: 'SandboxClaim',
  metadata: { name: 'claim', namespace: 'default' },
  spec,
  ...(status ? { status } : {}),
});

describe('agent-sandbox conversion', () => {
  it('claim: a specific warm pool becomes warmPoolRef.name and round-trips losslessly', () => {
    const alpha = alphaClaim({ sandboxTemplateRef: { name: 'tpl' }, warmpool: 'fast-pool' });
    const beta = convertAgentSandbox(alpha, 'v1beta1');
    expect(beta.apiVersion).toBe('extensions.agents.x-k8s.io/v1beta1');
    expect(beta.spec).toEqual({ warmPoolRef: { name: 'fast-pool' } });
    expect(JSON.parse(beta.metadata.annotations![STATE]!).spec).toEqual(alpha.spec);
    const back = convertAgentSandbox(beta, 'v1alpha1');
    expect(back).toEqual(alpha);
  });

  it('claim: default/none policy maps to shadow-pool-<template>, or the warm sandbox pool', () => {
    expect(
      convertAgentSandbox(
        alphaClaim({ sandboxTemplateRef: { name: 'tpl' }, warmpool: 'none' }),
        'v1beta1',
      ).spec,
    ).toEqual({ warmPoolRef: { name: 'shadow-pool-tpl' } });
    const warm = convertAgentSandbox(
      alphaClaim(
        { sandboxTemplateRef: { name: 'tpl' }, warmpool: 'default' },
        { sandbox: { name: 'pool-a-x7k2p' } },
      ),
      'v1beta1',
    );
    expect(warm.spec).toEqual({ warmPoolRef: { name: 'pool-a' } });
    // Without the state annotation, beta -> alpha derives the template from a shadow pool name.
    const plain: KubeObject = {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxClaim',
      metadata: { name: 'c' },
      spec: { warmPoolRef: { name: 'shadow-pool-tpl' } },
    };
    expect(convertAgentSandbox(plain, 'v1alpha1').spec).toEqual({
      sandboxTemplateRef: { name: 'tpl' },
      warmpool: 'default',
    });
  });

  it('claim: a beta edit of warmPoolRef wins over the stored alpha state', () => {
    const beta = convertAgentSandbox(
      alphaClaim({ sandboxTemplateRef: { name: 'tpl' }, warmpool: 'none' }),
      'v1beta1',
    );
    (beta.spec as Record<string, unknown>).warmPoolRef = { name: 'other-pool' };
    expect(convertAgentSandbox(beta, 'v1alpha1').spec).toEqual({
      sandboxTemplateRef: { name: 'tpl' },
      warmpool: 'other-pool',
    });
  });

  it('sandbox: replicas 0/1 <-> operatingMode Suspended/Running', () => {
    const alpha: KubeObject = {
      apiVersion: 'agents.x-k8s.io/v1alpha1',
      kind: 'Sandbox',
      metadata: { name: 's' },
      spec: { replicas: 0, podTemplate: {} },
      status: { replicas: 0 },
    };
    const beta = convertAgentSandbox(alpha, 'v1beta1');
    expect(beta.spec).toEqual({ operatingMode: 'Suspended', podTemplate: {} });
    expect(beta.status).toEqual({});
    (beta.spec as Record<string, unknown>).operatingMode = 'Running';
    const back = convertAgentSandbox(beta, 'v1alpha1');
    expect(back.spec).toEqual({ replicas: 1, podTemplate: {} });
    expect(back.metadata.annotations).toBeUndefined();
  });

  it('template: beta-only volumeClaimTemplatesPolicy survives an alpha round trip', () => {
    const beta: KubeObject = {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxTemplate',
      metadata: { name: 't' },
      spec: { podTemplate: {}, volumeClaimTemplatesPolicy: 'Allowed' },
    };
    const alpha = convertAgentSandbox(beta, 'v1alpha1');
    expect(alpha.spec).toEqual({ podTemplate: {} });
    expect(alpha.metadata.annotations).toEqual({
      'api.agents.x-k8s.io/v1beta1-volume-claim-templates-policy': 'Allowed',
    });
    const again = convertAgentSandbox(alpha, 'v1beta1');
    expect(again.spec).toEqual({ podTemplate: {}, volumeClaimTemplatesPolicy: 'Allowed' });
  });
});
