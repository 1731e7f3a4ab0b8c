/**
 * `@kubernetes/client-node` costs ~0.4 s and ~35 MB at import, so only Kubernetes code may load
 * it. This walks the static import graph (esbuild's metafile, following `import` statements
 * only: a dynamic `import()` is the sanctioned way to defer it) from each light entry point.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** The packages a static import chain from `entry` reaches, with one chain per package. */
async function staticPackages(entry: string): Promise<Map<string, string[]>> {
  return (await staticGraph(entry)).packages;
}

/** What a static import chain from `entry` reaches: packages (with a chain) and source files. */
async function staticGraph(
  entry: string,
): Promise<{ packages: Map<string, string[]>; files: Set<string> }> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    outdir: '/nonexistent',
    logLevel: 'silent',
    conditions: ['@corral/source'],
    plugins: [
      {
        name: 'external-packages',
        setup(b) {
          // workspace packages resolve to their sources; every other package is a leaf
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@corral/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  const inputs = result.metafile.inputs;
  const found = new Map<string, string[]>();
  const queue: Array<[string, string[]]> = [[entry, [entry]]];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const [file, chain] = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of inputs[file]?.imports ?? []) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) {
        if (!found.has(imported.path)) found.set(imported.path, [...chain, imported.path]);
      } else queue.push([imported.path, [...chain, imported.path]]);
    }
  }
  return { packages: found, files: seen };
}

describe('the static import graph has no @kubernetes/client-node', () => {
  it.each([
    'packages/sdk/src/index.ts',
    'packages/orchestrator/src/index.ts',
    'packages/agent-sandbox/src/model.ts',
    'packages/cli/src/main.ts',
    'packages/cli/src/commands/run.ts',
    'packages/cli/src/commands/task-run.ts',
    'packages/cli/src/commands/sandbox/list.ts',
    // a local agent run; --provider kubernetes loads it through openKubernetesProvider's import()
    'packages/cli/src/commands/agent/agent-run.ts',
  ])('%s', async (entry) => {
    const reached = await staticPackages(entry);
    expect(reached.get('@kubernetes/client-node')).toBeUndefined();
  });

  it('the walk does see client-node where it is imported (the check is not vacuous)', async () => {
    const reached = await staticPackages('packages/agent-sandbox/src/index.ts');
    expect(reached.get('@kubernetes/client-node')).toBeDefined();
  });

  it('corral --help loads none of the SDK (it would pull in the runner client, the providers and their builtins)', async () => {
    const { files } = await staticGraph('packages/cli/src/main.ts');
    expect([...files].filter((f) => !f.startsWith('packages/cli/'))).toEqual([]);
  });

  it('corral --help loads commander and nothing else from node_modules', async () => {
    const reached = await staticPackages('packages/cli/src/main.ts');
    expect([...reached.keys()].filter((p) => !p.startsWith('node:'))).toEqual(['commander']);
  });
});
