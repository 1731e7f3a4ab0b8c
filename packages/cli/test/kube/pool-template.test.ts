import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  GVR,
  IMAGE,
  NAMESPACE,
  startTestCluster,
  templateManifest,
  whenPoolReady,
} from './helpers/cluster.js';
import type { TestCluster } from './helpers/cluster.js';

const POOL = 'sandboxwarmpool.extensions.agents.x-k8s.io';
const TEMPLATE = 'sandboxtemplate.extensions.agents.x-k8s.io';

describe('corral template apply and corral pool', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    const { store } = cluster.fake;
    // Remove what the tests made and check it is gone before the cluster goes.
    for (const pool of store.list(GVR.warmPools, { namespace: NAMESPACE }).items)
      store.delete(GVR.warmPools, NAMESPACE, pool.metadata.name!);
    for (const template of store.list(GVR.templates, { namespace: NAMESPACE }).items)
      store.delete(GVR.templates, NAMESPACE, template.metadata.name!);
    expect(store.list(GVR.warmPools, { namespace: NAMESPACE }).items).toEqual([]);
    await cluster.stop();
  });

  it('template apply -f: server-side applies a valid file with field manager corral', async () => {
    const file = join(cluster.dir, 'template.yaml');
    await writeFile(file, stringify(templateManifest('from-file')));
    const run = await cluster.run(['template', 'apply', '-f', file]);
    expect(run).toMatchObject({ code: 0, stdout: `${TEMPLATE}/from-file serverside-applied\n` });
    const stored = cluster.fake.store.get(GVR.templates, NAMESPACE, 'from-file');
    const managed = (stored?.metadata.managedFields ?? []) as {
      manager: string;
      operation: string;
    }[];
    expect(managed.map((m) => [m.manager, m.operation])).toContainEqual(['corral', 'Apply']);
  });

  it('template apply -f: warns when the restartPolicy (default Always) would restart the one-shot runner', async () => {
    const restarting = templateManifest(
      'restarting',
      'ghcr.io/corral-dev/runner:0.1.0',
    ) as unknown as {
      spec: { podTemplate: { spec: Record<string, unknown> } };
    };
    delete restarting.spec.podTemplate.spec.restartPolicy;
    const file = join(cluster.dir, 'restarting.yaml');
    await writeFile(file, stringify(restarting));
    const run = await cluster.call(['template', 'apply', '-f', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'template restarting: restartPolicy Always (the default) restarts the one-shot runner after every task',
    );
    expect(run.stderr).toContain('Set spec.podTemplate.spec.restartPolicy: Never in restarting');
    const quiet = await cluster.call([
      'template',
      'apply',
      '-f',
      join(cluster.dir, 'template.yaml'),
    ]);
    expect(quiet.stderr).toBe('');
  });

  it('template apply -f: an invalid file names every bad field and applies nothing', async () => {
    const bad = templateManifest('broken') as unknown as {
      spec: { envVarsInjectionPolicy?: string; podTemplate: { spec: Record<string, unknown> } };
    };
    bad.spec.envVarsInjectionPolicy = 'Sometimes';
    bad.spec.podTemplate.spec = { containers: 'runner' };
    const file = join(cluster.dir, 'broken.yaml');
    await writeFile(file, stringify(bad));
    const run = await cluster.call(['template', 'apply', '-f', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Nothing was applied');
    expect(run.stderr).toMatch(/SandboxTemplate "broken" is invalid:/);
    expect(run.stderr).toMatch(/^ +spec\.podTemplate\.spec\.containers: must be an array/m);
    expect(run.stderr).toMatch(/^ +spec\.envVarsInjectionPolicy: must be one of Allowed/m);
    expect(cluster.fake.store.get(GVR.templates, NAMESPACE, 'broken')).toBeUndefined();

    const json = await cluster.call(['template', 'apply', '-f', file, '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      exitCode: 2,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });

  it('template apply NAME --image builds one in the served version (-o json)', async () => {
    const run = await cluster.call([
      'template',
      'apply',
      'runner',
      '--image',
      IMAGE,
      '--runtime-class',
      'gvisor',
      '-o',
      'json',
    ]);
    expect(run.code).toBe(0);
    const applied = JSON.parse(run.stdout) as {
      apiVersion: string;
      spec: {
        podTemplate: { spec: { runtimeClassName: string; containers: { image: string }[] } };
      };
    };
    expect(applied.apiVersion).toBe('extensions.agents.x-k8s.io/v1beta1');
    expect(applied.spec.podTemplate.spec.runtimeClassName).toBe('gvisor');
    expect(applied.spec.podTemplate.spec.containers[0]?.image).toBe(IMAGE);
  });

  it('pool create, scale and status', async () => {
    const created = await cluster.run([
      'pool',
      'create',
      'warm',
      '--template',
      'runner',
      '--replicas',
      '1',
    ]);
    expect(created).toMatchObject({ code: 0, stdout: `${POOL}/warm created\n` });
    await whenPoolReady(cluster, 'warm');

    const again = await cluster.call([
      'pool',
      'create',
      'warm',
      '--template',
      'runner',
      '--replicas',
      '1',
    ]);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain('corral pool scale warm');

    const noTemplate = await cluster.call([
      'pool',
      'create',
      'cold',
      '--template',
      'nope',
      '--replicas',
      '0',
    ]);
    expect(noTemplate.code).toBe(2);
    expect(noTemplate.stderr).toContain('SandboxTemplate corral-sandboxes/nope does not exist');

    const scaled = await cluster.call(['pool', 'scale', 'warm', '--replicas', '3']);
    expect(scaled).toMatchObject({ code: 0, stdout: `${POOL}/warm scaled to 3\n` });
    expect(cluster.fake.store.get(GVR.warmPools, NAMESPACE, 'warm')?.spec).toMatchObject({
      replicas: 3,
    });
    await whenPoolReady(cluster, 'warm');

    const table = await cluster.call(['pool', 'status']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+TEMPLATE\s+SELECTOR\s+AGE$/m);
    expect(table.stdout).toMatch(/^warm\s+3\/3\s+runner\s+\S+=\S+\s+\d+s$/m);

    const json = await cluster.call(['pool', 'status', '-o', 'json']);
    const list = JSON.parse(json.stdout) as {
      kind: string;
      items: { metadata: { name: string } }[];
    };
    expect(list.kind).toBe('List');
    expect(list.items.map((p) => p.metadata.name)).toEqual(['warm']);

    const names = await cluster.call(['pool', 'status', 'warm', '-o', 'name']);
    expect(names.stdout).toBe(`${POOL}/warm\n`);
    const yaml = await cluster.call(['pool', 'status', 'warm', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^kind: SandboxWarmPool$/m);

    const missing = await cluster.call(['pool', 'scale', 'nope', '--replicas', '1']);
    expect(missing.code).toBe(3);
    const badReplicas = await cluster.call(['pool', 'scale', 'warm', '--replicas', '-1']);
    expect(badReplicas.code).toBe(2);
    const badOutput = await cluster.call(['pool', 'status', '-o', 'wide']);
    expect(badOutput.code).toBe(2);
    expect(badOutput.stderr).toContain('use one of table, json, yaml, name');
  });
});
