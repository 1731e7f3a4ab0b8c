/**
 * Issue 13 item 8: the playground fake cluster (`npx corral-fake-cluster`, docs/deploy.md) takes
 * `kubectl apply -k deploy/v1beta1` as a cluster does (client-side validation on: RBAC kinds
 * served, discovery and OpenAPI good enough for kubectl), answers `kubectl auth can-i`, and
 * `corral doctor` on it reports the simulated controller and one row per distinct problem.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlayground, type FakeCluster } from '@corral/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corralInProcess } from './helpers/in-process.js';

const KUBECTL = '/usr/bin/kubectl';
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const NAMESPACE = 'corral-sandboxes';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** kubectl as a child process: the fake serves it from this process, so never spawnSync. */
function kubectl(args: string[], kubeconfig: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, args, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KUBECONFIG: kubeconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the playground fake cluster', () => {
  let dir: string;
  let kubeconfig: string;
  let cluster: FakeCluster;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-playground-'));
    kubeconfig = join(dir, 'kubeconfig');
    cluster = await startPlayground({ kubeconfigPath: kubeconfig, pods: 'simulated' });
  });
  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes kubectl apply -k deploy/v1beta1 with validation on, RBAC included', async () => {
    const applied = await kubectl(['apply', '-k', 'deploy/v1beta1'], kubeconfig);
    expect(applied.stderr).not.toMatch(/error|validate/i);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(
      /^role\.rbac\.authorization\.k8s\.io\/corral-orchestrator created$/m,
    );
    expect(applied.stdout).toMatch(
      /^rolebinding\.rbac\.authorization\.k8s\.io\/corral-orchestrator created$/m,
    );
    expect(applied.stdout).toMatch(
      /^sandboxwarmpool\.extensions\.agents\.x-k8s\.io\/corral-runner created$/m,
    );
    const role = await kubectl(
      ['-n', NAMESPACE, 'get', 'role', 'corral-orchestrator', '-o', 'name'],
      kubeconfig,
    );
    expect(role).toMatchObject({
      code: 0,
      stdout: 'role.rbac.authorization.k8s.io/corral-orchestrator\n',
    });
    const ready = await kubectl(
      [
        '-n',
        NAMESPACE,
        'wait',
        '--for=jsonpath={.status.readyReplicas}=2',
        'sandboxwarmpool/corral-runner',
        '--timeout=120s',
      ],
      kubeconfig,
    );
    expect(ready.stderr).toBe('');
    expect(ready.code).toBe(0);
  });

  it('answers kubectl auth can-i (SelfSubjectAccessReview)', async () => {
    const can = await kubectl(
      ['auth', 'can-i', 'create', 'sandboxclaims.extensions.agents.x-k8s.io', '-n', NAMESPACE],
      kubeconfig,
    );
    expect(can).toMatchObject({ code: 0, stdout: 'yes\n' });
  });

  it('corral doctor reports the simulated controller and allowed RBAC, one row each', async () => {
    const run = await corralInProcess(['doctor', '--provider', 'kubernetes', '-n', NAMESPACE], {
      KUBECONFIG: kubeconfig,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^ok\s+agent-sandbox controller\s+Deployment agent-sandbox-system\/agent-sandbox-controller: 1\/1 ready, --extensions on \(simulated: the @corral\/testing controller, in-process\)$/m,
    );
    expect(run.stdout).toMatch(
      /^ok\s+rbac sandboxclaims\s+create, get, list, watch, delete, patch allowed in corral-sandboxes/m,
    );
    expect(run.stdout).not.toMatch(/could not ask/);
    expect(run.stdout).toMatch(/^ok\s+warm pool\s+corral-runner 2\/2 ready/m);
    // The playground has no gVisor: the one warning, and nothing failed or skipped.
    expect(run.stdout.match(/^(warn|fail|skip)\s+.*$/gm)).toEqual([
      expect.stringMatching(/^warn\s+RuntimeClass\s+RuntimeClass gvisor does not exist/),
    ]);
  });

  it('corral doctor shows RBAC checks that could not ask as one row naming verbs and resources', async () => {
    const fault = cluster.faults.error(
      { path: 'selfsubjectaccessreviews' },
      { status: 503, times: Infinity, message: 'authorizer unavailable' },
    );
    try {
      const run = await corralInProcess(['doctor', '--provider', 'kubernetes', '-n', NAMESPACE], {
        KUBECONFIG: kubeconfig,
      });
      const rbacRows = run.stdout.match(/^\S+\s+rbac.*$/gm) ?? [];
      expect(rbacRows).toHaveLength(1);
      expect(rbacRows[0]).toMatch(
        /^warn\s+rbac \(10\)\s+could not ask the API server \(SelfSubjectAccessReview\): .*\(create, get, list, watch, delete, patch sandboxclaims\.extensions\.agents\.x-k8s\.io; get, list, watch, patch sandboxes\.agents\.x-k8s\.io; .*; get, list, watch events\)$/,
      );
      expect(run.stdout).toMatch(
        /^\s+fix: Check by hand: `kubectl auth can-i --list -n corral-sandboxes`/m,
      );
      // JSON keeps every check.
      const json = await corralInProcess(
        ['doctor', '--provider', 'kubernetes', '-n', NAMESPACE, '-o', 'json'],
        { KUBECONFIG: kubeconfig },
      );
      const report = JSON.parse(json.stdout) as { checks: { id: string; status: string }[] };
      expect(
        report.checks.filter((c) => c.id.startsWith('permission:') && c.status === 'warn'),
      ).toHaveLength(10);
    } finally {
      fault.remove();
    }
  });
});
