import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CRD_PROFILES, agentSandboxCrd, agentSandboxCrds } from '@corral/agent-sandbox';
import type { JsonSchemaProps } from '@corral/agent-sandbox';
import { renderCrdFiles } from '../../scripts/crd-files.js';
import { compare } from '../schemas/compare.js';
import type { Json } from '../schemas/compare.js';
import {
  NEEDS_REFERENCE,
  REFERENCE_PRESENT,
  UPSTREAM_CRD_FILES,
  loadUpstreamCrd,
} from '../schemas/reference.js';

const packageDir = resolve(fileURLToPath(import.meta.url), '../../..');

/** Structural-schema rules the API server enforces (and the fake server relies on). */
function structuralProblems(node: JsonSchemaProps, path: string, out: string[]): void {
  if (node.type === undefined) out.push(`${path}: no type`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    out.push(`${path}: properties and additionalProperties together`);
  }
  if (node['x-kubernetes-preserve-unknown-fields'] === true && node.type !== 'object') {
    out.push(`${path}: preserve-unknown-fields on a non-object`);
  }
  if (node.type === 'array' && node.items === undefined) out.push(`${path}: array without items`);
  for (const key of Object.keys(node)) {
    if (['$schema', 'const', 'anyOf', 'oneOf', 'allOf', 'propertyNames', '$ref'].includes(key)) {
      out.push(`${path}: JSON-Schema-only keyword ${key}`);
    }
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    structuralProblems(child, `${path}.${name}`, out);
  }
  if (node.items !== undefined) structuralProblems(node.items, `${path}[]`, out);
  if (node.additionalProperties !== undefined)
    structuralProblems(node.additionalProperties, `${path}.*`, out);
}

describe('generated CRDs', () => {
  it('committed YAML under crds/ is up to date (run: npx tsx packages/agent-sandbox/scripts/generate-crds.ts)', () => {
    const files = renderCrdFiles();
    const committed: string[] = [];
    for (const profile of readdirSync(join(packageDir, 'crds'))) {
      for (const file of readdirSync(join(packageDir, 'crds', profile)))
        committed.push(`crds/${profile}/${file}`);
    }
    expect(committed.sort()).toEqual([...files.keys()].sort());
    for (const [relative, text] of files) {
      const path = join(packageDir, relative);
      expect(existsSync(path), `${relative} is missing`).toBe(true);
      expect(readFileSync(path, 'utf8'), `${relative} is stale`).toBe(text);
    }
  });

  it.each(CRD_PROFILES)('%s: valid structural schemas for all four kinds', (profile) => {
    const crds = agentSandboxCrds(profile);
    expect(crds.map((c) => c.metadata.name)).toEqual([
      'sandboxes.agents.x-k8s.io',
      'sandboxtemplates.extensions.agents.x-k8s.io',
      'sandboxclaims.extensions.agents.x-k8s.io',
      'sandboxwarmpools.extensions.agents.x-k8s.io',
    ]);
    for (const crd of crds) {
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.versions.filter((v) => v.storage)).toHaveLength(1);
      for (const v of crd.spec.versions) {
        const problems: string[] = [];
        structuralProblems(v.schema.openAPIV3Schema, `${crd.spec.names.kind} ${v.name}`, problems);
        expect(problems).toEqual([]);
        expect(v.schema.openAPIV3Schema.properties?.metadata).toEqual({ type: 'object' });
        expect(v.schema.openAPIV3Schema.required).toEqual(['spec']);
      }
    }
  });

  it('profiles: versions, storage and deprecation', () => {
    const both = agentSandboxCrd('SandboxClaim', 'v1beta1+v1alpha1').spec.versions;
    expect(both.map((v) => [v.name, v.served, v.storage, v.deprecated ?? false])).toEqual([
      ['v1beta1', true, true, false],
      ['v1alpha1', true, false, true],
    ]);
    expect(both[1]!.deprecationWarning).toBe(
      'extensions.agents.x-k8s.io/v1alpha1 SandboxClaim is deprecated; use extensions.agents.x-k8s.io/v1beta1 SandboxClaim instead',
    );
    const alpha = agentSandboxCrd('SandboxClaim', 'v1alpha1').spec.versions;
    expect(alpha.map((v) => [v.name, v.storage, v.deprecated])).toEqual([
      ['v1alpha1', true, undefined],
    ]);
    expect(agentSandboxCrd('Sandbox', 'v1beta1').spec.versions.map((v) => v.name)).toEqual([
      'v1beta1',
    ]);
    expect(() => agentSandboxCrds('v2' as 'v1beta1')).toThrow(/unknown CRD profile "v2"/);
  });

  it('subresources: scale on alpha Sandbox and on pools, not on beta Sandbox; no status on templates', () => {
    const scale = {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    };
    const sb = agentSandboxCrd('Sandbox', 'v1beta1+v1alpha1').spec.versions;
    expect(sb[0]!.subresources).toEqual({ status: {} });
    expect(sb[1]!.subresources).toEqual({ status: {}, scale });
    expect(agentSandboxCrd('SandboxWarmPool', 'v1beta1').spec.versions[0]!.subresources).toEqual({
      status: {},
      scale,
    });
    expect(
      agentSandboxCrd('SandboxTemplate', 'v1beta1').spec.versions[0]!.subresources,
    ).toBeUndefined();
  });

  it('embedded core types are opaque objects that keep unknown fields; defaults are declared', () => {
    const spec = agentSandboxCrd('SandboxTemplate', 'v1beta1').spec.versions[0]!.schema
      .openAPIV3Schema.properties!.spec!;
    expect(spec.properties!.podTemplate!.properties!.spec).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(spec.properties!.networkPolicy!.properties!.ingress!.items).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(spec.properties!.networkPolicyManagement).toMatchObject({
      default: 'Managed',
      enum: ['Managed', 'Unmanaged'],
    });
    expect(spec.properties!.volumeClaimTemplatesPolicy!.default).toBe('Disallowed');
  });

  it('returns fresh objects (callers may mutate them)', () => {
    const a = agentSandboxCrd('Sandbox', 'v1beta1');
    a.spec.versions[0]!.schema.openAPIV3Schema.properties = {};
    expect(
      agentSandboxCrd('Sandbox', 'v1beta1').spec.versions[0]!.schema.openAPIV3Schema.properties,
    ).toHaveProperty('spec');
  });

  const UPSTREAM_FOR_PROFILE = { 'v1beta1+v1alpha1': 'main-2fd412d5', v1alpha1: 'v0.4.6' } as const;
  for (const [profile, upstream] of Object.entries(UPSTREAM_FOR_PROFILE) as [
    keyof typeof UPSTREAM_FOR_PROFILE,
    string,
  ][]) {
    it.skipIf(!REFERENCE_PRESENT)(
      `${profile} matches upstream ${upstream} (names, versions, subresources, columns, schema) ${NEEDS_REFERENCE}`,
      () => {
        for (const kind of Object.keys(UPSTREAM_CRD_FILES) as (keyof typeof UPSTREAM_CRD_FILES)[]) {
          const ours = agentSandboxCrd(kind, profile);
          const theirs = loadUpstreamCrd(upstream, UPSTREAM_CRD_FILES[kind]);
          expect(ours.spec.group).toBe(theirs.spec.group);
          expect(ours.spec.scope).toBe(theirs.spec.scope);
          expect(ours.spec.names).toEqual({
            ...theirs.spec.names,
            shortNames: theirs.spec.names.shortNames ?? [],
          });
          expect(ours.spec.versions.map((v) => v.name)).toEqual(
            theirs.spec.versions.map((v) => v.name),
          );
          ours.spec.versions.forEach((v, i) => {
            const u = theirs.spec.versions[i]!;
            const label = `${kind} ${v.name}`;
            expect([v.served, v.storage], label).toEqual([u.served, u.storage]);
            expect(v.deprecationWarning, label).toBe(u.deprecationWarning);
            // v0.4.6 templates declared a (never written) status subresource; v0.5.x dropped it.
            if (!(upstream === 'v0.4.6' && kind === 'SandboxTemplate')) {
              expect(v.subresources, label).toEqual(u.subresources);
            }
            // v0.4.6 pools had no Desired column; our alpha profile follows v0.5.x.
            if (!(upstream === 'v0.4.6' && kind === 'SandboxWarmPool')) {
              expect(v.additionalPrinterColumns, label).toEqual(u.additionalPrinterColumns);
            }
            const diffs: string[] = [];
            compare(v.schema.openAPIV3Schema as Json, u.schema.openAPIV3Schema, '', diffs);
            const known = upstream === 'v0.4.6' && kind === 'SandboxTemplate' ? ['.status:'] : [];
            expect(
              diffs.filter((d) => !known.some((k) => d.startsWith(k))),
              label,
            ).toEqual([]);
          });
        }
      },
    );
  }
});
