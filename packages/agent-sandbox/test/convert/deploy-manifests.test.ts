import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { convertManifestsToV1beta1 } from '../../src/index.js';

const deploy = fileURLToPath(new URL('../../../../deploy/', import.meta.url));

function load(version: string): Record<string, unknown>[] {
  const dir = join(deploy, version);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map(
        (d) => d.toJS() as Record<string, unknown>,
      ),
    );
}

const byKindAndName = (o: Record<string, unknown>): string =>
  `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`;

describe('deploy/v1alpha1 converted', () => {
  it('is deploy/v1beta1, apart from the beta-only fields left at their defaults', () => {
    const { objects, problems } = convertManifestsToV1beta1(load('v1alpha1'));
    expect(problems).toEqual([]);
    const beta = new Map(load('v1beta1').map((o) => [byKindAndName(o), o]));
    expect(objects.map((o) => byKindAndName(o as Record<string, unknown>)).sort()).toEqual(
      [...beta.keys()].sort(),
    );
    for (const object of objects as Record<string, unknown>[]) {
      const expected = structuredClone(beta.get(byKindAndName(object))!);
      if (expected.kind === 'SandboxTemplate') {
        const spec = expected.spec as Record<string, unknown>;
        expect(spec.volumeClaimTemplatesPolicy).toBe('Disallowed');
        delete spec.volumeClaimTemplatesPolicy;
      }
      expect(object).toEqual(expected);
    }
  });
});
