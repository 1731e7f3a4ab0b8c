/**
 * Locates the upstream reference data (../shared/reference next to the checkout). It is absent
 * in a fresh clone; tests that need it use `it.skipIf(!REFERENCE_PRESENT)` and say why.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../../..');
/** `CORRAL_REFERENCE_DIR` overrides the location (e.g. to check the fresh-clone path). */
export const REFERENCE_DIR = resolve(
  process.env.CORRAL_REFERENCE_DIR ?? resolve(repoRoot, '../shared/reference'),
);
export const CRDS_DIR = join(REFERENCE_DIR, 'crds');
export const EXAMPLES_DIR = join(REFERENCE_DIR, 'examples');
export const REFERENCE_PRESENT = existsSync(CRDS_DIR) && existsSync(EXAMPLES_DIR);
/**
 * Appended to test titles: says which path the test needs, only when it is skipped (a title that
 * says "skipped" on a test that ran would misreport the run).
 */
export const NEEDS_REFERENCE = REFERENCE_PRESENT
  ? `(compared with ${REFERENCE_DIR})`
  : `(skipped: needs ${REFERENCE_DIR}, outside the repository)`;

export interface ExampleDoc {
  file: string;
  index: number;
  doc: Record<string, unknown>;
}

/**
 * Every YAML document under examples/<dir>, with placeholders that upstream scripts substitute
 * (`${VAR}` for envsubst, `{name}` for Python str.format) replaced by a valid DNS name.
 */
export function loadExamples(dir: string): ExampleDoc[] {
  const base = join(EXAMPLES_DIR, dir);
  if (!existsSync(base)) return [];
  const out: ExampleDoc[] = [];
  for (const file of readdirSync(base)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const text = readFileSync(join(base, file), 'utf8')
      .replace(/\$\{[A-Za-z0-9_]+\}/g, 'example-name')
      .replace(/\{[a-z_]+\}/g, 'example');
    parseAllDocuments(text).forEach((d, index) => {
      const doc: unknown = d.toJS();
      if (doc !== null && typeof doc === 'object') {
        out.push({ file: `${dir}/${file}`, index, doc: doc as Record<string, unknown> });
      }
    });
  }
  return out;
}

/** Upstream CRD file names (the same in every reference profile). */
export const UPSTREAM_CRD_FILES = {
  Sandbox: 'agents.x-k8s.io_sandboxes.yaml',
  SandboxTemplate: 'extensions.agents.x-k8s.io_sandboxtemplates.yaml',
  SandboxClaim: 'extensions.agents.x-k8s.io_sandboxclaims.yaml',
  SandboxWarmPool: 'extensions.agents.x-k8s.io_sandboxwarmpools.yaml',
} as const;

export interface UpstreamCrd {
  spec: {
    group: string;
    scope: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: Record<string, unknown> };
      subresources?: Record<string, unknown>;
      additionalPrinterColumns?: unknown[];
      deprecated?: boolean;
      deprecationWarning?: string;
    }[];
  };
}

const crdCache = new Map<string, UpstreamCrd>();

/** Parsed upstream CRD (cached: the Sandbox/Template CRDs are ~400 KB of YAML each). */
export function loadUpstreamCrd(profile: string, file: string): UpstreamCrd {
  const key = `${profile}/${file}`;
  let crd = crdCache.get(key);
  if (crd === undefined) {
    crd = parse(readFileSync(join(CRDS_DIR, profile, file), 'utf8')) as UpstreamCrd;
    crdCache.set(key, crd);
  }
  return crd;
}
