import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { CliContext } from '../../src/context.js';

/** `template convert` is offline: no provider or cluster may be touched. */
function context(stdin = ''): CliContext & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk) => ((out += String(chunk)), true) },
    stderr: { write: (chunk) => ((err += String(chunk)), true) },
    stdin: Readable.from(stdin === '' ? [] : [stdin]),
    env: { NO_COLOR: '1' },
    signal: new AbortController().signal,
    openProvider: () => Promise.reject(new Error('convert must not open a provider')),
    createDetached: () => Promise.reject(new Error('convert must not create a sandbox')),
    out: () => out,
    err: () => err,
  };
}

const OLD = `# Our team's sandboxes
apiVersion: extensions.agents.x-k8s.io/v1alpha1
kind: SandboxTemplate
metadata:
  name: python # the runtime everybody uses
spec:
  podTemplate:
    spec:
      containers:
        - name: runner
          image: node:22-slim
---
apiVersion: extensions.agents.x-k8s.io/v1alpha1
kind: SandboxClaim
metadata:
  name: job-1
spec:
  sandboxTemplateRef:
    name: python
  warmpool: none # always fresh
  lifecycle:
    shutdownPolicy: Delete
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: untouched
data:
  a: "1"
`;

describe('corral template convert', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-convert-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('rewrites v1alpha1 manifests for v1beta1, keeping comments and other kinds', async () => {
    const file = join(dir, 'old.yaml');
    await writeFile(file, OLD);
    const ctx = context();
    expect(await runCli(['template', 'convert', '-f', file], ctx)).toBe(0);
    const out = ctx.out();
    expect(out).toContain("# Our team's sandboxes");
    expect(out).toContain('name: python # the runtime everybody uses');
    const docs = parseAllDocuments(out) as unknown as { toJS(): Record<string, unknown> }[];
    const objects = docs.map((d) => d.toJS());
    expect(objects.map((o) => `${String(o.apiVersion)} ${String(o.kind)}`)).toEqual([
      'extensions.agents.x-k8s.io/v1beta1 SandboxTemplate',
      'extensions.agents.x-k8s.io/v1beta1 SandboxClaim',
      'v1 ConfigMap',
      'extensions.agents.x-k8s.io/v1beta1 SandboxWarmPool',
    ]);
    expect(objects[1]!.spec).toEqual({
      lifecycle: { shutdownPolicy: 'Delete' },
      warmPoolRef: { name: 'shadow-pool-python' },
    });
    expect(objects[3]!.spec).toEqual({ replicas: 0, sandboxTemplateRef: { name: 'python' } });
    expect(ctx.err()).toMatch(/note: .*old\.yaml#2: SandboxClaim job-1: warmpool "none"/);
    expect(ctx.err()).toMatch(/SandboxWarmPool shadow-pool-python: added \(replicas: 0\)/);
  });

  it('reads stdin with -f - and prints JSON with -o json', async () => {
    const ctx = context(OLD.split('---')[0]);
    expect(await runCli(['template', 'convert', '-f', '-', '-o', 'json'], ctx)).toBe(0);
    expect(JSON.parse(ctx.out())).toMatchObject({
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxTemplate',
    });
  });

  it('prints nothing and names each field v1beta1 cannot express', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      OLD.replace('warmpool: none # always fresh', 'warmpool: none\n  gpus: 2').replace(
        'kind: SandboxTemplate',
        'kind: SandboxTemplate\nstatus: {}',
      ),
    );
    const ctx = context();
    expect(await runCli(['template', 'convert', '-f', file], ctx)).toBe(2);
    expect(ctx.out()).toBe('');
    expect(ctx.err()).toMatch(/Nothing was converted/);
    expect(ctx.err()).toMatch(
      /bad\.yaml#2: SandboxClaim job-1: spec\.gpus has no v1beta1 equivalent/,
    );
  });

  it.each([
    [['template', 'convert'], /Give the manifests to convert with -f/],
    [['template', 'convert', '-f', '/nonexistent/x.yaml'], /Cannot read \/nonexistent\/x\.yaml/],
    [['template', 'convert', '-f', '-', '--from', 'v0.2'], /--from v0.2 is not a release/],
    [['template', 'convert', '-f', '-', '-o', 'table'], /use -o yaml or -o json/],
  ])('%j exits 2 with a message that says what to do', async (argv, message) => {
    const ctx = context('kind: x');
    expect(await runCli(argv, ctx)).toBe(2);
    expect(ctx.err()).toMatch(message);
  });
});
