import { describe, expect, it } from 'vitest';
import {
  SCHEMAS,
  SchemaValidationError,
  V0_1_0_SCHEMAS,
  parseResource,
  parseResourceAs,
  validateResource,
} from '@corral/agent-sandbox';

const pod = { spec: { containers: [{ name: 'sandbox', image: 'python:3.12' }] } };

function sandbox(spec: Record<string, unknown> = {}, version = 'v1beta1'): Record<string, unknown> {
  return {
    apiVersion: `agents.x-k8s.io/${version}`,
    kind: 'Sandbox',
    metadata: { name: 'sb', namespace: 'default' },
    spec: { podTemplate: pod, ...spec },
  };
}
function claim(spec: Record<string, unknown>, version = 'v1beta1'): Record<string, unknown> {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxClaim',
    metadata: { name: 'x' },
    spec,
  };
}
function template(
  spec: Record<string, unknown> = {},
  version = 'v1beta1',
): Record<string, unknown> {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxTemplate',
    metadata: { name: 't' },
    spec: { podTemplate: pod, ...spec },
  };
}
function pool(spec: Record<string, unknown>, version = 'v1beta1'): Record<string, unknown> {
  return {
    apiVersion: `extensions.agents.x-k8s.io/${version}`,
    kind: 'SandboxWarmPool',
    metadata: { name: 'p' },
    spec,
  };
}

function errorOf(fn: () => unknown): SchemaValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaValidationError);
    return error as SchemaValidationError;
  }
  throw new Error('expected a SchemaValidationError');
}

describe('defaults (as the CRDs declare them)', () => {
  it('Sandbox v1beta1: shutdownPolicy Retain, operatingMode Running', () => {
    const parsed = parseResourceAs('v1beta1', 'Sandbox', sandbox());
    expect(parsed.spec.shutdownPolicy).toBe('Retain');
    expect(parsed.spec.operatingMode).toBe('Running');
  });

  it('Sandbox v1alpha1: replicas 1', () => {
    expect(parseResourceAs('v1alpha1', 'Sandbox', sandbox({}, 'v1alpha1')).spec.replicas).toBe(1);
  });

  it('SandboxTemplate: Managed, Disallowed, Disallowed (VCT policy only in v1beta1)', () => {
    const beta = parseResourceAs('v1beta1', 'SandboxTemplate', template());
    expect(beta.spec).toMatchObject({
      networkPolicyManagement: 'Managed',
      envVarsInjectionPolicy: 'Disallowed',
      volumeClaimTemplatesPolicy: 'Disallowed',
    });
    const alpha = parseResourceAs('v1alpha1', 'SandboxTemplate', template({}, 'v1alpha1'));
    expect(alpha.spec.networkPolicyManagement).toBe('Managed');
    expect(alpha.spec).not.toHaveProperty('volumeClaimTemplatesPolicy');
  });

  it('SandboxWarmPool v1beta1: replicas 1 and updateStrategy.type OnReplenish (when updateStrategy is set)', () => {
    const parsed = parseResourceAs(
      'v1beta1',
      'SandboxWarmPool',
      pool({ sandboxTemplateRef: { name: 't' }, updateStrategy: {} }),
    );
    expect(parsed.spec.replicas).toBe(1);
    expect(parsed.spec.updateStrategy?.type).toBe('OnReplenish');
  });

  it('SandboxClaim: lifecycle.shutdownPolicy Retain; v1alpha1 warmpool "default"', () => {
    const beta = parseResourceAs(
      'v1beta1',
      'SandboxClaim',
      claim({ warmPoolRef: { name: 'p' }, lifecycle: {} }),
    );
    expect(beta.spec.lifecycle?.shutdownPolicy).toBe('Retain');
    const alpha = parseResourceAs(
      'v1alpha1',
      'SandboxClaim',
      claim({ sandboxTemplateRef: { name: 't' } }, 'v1alpha1'),
    );
    expect(alpha.spec.warmpool).toBe('default');
    expect(alpha.spec.lifecycle).toBeUndefined();
  });
});

describe('round trip', () => {
  it('keeps unknown fields everywhere (loose objects), and does not mutate the input', () => {
    const input = sandbox({ futureField: { a: 1 } });
    (input as { status?: unknown }).status = { conditions: [], somethingNew: true };
    (
      input.spec as { podTemplate: { spec: Record<string, unknown> } }
    ).podTemplate.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
    const before = structuredClone(input);
    const parsed = parseResource(input);
    expect(parsed).toMatchObject(before);
    expect(input).toEqual(before);
  });

  it('dispatches on apiVersion and kind and narrows the type', () => {
    const parsed = parseResource(claim({ sandboxTemplateRef: { name: 't' } }, 'v1alpha1'));
    if (
      parsed.kind === 'SandboxClaim' &&
      parsed.apiVersion === 'extensions.agents.x-k8s.io/v1alpha1'
    ) {
      expect(parsed.spec.sandboxTemplateRef.name).toBe('t');
    } else {
      throw new Error('wrong dispatch');
    }
  });

  it('v0.1.0 claim status with sandbox.Name parses (typed in the v0.1.0 schema)', () => {
    const old = {
      ...claim({ sandboxTemplateRef: { name: 't' } }, 'v1alpha1'),
      status: { sandbox: { Name: 'sb' } },
    };
    expect(V0_1_0_SCHEMAS.v1alpha1.SandboxClaim.parse(old).status?.sandbox?.Name).toBe('sb');
    expect(SCHEMAS.v1alpha1.SandboxClaim.parse(old).status?.sandbox).toEqual({ Name: 'sb' });
  });
});

describe('broken objects are rejected with messages naming the field', () => {
  it('the example from the error-format contract', () => {
    const error = errorOf(() =>
      parseResource(claim({ warmPoolRef: {}, lifecycle: { shutdownPolicy: 'Never' } })),
    );
    expect(error.message).toBe(
      'SandboxClaim "x" is invalid: spec.warmPoolRef.name: Required; ' +
        'spec.lifecycle.shutdownPolicy: must be one of Delete, DeleteForeground, Retain (got "Never")',
    );
    expect(error.code).toBe('SCHEMA_INVALID');
    expect(error.retryable).toBe(false);
    expect(error.issues).toEqual([
      { path: 'spec.warmPoolRef.name', message: 'Required' },
      {
        path: 'spec.lifecycle.shutdownPolicy',
        message: 'must be one of Delete, DeleteForeground, Retain (got "Never")',
      },
    ]);
  });

  it.each([
    [
      'wrong enum',
      sandbox({ operatingMode: 'Paused' }),
      'spec.operatingMode: must be one of Running, Suspended (got "Paused")',
    ],
    [
      'Sandbox shutdownPolicy DeleteForeground (claims only)',
      sandbox({ shutdownPolicy: 'DeleteForeground' }),
      'spec.shutdownPolicy: must be one of Delete, Retain',
    ],
    ['missing podTemplate', { ...sandbox(), spec: {} }, 'spec.podTemplate: Required'],
    [
      'empty containers',
      sandbox({ podTemplate: { spec: { containers: [] } } }),
      'spec.podTemplate.spec.containers: must have at least 1 item',
    ],
    [
      'container without name',
      sandbox({ podTemplate: { spec: { containers: [{ image: 'x' }] } } }),
      'spec.podTemplate.spec.containers[0].name: Required',
    ],
    [
      'service not a boolean',
      sandbox({ service: 'yes' }),
      'spec.service: must be a boolean (got "yes")',
    ],
    [
      'bad shutdownTime',
      sandbox({ shutdownTime: '2026-13-01' }),
      'spec.shutdownTime: must be an RFC 3339 date-time',
    ],
    [
      'alpha replicas 2',
      sandbox({ replicas: 2 }, 'v1alpha1'),
      'spec.replicas: must be less than or equal to 1 (got 2)',
    ],
    [
      'negative pool replicas',
      pool({ replicas: -1, sandboxTemplateRef: { name: 't' } }),
      'spec.replicas: must be greater than or equal to 0 (got -1)',
    ],
    [
      'fractional pool replicas',
      pool({ replicas: 1.5, sandboxTemplateRef: { name: 't' } }),
      'spec.replicas: must be an integer',
    ],
    [
      'alpha pool without replicas',
      pool({ sandboxTemplateRef: { name: 't' } }, 'v1alpha1'),
      'spec.replicas: Required',
    ],
    [
      'bad update strategy',
      pool({ sandboxTemplateRef: { name: 't' }, updateStrategy: { type: 'Rolling' } }),
      'spec.updateStrategy.type: must be one of Recreate, OnReplenish (got "Rolling")',
    ],
    [
      'template enum',
      template({ networkPolicyManagement: 'Off' }),
      'spec.networkPolicyManagement: must be one of Managed, Unmanaged (got "Off")',
    ],
    [
      'template env policy',
      template({ envVarsInjectionPolicy: 'Yes' }),
      'spec.envVarsInjectionPolicy: must be one of Allowed, Overrides, Disallowed',
    ],
    [
      'claim ttl negative',
      claim({ warmPoolRef: { name: 'p' }, lifecycle: { ttlSecondsAfterFinished: -5 } }),
      'spec.lifecycle.ttlSecondsAfterFinished: must be greater than or equal to 0 (got -5)',
    ],
    [
      'claim env without value',
      claim({ warmPoolRef: { name: 'p' }, env: [{ name: 'A' }] }),
      'spec.env[0].value: Required',
    ],
    [
      'claim label value not a string',
      claim({ warmPoolRef: { name: 'p' }, additionalPodMetadata: { labels: { a: 1 } } }),
      'spec.additionalPodMetadata.labels.a: must be a string (got 1)',
    ],
    [
      'alpha claim without template',
      claim({ warmpool: 'none' }, 'v1alpha1'),
      'spec.sandboxTemplateRef: Required',
    ],
    [
      'missing name',
      { ...claim({ warmPoolRef: { name: 'p' } }), metadata: {} },
      'metadata.name: Required (set metadata.name or metadata.generateName)',
    ],
    [
      'upper-case name',
      { ...claim({ warmPoolRef: { name: 'p' } }), metadata: { name: 'Bad_Name' } },
      'metadata.name: must be a lowercase RFC 1123 subdomain',
    ],
    [
      'missing spec',
      { apiVersion: 'agents.x-k8s.io/v1beta1', kind: 'Sandbox', metadata: { name: 'a' } },
      'spec: Required',
    ],
    [
      'condition with bad status',
      {
        ...sandbox(),
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'Yes',
              reason: 'R',
              message: '',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      },
      'status.conditions[0].status: must be one of True, False, Unknown (got "Yes")',
    ],
  ])('%s', (_title, obj, expected) => {
    expect(errorOf(() => parseResource(obj)).message).toContain(expected);
  });

  it('reports every bad field at once', () => {
    const error = errorOf(() =>
      parseResource(pool({ replicas: -1, sandboxTemplateRef: {}, updateStrategy: { type: 'x' } })),
    );
    expect(error.issues.map((i) => i.path)).toEqual([
      'spec.replicas',
      'spec.sandboxTemplateRef.name',
      'spec.updateStrategy.type',
    ]);
  });

  it('unknown apiVersion or kind, and non-objects', () => {
    expect(
      errorOf(() => parseResource({ ...sandbox(), apiVersion: 'agents.x-k8s.io/v1' })).message,
    ).toBe(
      'Sandbox "sb" is invalid: apiVersion: must be one of agents.x-k8s.io/v1beta1, agents.x-k8s.io/v1alpha1 (got "agents.x-k8s.io/v1")',
    );
    expect(
      errorOf(() =>
        parseResource({ ...sandbox(), apiVersion: 'extensions.agents.x-k8s.io/v1beta1' }),
      ).issues[0]?.path,
    ).toBe('apiVersion');
    expect(
      errorOf(() => parseResource({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }))
        .message,
    ).toContain(
      'kind: must be one of Sandbox, SandboxTemplate, SandboxClaim, SandboxWarmPool (got "Pod")',
    );
    expect(errorOf(() => parseResource('nope')).message).toBe(
      'object is invalid: (root): must be an object (got string)',
    );
  });

  it('validateResource returns the error instead of throwing', () => {
    const result = validateResource(claim({}));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.issues[0]?.path).toBe('spec.warmPoolRef');
    expect(validateResource(claim({ warmPoolRef: { name: 'p' } })).ok).toBe(true);
  });

  it('generateName-only objects are named with a * in messages', () => {
    const obj = { ...claim({}), metadata: { generateName: 'job-' } };
    expect(errorOf(() => parseResource(obj)).message).toMatch(/^SandboxClaim "job-\*" is invalid/);
  });
});
