/**
 * Issue 13 item 2: a reader who copies a pool name from the docs must find that pool on a
 * cluster set up with `kubectl apply -k deploy/v1beta1` (the orchestrator README once named a
 * `corral-cold` that deploy/ never made).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The docs that tell a user which pool to use with Corral's own deploy/. */
const DOCS = [
  'README.md',
  'packages/sdk/README.md',
  'packages/orchestrator/README.md',
  'packages/cli/README.md',
  'packages/testing/README.md',
  'docs/deploy.md',
];

function deployedPools(): { name: string; namespace: string }[] {
  const dir = join(repoRoot, 'deploy/v1beta1');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')))
    .map((doc) => doc.toJS() as { kind?: string; metadata?: { name: string; namespace: string } })
    .filter((object) => object.kind === 'SandboxWarmPool')
    .map((object) => object.metadata!);
}

function poolsNamedIn(text: string): string[] {
  const names = [
    ...text.matchAll(/warmPool: '([^']+)'/g),
    ...text.matchAll(/--warm-pool ([a-z0-9][a-z0-9.-]*)/g),
  ].map((m) => m[1]!);
  return [...new Set(names)];
}

describe('pool names in the docs', () => {
  const deployed = deployedPools();

  it('deploy/v1beta1 defines its pools in corral-sandboxes', () => {
    expect(deployed.map((p) => p.name).sort()).toEqual(['corral-runner', 'corral-runner-cold']);
    expect(new Set(deployed.map((p) => p.namespace))).toEqual(new Set(['corral-sandboxes']));
  });

  it.each(DOCS)('%s names only pools that deploy/v1beta1 defines', (doc) => {
    const named = poolsNamedIn(readFileSync(join(repoRoot, doc), 'utf8'));
    const known = new Set(deployed.map((p) => p.name));
    expect(named.filter((name) => !known.has(name))).toEqual([]);
  });
});
