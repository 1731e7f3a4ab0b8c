/**
 * Our Zod schemas vs the upstream CRD `openAPIV3Schema`s, both directions: outside the embedded
 * core-Kubernetes subtrees, property names, types, enums, required lists, defaults, formats and
 * numeric bounds must agree. A field upstream has and we lack fails, and so does the reverse.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCHEMAS, V0_1_0_SCHEMAS } from '@corral/agent-sandbox';
import {
  NEEDS_REFERENCE,
  REFERENCE_PRESENT,
  UPSTREAM_CRD_FILES,
  loadUpstreamCrd,
} from './reference.js';
import { schemaDiffs } from './compare.js';
import type { Json } from './compare.js';

interface KnownDifference {
  profile: string;
  kind: string;
  path: string;
  why: string;
}

/** Differences we accept on purpose, each with the reason. */
const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    profile: 'v0.4.6',
    kind: 'SandboxTemplate',
    path: '.status',
    why: 'v0.4.6 declared an empty `status` object on templates; v0.5.x dropped it. Our v1alpha1 schema follows v0.5.x and keeps unknown fields, so v0.4.6 objects still parse.',
  },
];

const FILES = UPSTREAM_CRD_FILES;
type Kind = keyof typeof FILES;

const PROFILES: {
  profile: string;
  versions: Partial<Record<'v1beta1' | 'v1alpha1', Record<Kind, z.ZodType>>>;
}[] = [
  { profile: 'main-2fd412d5', versions: { v1beta1: SCHEMAS.v1beta1, v1alpha1: SCHEMAS.v1alpha1 } },
  { profile: 'v0.4.6', versions: { v1alpha1: SCHEMAS.v1alpha1 } },
  { profile: 'v0.1.0', versions: { v1alpha1: V0_1_0_SCHEMAS.v1alpha1 } },
];

describe('conformance of our schemas with the upstream CRDs', () => {
  for (const { profile, versions } of PROFILES) {
    for (const kind of Object.keys(FILES) as Kind[]) {
      it.skipIf(!REFERENCE_PRESENT)(`${profile} ${kind} ${NEEDS_REFERENCE}`, () => {
        const crd = loadUpstreamCrd(profile, FILES[kind]);
        const served = crd.spec.versions.map((v) => v.name).sort();
        expect(served).toEqual(Object.keys(versions).sort());
        for (const v of crd.spec.versions) {
          const ours = versions[v.name as 'v1beta1' | 'v1alpha1']![kind];
          const known = KNOWN_DIFFERENCES.filter((d) => d.profile === profile && d.kind === kind);
          const diffs = schemaDiffs(ours, v.schema.openAPIV3Schema).filter(
            (d) => !known.some((k) => d.startsWith(`${k.path}:`)),
          );
          expect(diffs, `${profile} ${v.name} ${kind}`).toEqual([]);
        }
      });
    }
  }

  it.skipIf(!REFERENCE_PRESENT)(`every known difference still exists ${NEEDS_REFERENCE}`, () => {
    for (const k of KNOWN_DIFFERENCES) {
      const crd = loadUpstreamCrd(k.profile, FILES[k.kind as Kind]);
      const profile = PROFILES.find((p) => p.profile === k.profile)!;
      const v = crd.spec.versions[0]!;
      const diffs = schemaDiffs(
        profile.versions[v.name as 'v1alpha1']![k.kind as Kind],
        v.schema.openAPIV3Schema,
      );
      expect(
        diffs.some((d) => d.startsWith(`${k.path}:`)),
        `${k.profile} ${k.kind} ${k.path}: ${k.why}`,
      ).toBe(true);
    }
  });

  it('the comparison catches a missing field, an extra field, a wrong enum and a wrong default', () => {
    const upstream: Json = {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          required: ['a'],
          properties: {
            a: { type: 'string' },
            mode: { type: 'string', enum: ['X', 'Y'], default: 'X' },
            gone: { type: 'boolean' },
          },
        },
      },
    };
    const ours = z.looseObject({
      spec: z.looseObject({ a: z.string(), mode: z.enum(['X', 'Z']).default('Z'), extra: z.int() }),
    });
    expect(schemaDiffs(ours, upstream)).toEqual([
      '.spec: required ours=["a","extra"] upstream=["a"]',
      '.spec.gone: upstream has it, our schema lacks it',
      '.spec.extra: our schema has it, upstream lacks it',
      '.spec.mode: enum ours=["X","Z"] upstream=["X","Y"]',
      '.spec.mode: default ours="Z" upstream="X"',
    ]);
  });
});
