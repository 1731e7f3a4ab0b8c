/**
 * The manifests under deploy/ are what people apply to real clusters, where a typo costs a
 * round-trip to a cluster (or silently weakens isolation). This suite checks them offline:
 * every object against our Zod schemas and, when the upstream CRDs are on disk, against the
 * CRDs' openAPIV3Schema; the runner's security settings; the RBAC grants; and that the
 * v1beta1 and v1alpha1 sets stay in step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseResource } from '@corral/agent-sandbox';

type Obj = Record<string, unknown>;

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DEPLOY_DIR = join(REPO_ROOT, 'deploy');
const VERSIONS = ['v1beta1', 'v1alpha1'] as const;
type Version = (typeof VERSIONS)[number];
const SANDBOX_GROUPS = ['agents.x-k8s.io', 'extensions.agents.x-k8s.io'];
const NAMESPACE = 'corral-sandboxes';
/** Upstream CRDs (data only) for v0.5.6, which serves both versions; see ../shared/reference. */
const CRD_DIR = join(REPO_ROOT, '..', 'shared', 'reference', 'crds', 'main-2fd412d5');
/** The last alpha-only release; the v1alpha1 set must also fit it. */
const ALPHA_CRD_DIR = join(REPO_ROOT, '..', 'shared', 'reference', 'crds', 'v0.4.6');

// ---------------------------------------------------------------- loading

interface Doc {
  file: string; // relative to deploy/
  index: number;
  obj: Obj;
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown, what: string): Obj {
  if (!isObj(value)) throw new Error(`${what} must be a mapping (got ${JSON.stringify(value)})`);
  return value;
}

function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value))
    throw new Error(`${what} must be a list (got ${JSON.stringify(value)})`);
  return value;
}

/** Walks `path` (dot-separated keys, numeric segments index lists) and returns what is there. */
function at(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObj(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(full);
      return /\.ya?ml$/.test(entry.name) ? [full] : [];
    })
    .sort();
}

function loadDocs(file: string): Doc[] {
  const rel = relative(DEPLOY_DIR, file);
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (!Array.isArray(docs)) throw new Error(`${rel}: not a YAML stream`);
  return docs.flatMap((doc, index) => {
    const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${rel} document ${index}: ${problems.join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    return [{ file: rel, index, obj: obj(value, `${rel} document ${index}`) }];
  });
}

const FILES = yamlFiles(DEPLOY_DIR);
const DOCS = FILES.flatMap(loadDocs);
/** kustomize transformer configurations (deploy/runner/name-reference.yaml), not API objects. */
const isKustomizeConfiguration = (d: Doc): boolean => 'nameReference' in d.obj;
const MANIFESTS = DOCS.filter(
  (d) => d.obj.kind !== 'Kustomization' && !isKustomizeConfiguration(d),
);
const KUSTOMIZATIONS = DOCS.filter((d) => d.obj.kind === 'Kustomization');

function groupOf(apiVersion: unknown): string {
  const s = String(apiVersion);
  return s.includes('/') ? s.slice(0, s.lastIndexOf('/')) : '';
}

function isSandboxKind(d: Doc): boolean {
  return SANDBOX_GROUPS.includes(groupOf(d.obj.apiVersion));
}

function label(d: Doc): string {
  return `${d.file}#${d.index} ${String(d.obj.kind)}/${String(at(d.obj, 'metadata.name'))}`;
}

function docsOf(version: Version): Doc[] {
  return MANIFESTS.filter((d) => d.file.startsWith(`${version}/`));
}

function find(version: Version, kind: string, name: string): Obj {
  const hit = docsOf(version).find(
    (d) => d.obj.kind === kind && at(d.obj, 'metadata.name') === name,
  );
  if (hit === undefined) throw new Error(`deploy/${version} has no ${kind} ${name}`);
  return hit.obj;
}

// ---------------------------------------------------------------- CRD openAPIV3Schema check

/**
 * A small structural validator for the subset of OpenAPI v3 that CRDs use: type, required,
 * enum, pattern, bounds, int-or-string, anyOf, preserve-unknown-fields, and unknown fields
 * (which kubectl's default strict field validation rejects).
 */
function checkSchema(schema: Obj, value: unknown, path: string, errors: string[]): void {
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (!Number.isInteger(value) && typeof value !== 'string') {
      errors.push(`${path}: must be an integer or a string`);
    }
    return;
  }
  const anyOf = schema.anyOf;
  if (Array.isArray(anyOf) && anyOf.length > 0) {
    const passes = anyOf.some((branch) => {
      const branchErrors: string[] = [];
      checkSchema(obj(branch, 'anyOf branch'), value, path, branchErrors);
      return branchErrors.length === 0;
    });
    if (!passes) errors.push(`${path}: matches none of anyOf`);
  }
  const type = schema.type;
  const typeOk =
    type === undefined ||
    (type === 'object' && isObj(value)) ||
    (type === 'array' && Array.isArray(value)) ||
    (type === 'string' && typeof value === 'string') ||
    (type === 'integer' && Number.isInteger(value)) ||
    (type === 'number' && typeof value === 'number') ||
    (type === 'boolean' && typeof value === 'boolean');
  if (!typeOk) {
    errors.push(`${path}: must be of type ${JSON.stringify(type)} (got ${JSON.stringify(value)})`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    errors.push(`${path}: must be one of ${schema.enum.join(', ')} (got ${JSON.stringify(value)})`);
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
      errors.push(`${path}: must match ${schema.pattern} (got ${JSON.stringify(value)})`);
    }
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      errors.push(`${path}: shorter than ${schema.minLength}`);
    }
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
      errors.push(`${path}: longer than ${schema.maxLength}`);
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) {
      errors.push(`${path}: must be >= ${schema.minimum} (got ${value})`);
    }
    if (typeof schema.maximum === 'number' && value > schema.maximum) {
      errors.push(`${path}: must be <= ${schema.maximum} (got ${value})`);
    }
  }
  if (Array.isArray(value) && isObj(schema.items)) {
    const items = schema.items;
    value.forEach((item, i) => checkSchema(items, item, `${path}[${i}]`, errors));
  }
  if (isObj(value)) {
    const props = isObj(schema.properties) ? schema.properties : undefined;
    for (const key of arr(schema.required ?? [], `${path} required`)) {
      if (!(String(key) in value)) errors.push(`${path}.${String(key)}: Required`);
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      const childSchema = props?.[key];
      if (isObj(childSchema)) checkSchema(childSchema, child, childPath, errors);
      else if (isObj(schema.additionalProperties)) {
        checkSchema(schema.additionalProperties, child, childPath, errors);
      } else if (
        props !== undefined &&
        schema.additionalProperties !== true &&
        schema['x-kubernetes-preserve-unknown-fields'] !== true
      ) {
        errors.push(`${childPath}: unknown field`);
      }
    }
  }
}

/** `kind` → version → openAPIV3Schema, from every CRD file in `dir`. */
function loadCrdSchemas(dir: string): Map<string, Map<string, Obj>> {
  const out = new Map<string, Map<string, Obj>>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const crd = obj(parseAllDocuments(readFileSync(join(dir, file), 'utf8'))[0]?.toJS(), file);
    const kind = String(at(crd, 'spec.names.kind'));
    const group = String(at(crd, 'spec.group'));
    const byVersion = new Map<string, Obj>();
    for (const v of arr(at(crd, 'spec.versions'), `${file} spec.versions`)) {
      byVersion.set(
        `${group}/${String(at(v, 'name'))}`,
        obj(at(v, 'schema.openAPIV3Schema'), file),
      );
    }
    out.set(kind, byVersion);
  }
  return out;
}

function crdErrors(crds: Map<string, Map<string, Obj>>, doc: Obj): string[] {
  const schema = crds.get(String(doc.kind))?.get(String(doc.apiVersion));
  if (schema === undefined) return [`no CRD serves ${String(doc.apiVersion)} ${String(doc.kind)}`];
  const errors: string[] = [];
  checkSchema(schema, doc, '', errors);
  return errors;
}

// ---------------------------------------------------------------- tests

describe('deploy/ manifests', () => {
  it('finds the expected files', () => {
    const rel = FILES.map((f) => relative(DEPLOY_DIR, f));
    for (const version of VERSIONS) {
      for (const name of [
        'namespace.yaml',
        'runtimeclass-gvisor.yaml',
        'sandboxtemplate.yaml',
        'sandboxwarmpool.yaml',
        'sandboxwarmpool-cold.yaml',
        'rbac.yaml',
        'kustomization.yaml',
      ]) {
        expect(rel).toContain(`${version}/${name}`);
      }
      expect(rel).toContain(`gvisor/${version}/kustomization.yaml`);
    }
  });

  it('has apiVersion, kind and metadata.name on every object', () => {
    expect(MANIFESTS.length).toBeGreaterThan(0);
    for (const d of MANIFESTS) {
      expect(typeof d.obj.apiVersion, label(d)).toBe('string');
      expect(typeof d.obj.kind, label(d)).toBe('string');
      expect(typeof at(d.obj, 'metadata.name'), label(d)).toBe('string');
    }
  });

  it('puts every namespaced object in corral-sandboxes and nothing else in a namespace', () => {
    const clusterScoped = new Set(['Namespace', 'RuntimeClass']);
    for (const d of MANIFESTS) {
      const ns = at(d.obj, 'metadata.namespace');
      if (clusterScoped.has(String(d.obj.kind))) expect(ns, label(d)).toBeUndefined();
      else expect(ns, label(d)).toBe(NAMESPACE);
    }
  });

  describe.each(MANIFESTS.filter(isSandboxKind).map((d) => [label(d), d] as const))(
    'Zod schema: %s',
    (_name, d) => {
      it('passes parseResource for its apiVersion', () => {
        expect(() => parseResource(d.obj)).not.toThrow();
      });
      it('uses the API version of its folder', () => {
        const version = d.file.split('/')[0];
        expect(String(d.obj.apiVersion).endsWith(`/${String(version)}`)).toBe(true);
      });
    },
  );
});

describe.each(VERSIONS)('deploy/%s', (version) => {
  const template = find(version, 'SandboxTemplate', 'corral-runner');
  const podSpec = obj(at(template, 'spec.podTemplate.spec'), 'podTemplate.spec');
  const containers = arr(podSpec.containers, 'containers').map((c) => obj(c, 'container'));

  it('runs the runner non-root with seccomp, no SA token, restartPolicy Never', () => {
    expect(podSpec.restartPolicy).toBe('Never');
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.hostNetwork ?? false).toBe(false);
    expect(podSpec.hostPID ?? false).toBe(false);
    expect(podSpec.hostIPC ?? false).toBe(false);
    expect(podSpec.runtimeClassName).toBeUndefined(); // gVisor comes from the overlay
    expect(at(podSpec, 'securityContext.runAsNonRoot')).toBe(true);
    expect(at(podSpec, 'securityContext.runAsUser')).toBe(1000);
    expect(at(podSpec, 'securityContext.runAsGroup')).toBe(1000);
    expect(at(podSpec, 'securityContext.seccompProfile.type')).toBe('RuntimeDefault');
    expect(podSpec.initContainers).toBeUndefined();
    expect(containers).toHaveLength(1);
    for (const c of containers) {
      const sc = obj(c.securityContext, `${String(c.name)}.securityContext`);
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.runAsUser).toBe(1000);
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.privileged ?? false).toBe(false);
      expect(at(sc, 'capabilities.drop')).toEqual(['ALL']);
      expect(at(sc, 'capabilities.add')).toBeUndefined();
      expect(at(sc, 'seccompProfile.type')).toBe('RuntimeDefault');
    }
  });

  it('serves the runner on 8888 named http, ready on GET /healthz, in oneshot mode', () => {
    const [runner] = containers;
    // A stock Node image running the bundle from the generated ConfigMap: no image of Corral's.
    expect(runner?.image).toBe('node:22-slim');
    expect(runner?.command).toEqual(['node', '/opt/corral/runner.mjs']);
    expect(runner?.volumeMounts).toContainEqual({
      name: 'runner',
      mountPath: '/opt/corral',
      readOnly: true,
    });
    expect(at(template, 'spec.podTemplate.spec.volumes')).toContainEqual({
      name: 'runner',
      configMap: { name: 'corral-runner' },
    });
    expect(runner?.env).toContainEqual({ name: 'CORRAL_RUNNER_ROOT', value: '/workspace' });
    expect(runner?.ports).toEqual([{ name: 'http', containerPort: 8888, protocol: 'TCP' }]);
    expect(at(runner, 'readinessProbe.httpGet.path')).toBe('/healthz');
    expect(['http', 8888]).toContain(at(runner, 'readinessProbe.httpGet.port'));
    expect(runner?.env).toContainEqual({ name: 'CORRAL_RUNNER_MODE', value: 'oneshot' });
    for (const kind of ['requests', 'limits']) {
      expect(at(runner, `resources.${kind}.cpu`), kind).toBeDefined();
      expect(at(runner, `resources.${kind}.memory`), kind).toBeDefined();
    }
  });

  it('lets claims add env, and (v1beta1) not volumes', () => {
    expect(at(template, 'spec.envVarsInjectionPolicy')).toBe('Allowed');
    if (version === 'v1beta1') {
      expect(at(template, 'spec.volumeClaimTemplatesPolicy')).toBe('Disallowed');
    } else {
      expect(at(template, 'spec.volumeClaimTemplatesPolicy')).toBeUndefined();
    }
  });

  it('admits ingress on 8888 only from the orchestrator and the sandbox-router', () => {
    expect(at(template, 'spec.networkPolicyManagement') ?? 'Managed').toBe('Managed');
    const ingress = arr(at(template, 'spec.networkPolicy.ingress'), 'ingress');
    expect(ingress).toEqual([
      {
        ports: [{ protocol: 'TCP', port: 8888 }],
        from: [
          { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'corral-orchestrator' } } },
          {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': 'agent-sandbox-system' },
            },
            podSelector: { matchLabels: { app: 'sandbox-router' } },
          },
        ],
      },
    ]);
  });

  it('allows egress to DNS and the public internet only (RFC 1918, link-local, ULA blocked)', () => {
    const egress = arr(at(template, 'spec.networkPolicy.egress'), 'egress').map((r) =>
      obj(r, 'egress rule'),
    );
    // A rule without `to` reaches every destination, so it may only open port 53.
    for (const rule of egress.filter((r) => r.to === undefined)) {
      const ports = arr(rule.ports, 'ports').map((p) => at(p, 'port'));
      expect(ports.length).toBeGreaterThan(0);
      expect(new Set(ports)).toEqual(new Set([53]));
    }
    const dns = egress.flatMap((r) => arr(r.ports ?? [], 'ports'));
    expect(dns).toContainEqual({ protocol: 'UDP', port: 53 });
    expect(dns).toContainEqual({ protocol: 'TCP', port: 53 });
    const blocks = egress
      .flatMap((r) => arr(r.to ?? [], 'to'))
      .map((peer) => obj(at(peer, 'ipBlock'), 'egress peers must be ipBlocks'));
    const v4 = blocks.find((b) => b.cidr === '0.0.0.0/0');
    const v6 = blocks.find((b) => b.cidr === '::/0');
    expect(v4?.except).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']),
    );
    expect(v6?.except).toEqual(expect.arrayContaining(['fc00::/7', 'fe80::/10']));
    expect(blocks).toHaveLength(2);
  });

  it('keeps a warm pool of 2 and a cold-only pool of 0 on the runner template', () => {
    const warm = find(version, 'SandboxWarmPool', 'corral-runner');
    const cold = find(version, 'SandboxWarmPool', 'corral-runner-cold');
    expect(at(warm, 'spec.replicas')).toBe(2);
    // Explicit 0: an omitted replicas means 1 in v1beta1 and is invalid in v1alpha1.
    expect(at(cold, 'spec.replicas')).toBe(0);
    for (const pool of [warm, cold]) {
      expect(at(pool, 'spec.sandboxTemplateRef.name')).toBe('corral-runner');
    }
  });

  it('defines the gvisor RuntimeClass with handler runsc', () => {
    const rc = find(version, 'RuntimeClass', 'gvisor');
    expect(rc.apiVersion).toBe('node.k8s.io/v1');
    expect(rc.handler).toBe('runsc');
  });

  it('lists every manifest but the RuntimeClass in kustomization.yaml', () => {
    const kustomization = KUSTOMIZATIONS.find((d) => d.file === `${version}/kustomization.yaml`);
    const resources = arr(at(kustomization?.obj, 'resources'), 'resources').map(String);
    const files = new Set(docsOf(version).map((d) => d.file.slice(version.length + 1)));
    files.delete('runtimeclass-gvisor.yaml');
    files.add('../runner'); // the runner bundle's ConfigMap generator
    expect(new Set(resources)).toEqual(files);
  });

  it('has a gvisor overlay that only adds runtimeClassName: gvisor to the template', () => {
    const overlay = KUSTOMIZATIONS.find((d) => d.file === `gvisor/${version}/kustomization.yaml`);
    expect(at(overlay?.obj, 'resources')).toEqual([`../../${version}`]);
    const patches = arr(at(overlay?.obj, 'patches'), 'patches');
    expect(patches).toHaveLength(1);
    expect(at(patches[0], 'target')).toEqual({
      group: 'extensions.agents.x-k8s.io',
      version,
      kind: 'SandboxTemplate',
      name: 'corral-runner',
    });
    const ops = parseAllDocuments(String(at(patches[0], 'patch')))[0]?.toJS();
    expect(ops).toEqual([
      { op: 'add', path: '/spec/podTemplate/spec/runtimeClassName', value: 'gvisor' },
    ]);
    // The patched template is still valid.
    const patched = structuredClone(template);
    obj(at(patched, 'spec.podTemplate.spec'), 'podSpec').runtimeClassName = 'gvisor';
    expect(() => parseResource(patched)).not.toThrow();
  });

  it('grants the orchestrator exactly the namespaced permissions it needs', () => {
    const role = find(version, 'Role', 'corral-orchestrator');
    const granted = new Set<string>();
    for (const rule of arr(role.rules, 'rules')) {
      for (const group of arr(at(rule, 'apiGroups'), 'apiGroups')) {
        for (const resource of arr(at(rule, 'resources'), 'resources')) {
          for (const verb of arr(at(rule, 'verbs'), 'verbs')) {
            expect([group, resource, verb], 'no wildcards').not.toContain('*');
            granted.add(`${String(group)}|${String(resource)}|${String(verb)}`);
          }
        }
      }
      expect(at(rule, 'resourceNames')).toBeUndefined();
      expect(at(rule, 'nonResourceURLs')).toBeUndefined();
    }
    const expected = [
      ...grants('extensions.agents.x-k8s.io', 'sandboxclaims', [
        'create',
        'get',
        'list',
        'watch',
        'delete',
        'patch',
      ]),
      ...grants('agents.x-k8s.io', 'sandboxes', ['get', 'list', 'watch', 'patch']),
      ...grants('extensions.agents.x-k8s.io', 'sandboxwarmpools', ['get', 'list', 'watch']),
      ...grants('extensions.agents.x-k8s.io', 'sandboxtemplates', ['get', 'list', 'watch']),
      ...grants('extensions.agents.x-k8s.io', 'sandboxwarmpools/scale', ['patch']),
      ...grants('', 'pods', ['get', 'list', 'watch']),
      ...grants('', 'pods/log', ['get']),
      // create: SPDY and newer API servers; get: WebSocket upgrades (client-node) on older ones.
      ...grants('', 'pods/exec', ['create', 'get']),
      ...grants('', 'pods/portforward', ['create', 'get']),
      ...grants('', 'events', ['get', 'list', 'watch']),
    ];
    expect([...granted].sort()).toEqual([...new Set(expected)].sort());

    const binding = find(version, 'RoleBinding', 'corral-orchestrator');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'corral-orchestrator',
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'corral-orchestrator', namespace: NAMESPACE },
    ]);
    find(version, 'ServiceAccount', 'corral-orchestrator');
  });
});

function grants(group: string, resource: string, verbs: string[]): string[] {
  return verbs.map((verb) => `${group}|${resource}|${verb}`);
}

describe('v1beta1 and v1alpha1 sets', () => {
  const ids = (version: Version): string[] =>
    docsOf(version)
      .map(
        (d) =>
          `${d.file.slice(version.length + 1)} ${String(d.obj.kind)}/${String(at(d.obj, 'metadata.name'))}`,
      )
      .sort();

  it('contain the same files, kinds and names', () => {
    expect(ids('v1alpha1')).toEqual(ids('v1beta1'));
  });

  it('differ only in apiVersion and the beta-only volumeClaimTemplatesPolicy', () => {
    const normalize = (d: Doc): unknown => {
      const copy = structuredClone(d.obj);
      if (isSandboxKind(d)) copy.apiVersion = groupOf(copy.apiVersion);
      if (copy.kind === 'SandboxTemplate') delete obj(copy.spec, 'spec').volumeClaimTemplatesPolicy;
      return copy;
    };
    const beta = docsOf('v1beta1').map(normalize);
    const alpha = docsOf('v1alpha1').map(normalize);
    expect(alpha).toEqual(beta);
  });

  it('contain no cluster-wide RBAC anywhere under deploy/', () => {
    const clusterWide = MANIFESTS.filter((d) =>
      ['ClusterRole', 'ClusterRoleBinding'].includes(String(d.obj.kind)),
    );
    expect(clusterWide.map(label)).toEqual([]);
  });
});

const crdsPresent = existsSync(CRD_DIR);
describe.skipIf(!crdsPresent)(
  crdsPresent
    ? 'upstream CRD openAPIV3Schema (v0.5.6)'
    : `upstream CRD openAPIV3Schema: SKIPPED, reference CRDs not found at ${CRD_DIR}`,
  () => {
    const crds = crdsPresent ? loadCrdSchemas(CRD_DIR) : new Map<string, Map<string, Obj>>();

    it('knows the four kinds in both versions', () => {
      for (const kind of ['Sandbox', 'SandboxTemplate', 'SandboxClaim', 'SandboxWarmPool']) {
        expect([...(crds.get(kind)?.keys() ?? [])].map((v) => v.split('/')[1]).sort()).toEqual([
          'v1alpha1',
          'v1beta1',
        ]);
      }
    });

    it.each(MANIFESTS.filter(isSandboxKind).map((d) => [label(d), d] as const))(
      '%s fits the CRD schema',
      (_name, d) => {
        expect(crdErrors(crds, d.obj)).toEqual([]);
      },
    );

    it('the check catches missing required fields, bad enums and unknown fields', () => {
      const pool = structuredClone(find('v1alpha1', 'SandboxWarmPool', 'corral-runner'));
      delete obj(pool.spec, 'spec').replicas;
      expect(crdErrors(crds, pool)).toEqual(['spec.replicas: Required']);

      const template = structuredClone(find('v1beta1', 'SandboxTemplate', 'corral-runner'));
      const spec = obj(template.spec, 'spec');
      spec.envVarsInjectionPolicy = 'Sometimes';
      obj(at(spec, 'podTemplate.spec'), 'podSpec').restartPolicyy = 'Never';
      delete obj(at(spec, 'podTemplate.spec.containers.0'), 'container').name;
      expect(crdErrors(crds, template).sort()).toEqual(
        [
          'spec.envVarsInjectionPolicy: must be one of Allowed, Overrides, Disallowed (got "Sometimes")',
          'spec.podTemplate.spec.restartPolicyy: unknown field',
          'spec.podTemplate.spec.containers[0].name: Required',
        ].sort(),
      );
    });
  },
);

const alphaCrdsPresent = existsSync(ALPHA_CRD_DIR);
describe.skipIf(!alphaCrdsPresent)(
  alphaCrdsPresent
    ? 'upstream CRD openAPIV3Schema (v0.4.6, alpha-only)'
    : `upstream v0.4.6 CRDs: SKIPPED, reference CRDs not found at ${ALPHA_CRD_DIR}`,
  () => {
    const crds = alphaCrdsPresent
      ? loadCrdSchemas(ALPHA_CRD_DIR)
      : new Map<string, Map<string, Obj>>();
    it.each(
      docsOf('v1alpha1')
        .filter(isSandboxKind)
        .map((d) => [label(d), d] as const),
    )('%s fits the v0.4.6 CRD schema', (_name, d) => {
      expect(crdErrors(crds, d.obj)).toEqual([]);
    });
  },
);

describe('deploy/runner: the runner bundle as a ConfigMap', () => {
  const bundle = join(REPO_ROOT, 'packages', 'runner', 'dist', 'runner.mjs');
  const copy = join(DEPLOY_DIR, 'runner', 'runner.mjs');

  it('holds the current runner (run `npm run sync:deploy` after changing the runner)', () => {
    // The suite's global setup has just built dist/runner.mjs from source.
    expect(readFileSync(copy, 'utf8') === readFileSync(bundle, 'utf8')).toBe(true);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const hasKubectl = kubectl.status === 0;
  it.skipIf(!hasKubectl)(
    `kustomize makes one hashed ConfigMap and points every template at it${hasKubectl ? '' : ' (skipped: kubectl not installed)'}`,
    () => {
      for (const dir of ['v1beta1', 'v1alpha1', 'gvisor/v1beta1', 'gvisor/v1alpha1']) {
        const built = spawnSync('kubectl', ['kustomize', join(DEPLOY_DIR, dir)], {
          encoding: 'utf8',
          maxBuffer: 16 * 2 ** 20,
        });
        expect(built.stderr, dir).toBe('');
        const objects = parseAllDocuments(built.stdout).map((d) => obj(d.toJS(), dir));
        const maps = objects.filter((o) => o.kind === 'ConfigMap');
        expect(maps, dir).toHaveLength(1);
        const name = String(at(maps[0], 'metadata.name'));
        expect(name, dir).toMatch(/^corral-runner-[a-z0-9]{10}$/);
        expect(at(maps[0], 'metadata.namespace')).toBe(NAMESPACE);
        expect(obj(at(maps[0], 'data'), dir)['runner.mjs']).toBe(readFileSync(copy, 'utf8'));
        const template = objects.find((o) => o.kind === 'SandboxTemplate');
        expect(at(template, 'spec.podTemplate.spec.volumes'), dir).toContainEqual({
          name: 'runner',
          configMap: { name },
        });
      }
    },
  );
});
