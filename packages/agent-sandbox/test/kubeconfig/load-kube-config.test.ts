import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigNotFoundError, loadKubeConfig } from '../../src/index.js';

function kubeconfig(
  current: string,
  contexts: { name: string; namespace?: string; server?: string }[],
): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${current}`,
    'clusters:',
    ...contexts.map(
      (c) =>
        `- name: ${c.name}-cluster\n  cluster:\n    server: ${c.server ?? `https://${c.name}.example:6443`}`,
    ),
    'users:',
    ...contexts.map((c) => `- name: ${c.name}-user\n  user:\n    token: t-${c.name}`),
    'contexts:',
    ...contexts.map(
      (c) =>
        `- name: ${c.name}\n  context:\n    cluster: ${c.name}-cluster\n    user: ${c.name}-user` +
        (c.namespace ? `\n    namespace: ${c.namespace}` : ''),
    ),
  ].join('\n');
}

describe('loadKubeConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'corral-kubeconfig-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads ~/.kube/config with its current context and namespace', () => {
    mkdirSync(join(dir, '.kube'));
    writeFileSync(
      join(dir, '.kube', 'config'),
      kubeconfig('dev', [{ name: 'dev', namespace: 'team-a' }, { name: 'prod' }]),
    );
    const loaded = loadKubeConfig({ env: {}, homeDir: dir, inCluster: false });
    expect(loaded.context).toBe('dev');
    expect(loaded.namespace).toBe('team-a');
    expect(loaded.kubeConfig.getCurrentCluster()?.server).toBe('https://dev.example:6443');
  });

  it('selects an explicit context and namespace', () => {
    const file = join(dir, 'config');
    writeFileSync(
      file,
      kubeconfig('dev', [{ name: 'dev', namespace: 'team-a' }, { name: 'prod' }]),
    );
    const loaded = loadKubeConfig({
      kubeconfigPath: file,
      context: 'prod',
      namespace: 'sandboxes',
      env: {},
    });
    expect(loaded.context).toBe('prod');
    expect(loaded.namespace).toBe('sandboxes');
    const plain = loadKubeConfig({ kubeconfigPath: file, context: 'prod', env: {} });
    expect(plain.namespace).toBe('default');
  });

  it('lists the available contexts when the requested one is missing', () => {
    const file = join(dir, 'config');
    writeFileSync(file, kubeconfig('dev', [{ name: 'dev' }, { name: 'prod' }]));
    expect(() => loadKubeConfig({ kubeconfigPath: file, context: 'staging', env: {} })).toThrow(
      /Context "staging".*Available contexts: dev, prod/,
    );
  });

  it('merges KUBECONFIG files with kubectl semantics: the first file`s current-context wins, missing files are skipped', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, kubeconfig('first', [{ name: 'first' }]));
    writeFileSync(b, kubeconfig('second', [{ name: 'second' }]));
    const loaded = loadKubeConfig({
      env: { KUBECONFIG: [join(dir, 'missing'), a, b].join(delimiter) },
      homeDir: dir,
    });
    expect(loaded.context).toBe('first');
    expect(loaded.kubeConfig.getContexts().map((c) => c.name)).toEqual(['first', 'second']);
  });

  it('throws ConfigNotFoundError naming what was searched when nothing is found', () => {
    const error = (() => {
      try {
        loadKubeConfig({ env: {}, homeDir: dir, inClusterPathPrefix: dir });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    const e = error as ConfigNotFoundError;
    expect(e.code).toBe('CONFIG_NOT_FOUND');
    expect(e.searched).toEqual([
      join(dir, '.kube', 'config'),
      expect.stringContaining('in-cluster service account'),
    ]);
    expect(e.message).toMatch(/Set KUBECONFIG/);
  });

  it('reports a missing explicit kubeconfigPath', () => {
    expect(() => loadKubeConfig({ kubeconfigPath: join(dir, 'nope'), env: {} })).toThrow(
      ConfigNotFoundError,
    );
  });

  it('falls back to the in-cluster service account', () => {
    const sa = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'token');
    writeFileSync(join(sa, 'namespace'), 'agents\n');
    writeFileSync(join(sa, 'ca.crt'), '');
    const loaded = loadKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      homeDir: dir,
      inClusterPathPrefix: dir,
    });
    expect(loaded.source).toBe('in-cluster');
    expect(loaded.namespace).toBe('agents');
    expect(loaded.kubeConfig.getCurrentCluster()?.server).toBe('https://10.0.0.1:443');
  });
});
