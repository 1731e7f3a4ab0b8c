/**
 * `corral template apply NAME --agent claude-code|codex`: a SandboxTemplate whose image provides
 * the agent and whose pod reads the model API key from a Secret by reference — read back with
 * kubectl, and the key's value is nowhere in it. Bad inputs fail before the cluster is touched.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAUDE_CODE_VERSION, CODEX_VERSION } from '@corral/agents';
import { GVR, NAMESPACE, startTestCluster } from './helpers/cluster.js';
import type { TestCluster } from './helpers/cluster.js';

const KUBECTL = '/usr/bin/kubectl';
const TEMPLATE = 'sandboxtemplate.extensions.agents.x-k8s.io';
const SECRETS = { group: '', version: 'v1', resource: 'secrets' } as const;
const KEY = `sk-ant-test-${Math.random().toString(36).slice(2)}-TEMPLATEKEY`;

/** kubectl as a child process: the fake serves it from this process, so never spawnSync. */
function kubectl(
  args: string[],
  kubeconfig: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, args, {
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

interface Container {
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}

describe('corral template apply --agent', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
    cluster.fake.store.create(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'model-keys', namespace: NAMESPACE },
      data: { anthropic: Buffer.from(KEY).toString('base64') },
    });
  });
  afterAll(async () => {
    const { store } = cluster.fake;
    for (const template of store.list(GVR.templates, { namespace: NAMESPACE }).items)
      store.delete(GVR.templates, NAMESPACE, template.metadata.name!);
    store.delete(SECRETS, NAMESPACE, 'model-keys');
    expect(store.list(GVR.templates, { namespace: NAMESPACE }).items).toEqual([]);
    await cluster.stop();
  });

  it('claude-code: the agent image, the key by Secret reference, the model URL; kubectl reads it back without the key', async () => {
    const run = await cluster.call([
      'template',
      'apply',
      'agent-claude',
      '--agent',
      'claude-code',
      '--api-key-secret',
      'model-keys/anthropic',
      '--model-url',
      'https://models.example.test/',
      '-n',
      NAMESPACE,
    ]);
    expect(run, run.stderr).toMatchObject({
      code: 0,
      stdout: `${TEMPLATE}/agent-claude serverside-applied\n`,
    });
    // the hint names the Secret and how to make it, never a value
    expect(run.stderr).toContain(
      `kubectl create secret generic model-keys -n ${NAMESPACE} --from-literal=anthropic=<key>`,
    );
    const got = await kubectl(
      ['get', 'sandboxtemplate', 'agent-claude', '-n', NAMESPACE, '-o', 'json'],
      cluster.kubeconfig,
    );
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).not.toContain(KEY);
    expect(got.stdout).not.toContain(Buffer.from(KEY).toString('base64'));
    const template = JSON.parse(got.stdout) as {
      metadata: { labels: Record<string, string> };
      spec: { podTemplate: { spec: { containers: Container[] } } };
    };
    expect(template.metadata.labels).toMatchObject({ 'corral.dev/agent': 'claude-code' });
    const [container] = template.spec.podTemplate.spec.containers;
    expect(container!.image).toBe(`ghcr.io/corral-dev/runner-claude-code:${CLAUDE_CODE_VERSION}`);
    expect(container!.args).toEqual(['--mode', 'serve', '--port', '8888']);
    expect(container!.env).toEqual([
      {
        name: 'ANTHROPIC_API_KEY',
        valueFrom: { secretKeyRef: { name: 'model-keys', key: 'anthropic' } },
      },
      { name: 'ANTHROPIC_BASE_URL', value: 'https://models.example.test' },
    ]);
  });

  it('codex: defaults to Secret corral-agent-keys, key OPENAI_API_KEY, and the vendor URL', async () => {
    const run = await cluster.call([
      'template',
      'apply',
      'agent-codex',
      '--agent',
      'codex',
      '-n',
      NAMESPACE,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const stored = cluster.fake.store.get(GVR.templates, NAMESPACE, 'agent-codex') as unknown as {
      spec: { podTemplate: { spec: { containers: Container[] } } };
    };
    const [container] = stored.spec.podTemplate.spec.containers;
    expect(container!.image).toBe(`ghcr.io/corral-dev/runner-codex:${CODEX_VERSION}`);
    expect(container!.env).toEqual([
      {
        name: 'OPENAI_API_KEY',
        valueFrom: { secretKeyRef: { name: 'corral-agent-keys', key: 'OPENAI_API_KEY' } },
      },
    ]);
  });

  it.each([
    [['--agent', 'generic'], '--agent "generic" has no agent image; use one of claude-code, codex'],
    [['--agent', 'nope'], '--agent "nope" has no agent image'],
    [
      ['--agent', 'claude-code', '--api-key-secret', 'Model_Keys'],
      '"Model_Keys" is not a Secret name',
    ],
    [
      ['--agent', 'claude-code', '--api-key-secret', 'keys/bad key'],
      '"bad key" is not a Secret key',
    ],
    [
      ['--agent', 'claude-code', '--api-key-secret', 'sk-ant-pasted-by-mistake'],
      'takes the name of a Secret that holds the key, not the key',
    ],
    [
      ['--agent', 'claude-code', '--model-url', 'ftp://x'],
      '--model-url must be http:// or https://',
    ],
    [
      ['--agent', 'claude-code', '--model-url', 'https://u:p@x.test'],
      '--model-url must not carry credentials',
    ],
    [['--api-key-secret', 'model-keys'], 'add --agent claude-code or --agent codex'],
  ])('refuses %j with a clear error and applies nothing', async (flags, message) => {
    const before = cluster.fake.store.list(GVR.templates, { namespace: NAMESPACE }).items.length;
    const run = await cluster.call(['template', 'apply', 'bad', ...flags, '-n', NAMESPACE]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(cluster.fake.store.list(GVR.templates, { namespace: NAMESPACE }).items).toHaveLength(
      before,
    );
  });

  it('--agent with -f is refused: the file says everything', async () => {
    const run = await cluster.call(['template', 'apply', '-f', '-', '--agent', 'claude-code'], {
      stdin: '',
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--agent builds a template: give a NAME');
  });
});
