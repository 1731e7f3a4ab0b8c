import { describe, expect, it } from 'vitest';
import {
  KubeInvalidArgumentError,
  UnsupportedRequestError,
  resolveClaimRequest,
} from '../../src/index.js';

describe('resolveClaimRequest', () => {
  const lookup = (pool: string) => Promise.resolve(pool === 'py' ? 'python-template' : undefined);

  it('v1beta1: a warm pool becomes warmPoolRef', async () => {
    await expect(resolveClaimRequest({ warmPool: 'py' }, 'v1beta1')).resolves.toEqual({
      warmPoolRef: { name: 'py' },
    });
  });

  it('v1beta1: a template alone cannot be expressed, and the error says how to get there', async () => {
    const error = await resolveClaimRequest({ template: 'python-template' }, 'v1beta1').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedRequestError);
    expect((error as Error).message).toMatch(/replicas: 0/);
    expect((error as Error).message).toMatch(/python-template/);
  });

  it('v1alpha1: a template becomes sandboxTemplateRef with warmpool none, or the named pool', async () => {
    await expect(resolveClaimRequest({ template: 't' }, 'v1alpha1')).resolves.toEqual({
      sandboxTemplateRef: { name: 't' },
      warmpool: 'none',
    });
    await expect(
      resolveClaimRequest({ template: 't', warmPool: 'p' }, 'v1alpha1'),
    ).resolves.toEqual({
      sandboxTemplateRef: { name: 't' },
      warmpool: 'p',
    });
  });

  it('v1alpha1: a pool alone is resolved through the pool template, and a missing pool is an error', async () => {
    await expect(resolveClaimRequest({ warmPool: 'py' }, 'v1alpha1', lookup)).resolves.toEqual({
      sandboxTemplateRef: { name: 'python-template' },
      warmpool: 'py',
    });
    await expect(resolveClaimRequest({ warmPool: 'missing' }, 'v1alpha1', lookup)).rejects.toThrow(
      /does not exist/,
    );
  });

  it('rejects an empty request', async () => {
    await expect(resolveClaimRequest({}, 'v1beta1')).rejects.toBeInstanceOf(
      KubeInvalidArgumentError,
    );
  });
});
