import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corral } from '../helpers/corral.js';
import {
  GVR,
  NAMESPACE,
  installController,
  installPool,
  installRuntimeClass,
  startTestCluster,
  unreachableKubeconfig,
} from './helpers/cluster.js';
import type { TestCluster } from './helpers/cluster.js';
import { allowAll } from './helpers/access-review-proxy.js';
import { corralInProcess } from './helpers/in-process.js';

interface Report {
  ok: boolean;
  exitCode: number;
  summary: { ok: number; warn: number; fail: number; skip: number };
  checks: { id: string; title: string; status: string; detail: string; fix?: string }[];
}

function parseReport(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

function check(report: Report, id: string): Report['checks'][number] {
  const found = report.checks.find((c) => c.id === id);
  if (found === undefined)
    throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('corral doctor against a set-up cluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
    installController(cluster);
    installRuntimeClass(cluster);
    await installPool(cluster, 'corral-runner', 2);
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('is all green: a table with no failures, exit 0, and the same as JSON', async () => {
    const table = await cluster.run(['doctor', '-n', NAMESPACE]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^STATUS\s+CHECK\s+DETAIL$/m);
    expect(table.stdout).toMatch(
      /^ok\s+cluster reachable\s+http:\/\/127\.0\.0\.1:\d+ \(Kubernetes v/m,
    );
    expect(table.stdout).toMatch(/^ok\s+agent-sandbox CRDs\s+.*Corral speaks v1beta1$/m);
    expect(table.stdout).toMatch(/^ok\s+agent-sandbox controller\s+.*--extensions on$/m);
    expect(table.stdout).toMatch(/^ok\s+warm pool\s+corral-runner 2\/2 ready/m);
    expect(table.stdout).not.toMatch(/^(fail|warn|skip)\s/m);
    expect(table.stdout).toMatch(/^0 failed, 0 warnings, 18 ok$/m);

    const json = await cluster.call(['doctor', '-n', NAMESPACE, '-o', 'json']);
    expect(json.code).toBe(0);
    const report = parseReport(json.stdout);
    expect(report).toMatchObject({ ok: true, exitCode: 0, summary: { fail: 0, warn: 0, skip: 0 } });
    expect(report.checks.every((c) => c.status === 'ok')).toBe(true);
    // Every permission in deploy/v1beta1/rbac.yaml was asked about.
    expect(report.checks.filter((c) => c.id.startsWith('permission:'))).toHaveLength(10);
  });

  it('a denied permission fails with a fix, and exits 1', async () => {
    cluster.proxy.setPolicy((a) =>
      a.resource === 'sandboxclaims' && a.verb === 'delete' ? 'no RBAC rule' : true,
    );
    try {
      const json = await cluster.call(['doctor', '-n', NAMESPACE, '--json']);
      expect(json.code).toBe(1);
      const report = parseReport(json.stdout);
      expect(report).toMatchObject({ ok: false, exitCode: 1, summary: { fail: 1 } });
      const denied = check(report, 'permission:sandboxclaims.extensions.agents.x-k8s.io');
      expect(denied.status).toBe('fail');
      expect(denied.detail).toContain('delete');
      expect(denied.fix).toMatch(/rolebinding .*--role=corral-orchestrator/);

      const table = await cluster.run(['doctor', '-n', NAMESPACE]);
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(
        /^fail\s+rbac sandboxclaims\s+denied in corral-sandboxes: delete/m,
      );
      expect(table.stdout).toMatch(/^\s+fix: Bind Corral's Role to you/m);
    } finally {
      cluster.proxy.setPolicy(allowAll);
    }
  });

  it('a missing RuntimeClass is a warning with the manifest to apply; exit 0', async () => {
    const run = await cluster.call([
      'doctor',
      '-n',
      NAMESPACE,
      '--runtime-class',
      'kata',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(0);
    const runtime = check(parseReport(run.stdout), 'runtime-class');
    expect(runtime).toMatchObject({ status: 'warn' });
    expect(runtime.detail).toContain('RuntimeClass kata does not exist');
    expect(runtime.fix).toContain('--runtime-class');
  });

  it('a controller without --extensions, a missing namespace and a missing pool each fail', async () => {
    const { store } = cluster.fake;
    store.delete(GVR.deployments, 'agent-sandbox-system', 'agent-sandbox-controller');
    installController(cluster, { extensions: false });
    const run = await cluster.call([
      'doctor',
      '-n',
      'nowhere',
      '--warm-pool',
      'corral-runner',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(1);
    const report = parseReport(run.stdout);
    expect(check(report, 'controller')).toMatchObject({ status: 'fail' });
    expect(check(report, 'controller').fix).toContain('--extensions');
    expect(check(report, 'namespace')).toMatchObject({
      status: 'fail',
      detail: 'nowhere does not exist',
    });
    expect(check(report, 'namespace').fix).toContain('kubectl create namespace nowhere');
    // The pool check needs the namespace: skipped, with the reason.
    expect(check(report, 'warm-pool')).toMatchObject({
      status: 'skip',
      detail: 'skipped: namespace failed',
    });
  });
});

describe('corral doctor on a broken setup', () => {
  it('without the agent-sandbox CRDs: fail with the install command; the pool check is skipped', async () => {
    const cluster = await startTestCluster({ crds: [], controller: false, kubelet: false });
    try {
      const run = await cluster.call(['doctor', '-n', NAMESPACE, '-o', 'json']);
      expect(run.code).toBe(1);
      const report = parseReport(run.stdout);
      const crds = check(report, 'crds');
      expect(crds.status).toBe('fail');
      expect(crds.detail).toContain('agents.x-k8s.io not served');
      expect(crds.fix).toContain('sandbox-with-extensions.yaml');
      expect(check(report, 'controller')).toMatchObject({ status: 'fail' });
      expect(check(report, 'runtime-class')).toMatchObject({ status: 'warn' });
      expect(check(report, 'warm-pool')).toMatchObject({ status: 'skip' });
    } finally {
      await cluster.stop();
    }
  });

  it('an unreachable cluster fails once and skips everything that needs it', async () => {
    const cluster = await startTestCluster();
    try {
      const kubeconfig = await unreachableKubeconfig(cluster);
      const run = await cluster.run(['doctor', '--kubeconfig', kubeconfig]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^ok\s+kubeconfig\s/m);
      expect(run.stdout).toMatch(/^fail\s+cluster reachable\s+http:\/\/127\.0\.0\.1:\d+: /m);
      expect(run.stdout).toMatch(
        /^\s+fix: Check that the cluster at http:\/\/127\.0\.0\.1:\d+ is running/m,
      );
      // Checks skipped for the same reason share one row that names them.
      expect(run.stdout).toMatch(
        /^skip\s+\d+ checks\s+skipped: cluster reachable failed \(agent-sandbox CRDs; agent-sandbox controller; .*rbac sandboxclaims; .*rbac events\)$/m,
      );
      expect(run.stdout).toMatch(
        /^skip\s+warm pool\s+skipped: agent-sandbox CRDs was skipped$|^skip\s+\d+ checks\s+skipped: agent-sandbox CRDs was skipped \(.*warm pool.*\)$/m,
      );
      expect(run.stdout.match(/^skip\s/gm)!.length).toBeLessThanOrEqual(3);
      expect(run.stdout).toMatch(/^1 failed, 0 warnings, 1 ok, 16 skipped$/m);
    } finally {
      await cluster.stop();
    }
  });

  it('with no kubeconfig and no flags: reports local isolation and skips the cluster', async () => {
    const home = await mkdtemp(join(tmpdir(), 'corral-cli-home-'));
    try {
      const run = await corral(['doctor', '--json'], {
        stateDir: home,
        env: { KUBECONFIG: join(home, 'missing'), HOME: home },
      });
      const report = parseReport(run.stdout);
      const local = check(report, 'local-isolation');
      expect(['ok', 'warn', 'fail']).toContain(local.status);
      expect(run.code).toBe(local.status === 'fail' ? 1 : 0);
      expect(check(report, 'kubeconfig')).toMatchObject({ status: 'skip' });
      expect(check(report, 'kubeconfig').detail).toContain('no kubeconfig found');
      expect(check(report, 'cluster')).toMatchObject({ status: 'skip' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('--provider kubernetes without a kubeconfig fails the first check', async () => {
    const home = await mkdtemp(join(tmpdir(), 'corral-cli-home-'));
    try {
      const run = await corralInProcess(['doctor', '--provider', 'kubernetes', '-o', 'json'], {
        KUBECONFIG: join(home, 'missing'),
        HOME: home,
      });
      expect(run.code).toBe(1);
      const report = parseReport(run.stdout);
      expect(report.checks.some((c) => c.id === 'local-isolation')).toBe(false);
      expect(check(report, 'kubeconfig')).toMatchObject({ status: 'fail' });
      expect(check(report, 'kubeconfig').fix).toContain('KUBECONFIG');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
