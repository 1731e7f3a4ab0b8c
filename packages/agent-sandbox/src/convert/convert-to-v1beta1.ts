/**
 * Rewrites agent-sandbox manifests written for `v1alpha1` (v0.3–v0.5) or v0.1.0 into
 * `v1beta1`, the only version agent-sandbox v1.0 serves.
 *
 * The result is a list of edits per document rather than new objects, so a caller holding a
 * YAML document can apply them in place and keep the user's comments and key order. Anything
 * v1beta1 cannot express is a problem naming the field; nothing is dropped silently.
 */
import { CORE_GROUP, EXTENSIONS_GROUP, type SandboxKind } from '../resources.js';
import { SchemaValidationError } from '../schemas/errors.js';
import { parseResource } from '../schemas/registry.js';
import { sandboxClaimSpecSchema } from '../schemas/sandbox-claim.js';
import { sandboxTemplateSpecSchema } from '../schemas/sandbox-template.js';
import { sandboxWarmPoolSpecSchema } from '../schemas/sandbox-warm-pool.js';
import { sandboxSpecSchema } from '../schemas/sandbox.js';

export type ManifestPath = readonly (string | number)[];

export type ManifestEdit =
  | { readonly op: 'set'; readonly path: ManifestPath; readonly value: unknown }
  | { readonly op: 'delete'; readonly path: ManifestPath };

/**
 * Which release the `v1alpha1` input was written for. They share an apiVersion but not a
 * meaning: v0.1.0 always made a headless Service and never a NetworkPolicy.
 */
export type ConversionSource = 'v1alpha1' | 'v0.1.0';

export interface ConvertOptions {
  /** Default `v1alpha1` (agent-sandbox v0.3–v0.5). */
  readonly from?: ConversionSource;
}

export interface DocumentConversion {
  /** Edits that turn the input document into its v1beta1 form (empty: leave it as it is). */
  readonly edits: readonly ManifestEdit[];
  /** What changed in meaning or needs the user's attention, one sentence each. */
  readonly notes: readonly string[];
  /** What v1beta1 cannot express; when any document has one, nothing should be written. */
  readonly problems: readonly string[];
}

export interface ManifestConversion {
  /** One entry per input document, in order. */
  readonly documents: readonly DocumentConversion[];
  /** Objects v1beta1 needs that the input did not have (cold-start pools for claims). */
  readonly added: readonly Record<string, unknown>[];
  readonly addedNotes: readonly string[];
}

type Obj = Record<string, unknown>;

const BETA_EXTENSIONS = `${EXTENSIONS_GROUP}/v1beta1`;
const BETA_CORE = `${CORE_GROUP}/v1beta1`;
/** Annotations upstream's conversion webhook writes for lossless round trips. */
const CONVERSION_STATE_PREFIXES = ['api.agents.x-k8s.io/v1alpha1-', 'api.agents.x-k8s.io/v1beta1-'];
/** Beta-only fields the webhook parks in annotations of alpha objects; restored, not dropped. */
const TEMPLATE_VCT_POLICY_ANNOTATION = 'api.agents.x-k8s.io/v1beta1-volume-claim-templates-policy';
const CLAIM_VCT_ANNOTATION = 'api.agents.x-k8s.io/v1beta1-sandboxclaim-volume-claim-templates';
/** Upstream's migration script (`dev/tools/migrate.sh`) names and marks cold pools like this. */
const SHADOW_POOL_PREFIX = 'shadow-pool-';
const MIGRATION_SHADOW_ANNOTATION = 'agents.x-k8s.io/migration-shadow';
const MIGRATION_SOURCE_ANNOTATION = 'agents.x-k8s.io/migration-source-template';

const SPEC_FIELDS: Record<SandboxKind, ReadonlySet<string>> = {
  Sandbox: new Set(Object.keys(sandboxSpecSchema.shape)),
  SandboxTemplate: new Set(Object.keys(sandboxTemplateSpecSchema.shape)),
  SandboxClaim: new Set(Object.keys(sandboxClaimSpecSchema.shape)),
  SandboxWarmPool: new Set(Object.keys(sandboxWarmPoolSpecSchema.shape)),
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function kindOf(doc: Obj): SandboxKind | undefined {
  const [group] = (str(doc.apiVersion) ?? '').split('/');
  if (group === CORE_GROUP && doc.kind === 'Sandbox') return 'Sandbox';
  if (
    group === EXTENSIONS_GROUP &&
    (doc.kind === 'SandboxTemplate' ||
      doc.kind === 'SandboxClaim' ||
      doc.kind === 'SandboxWarmPool')
  ) {
    return doc.kind;
  }
  return undefined;
}

function label(doc: Obj): string {
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  const name = str(meta.name) ?? (str(meta.generateName) ? `${str(meta.generateName)}*` : '?');
  return `${String(doc.kind)} ${name}`;
}

function namespaceOf(doc: Obj): string | undefined {
  return isObj(doc.metadata) ? str(doc.metadata.namespace) : undefined;
}

/** Notes and problems for one document, with the edits collected on the way. */
class DocumentPlan {
  readonly edits: ManifestEdit[] = [];
  readonly notes: string[] = [];
  readonly problems: string[] = [];
  constructor(readonly doc: Obj) {}
  set(path: ManifestPath, value: unknown): void {
    this.edits.push({ op: 'set', path, value });
  }
  delete(path: ManifestPath): void {
    this.edits.push({ op: 'delete', path });
  }
  note(text: string): void {
    this.notes.push(`${label(this.doc)}: ${text}`);
  }
  problem(text: string): void {
    this.problems.push(`${label(this.doc)}: ${text}`);
  }
}

function validateSource(plan: DocumentPlan): boolean {
  try {
    parseResource(plan.doc);
    return true;
  } catch (error) {
    if (!(error instanceof SchemaValidationError)) throw error;
    for (const issue of error.issues) plan.problem(`${issue.path}: ${issue.message}`);
    return false;
  }
}

function dropCommon(plan: DocumentPlan, kind: SandboxKind): void {
  const { doc } = plan;
  if (doc.status !== undefined) {
    plan.delete(['status']);
    plan.note('status removed (the controller writes it; it is never applied).');
  }
  const annotations = isObj(doc.metadata) ? doc.metadata.annotations : undefined;
  if (isObj(annotations)) {
    const state = Object.keys(annotations).filter((k) =>
      CONVERSION_STATE_PREFIXES.some((p) => k.startsWith(p)),
    );
    restoreParkedFields(plan, kind, annotations);
    for (const key of state) plan.delete(['metadata', 'annotations', key]);
    if (state.length > 0 && state.length === Object.keys(annotations).length) {
      plan.delete(['metadata', 'annotations']);
    }
    if (state.length > 0) {
      plan.note(`removed the conversion webhook's bookkeeping annotations (${state.join(', ')}).`);
    }
  }
  const spec = isObj(doc.spec) ? doc.spec : {};
  const renamed = kind === 'Sandbox' ? ['replicas'] : kind === 'SandboxClaim' ? CLAIM_ALPHA : [];
  for (const field of Object.keys(spec)) {
    if (!SPEC_FIELDS[kind].has(field) && !renamed.includes(field)) {
      plan.problem(
        `spec.${field} has no v1beta1 equivalent; remove it (or move it into the pod template) and convert again.`,
      );
    }
  }
}

const CLAIM_ALPHA = ['sandboxTemplateRef', 'warmpool'];

function restoreParkedFields(plan: DocumentPlan, kind: SandboxKind, annotations: Obj): void {
  const policy = annotations[TEMPLATE_VCT_POLICY_ANNOTATION];
  if (kind === 'SandboxTemplate' && typeof policy === 'string') {
    plan.set(['spec', 'volumeClaimTemplatesPolicy'], policy);
  }
  const vcts = annotations[CLAIM_VCT_ANNOTATION];
  if (kind === 'SandboxClaim' && typeof vcts === 'string') {
    try {
      plan.set(['spec', 'volumeClaimTemplates'], JSON.parse(vcts) as unknown);
    } catch {
      plan.problem(
        `annotation ${CLAIM_VCT_ANNOTATION} is not JSON, so its volumeClaimTemplates cannot be restored; fix or remove it.`,
      );
    }
  }
}

function convertSandbox(plan: DocumentPlan, from: ConversionSource): void {
  const spec = isObj(plan.doc.spec) ? plan.doc.spec : {};
  plan.set(['apiVersion'], BETA_CORE);
  if (spec.replicas !== undefined) {
    if (spec.replicas === 0 || spec.replicas === 1) {
      plan.delete(['spec', 'replicas']);
      plan.set(['spec', 'operatingMode'], spec.replicas === 0 ? 'Suspended' : 'Running');
    } else {
      plan.problem(
        `spec.replicas ${JSON.stringify(spec.replicas)} cannot be expressed: v1beta1 has spec.operatingMode Running (replicas 1) or Suspended (replicas 0).`,
      );
    }
  }
  if (from === 'v0.1.0' && spec.service === undefined) {
    plan.set(['spec', 'service'], true);
    plan.note(
      'spec.service: true added: v0.1.0 always made a headless Service, v1beta1 makes one only when asked.',
    );
  }
}

function convertTemplate(plan: DocumentPlan, from: ConversionSource): void {
  const spec = isObj(plan.doc.spec) ? plan.doc.spec : {};
  plan.set(['apiVersion'], BETA_EXTENSIONS);
  if (from !== 'v0.1.0') return;
  if (spec.service === undefined) {
    plan.set(['spec', 'service'], true);
    plan.note(
      'spec.service: true added: v0.1.0 sandboxes always had a headless Service, v1beta1 ones only when asked.',
    );
  }
  if (spec.networkPolicyManagement === undefined && spec.networkPolicy === undefined) {
    plan.set(['spec', 'networkPolicyManagement'], 'Unmanaged');
    plan.note(
      'spec.networkPolicyManagement: Unmanaged added to keep v0.1.0 behaviour (no NetworkPolicy). ' +
        'v1beta1 otherwise applies a default policy that admits only the sandbox-router and blocks private ' +
        'ranges and cluster DNS; remove the line to get it.',
    );
  }
}

/** Pools named in the input, by namespace and name, and the ones serving each template. */
interface PoolIndex {
  byName: Map<string, Obj>;
  byTemplate: Map<string, string[]>;
}

const key = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

function indexPools(docs: readonly unknown[]): PoolIndex {
  const index: PoolIndex = { byName: new Map(), byTemplate: new Map() };
  for (const doc of docs) {
    if (!isObj(doc) || kindOf(doc) !== 'SandboxWarmPool' || !isObj(doc.metadata)) continue;
    const name = str(doc.metadata.name);
    const template = isObj(doc.spec) && isObj(doc.spec.sandboxTemplateRef) ? doc.spec : undefined;
    if (name === undefined) continue;
    const ns = namespaceOf(doc);
    index.byName.set(key(ns, name), doc);
    const templateName = str((template?.sandboxTemplateRef as Obj | undefined)?.name);
    if (templateName !== undefined) {
      const list = index.byTemplate.get(key(ns, templateName)) ?? [];
      list.push(name);
      index.byTemplate.set(key(ns, templateName), list);
    }
  }
  return index;
}

interface ColdPools {
  wanted: Map<string, { namespace: string | undefined; template: string }>;
}

function convertClaim(plan: DocumentPlan, pools: PoolIndex, cold: ColdPools): void {
  const spec = isObj(plan.doc.spec) ? plan.doc.spec : {};
  const ns = namespaceOf(plan.doc);
  const template = str(isObj(spec.sandboxTemplateRef) ? spec.sandboxTemplateRef.name : undefined);
  plan.set(['apiVersion'], BETA_EXTENSIONS);
  if (isObj(spec.warmPoolRef)) {
    plan.problem(
      'spec.warmPoolRef is a v1beta1 field in a v1alpha1 claim; set apiVersion to v1beta1.',
    );
    return;
  }
  if (template === undefined) return; // validateSource reported the missing sandboxTemplateRef
  const policy = str(spec.warmpool) ?? 'default';
  let pool: string;
  if (policy !== 'default' && policy !== 'none') {
    pool = policy;
    const named = pools.byName.get(key(ns, pool));
    const poolTemplate = str(
      isObj(named?.spec) && isObj(named.spec.sandboxTemplateRef)
        ? named.spec.sandboxTemplateRef.name
        : undefined,
    );
    if (poolTemplate !== undefined && poolTemplate !== template) {
      plan.problem(
        `spec.warmpool names pool ${pool}, whose template is ${poolTemplate}, not ${template}: ` +
          'v1beta1 claims take the template from the pool; make them agree.',
      );
    }
  } else {
    const serving = pools.byTemplate.get(key(ns, template)) ?? [];
    if (policy === 'default' && serving.length === 1) {
      pool = serving[0]!;
      plan.note(
        `warmpool "default" → warmPoolRef ${pool}, the one pool in the input for template ${template}.`,
      );
    } else {
      pool = `${SHADOW_POOL_PREFIX}${template}`;
      if (!pools.byName.has(key(ns, pool))) {
        cold.wanted.set(key(ns, pool), { namespace: ns, template });
      }
      const why =
        policy === 'none'
          ? 'warmpool "none" (always a fresh sandbox)'
          : serving.length === 0
            ? `warmpool "default" with no pool for template ${template} in the input`
            : `warmpool "default" with several pools for template ${template} (${serving.join(', ')}), which v1beta1 cannot choose between`;
      plan.note(
        `${why} → warmPoolRef ${pool}, a cold-start pool (replicas: 0) of template ${template}, named as upstream's migration names it.`,
      );
    }
  }
  plan.delete(['spec', 'sandboxTemplateRef']);
  if (spec.warmpool !== undefined) plan.delete(['spec', 'warmpool']);
  plan.set(['spec', 'warmPoolRef'], { name: pool });
}

function coldPool(namespace: string | undefined, name: string, template: string): Obj {
  return {
    apiVersion: BETA_EXTENSIONS,
    kind: 'SandboxWarmPool',
    metadata: {
      name,
      ...(namespace === undefined ? {} : { namespace }),
      annotations: {
        [MIGRATION_SHADOW_ANNOTATION]: 'true',
        [MIGRATION_SOURCE_ANNOTATION]: template,
      },
    },
    spec: { replicas: 0, sandboxTemplateRef: { name: template } },
  };
}

/**
 * Plans the conversion of every document (parsed YAML/JSON values, in file order). Documents
 * that are not agent-sandbox kinds, or are already `v1beta1`, get no edits.
 */
export function planV1beta1Conversion(
  documents: readonly unknown[],
  options: ConvertOptions = {},
): ManifestConversion {
  const from = options.from ?? 'v1alpha1';
  const pools = indexPools(documents);
  const cold: ColdPools = { wanted: new Map() };
  const results = documents.map((doc): DocumentConversion => {
    if (!isObj(doc)) return { edits: [], notes: [], problems: [] };
    const kind = kindOf(doc);
    const version = (str(doc.apiVersion) ?? '').split('/')[1];
    if (kind === undefined || version !== 'v1alpha1') {
      return { edits: [], notes: [], problems: [] };
    }
    const plan = new DocumentPlan(doc);
    if (!validateSource(plan)) return plan;
    dropCommon(plan, kind);
    if (kind === 'Sandbox') convertSandbox(plan, from);
    else if (kind === 'SandboxTemplate') convertTemplate(plan, from);
    else if (kind === 'SandboxWarmPool') plan.set(['apiVersion'], BETA_EXTENSIONS);
    else convertClaim(plan, pools, cold);
    return plan;
  });
  const added = [...cold.wanted.entries()].map(([k, { namespace, template }]) =>
    coldPool(namespace, k.slice(k.indexOf('/') + 1), template),
  );
  const addedNotes = added.map(
    (p) =>
      `SandboxWarmPool ${String((p.metadata as Obj).name)}: added (replicas: 0); raise replicas to keep sandboxes warm.`,
  );
  return { documents: results, added, addedNotes };
}

/** Applies edits to a deep copy of a plain object (for callers without a YAML document). */
export function applyManifestEdits<T>(object: T, edits: readonly ManifestEdit[]): T {
  const copy = structuredClone(object);
  for (const edit of edits) {
    const parentPath = edit.path.slice(0, -1);
    const last = edit.path[edit.path.length - 1];
    if (last === undefined) continue;
    let parent: unknown = copy;
    for (const step of parentPath) {
      if (!isObj(parent) && !Array.isArray(parent)) break;
      const container = parent as Record<string | number, unknown>;
      if (edit.op === 'set' && container[step] === undefined) container[step] = {};
      parent = container[step];
    }
    if (!isObj(parent) && !Array.isArray(parent)) continue;
    const container = parent as Record<string | number, unknown>;
    if (edit.op === 'set') container[last] = structuredClone(edit.value);
    else delete container[last];
  }
  return copy;
}

export interface ConvertedManifests {
  /** The converted documents followed by the added ones. */
  readonly objects: readonly unknown[];
  readonly notes: readonly string[];
  readonly problems: readonly string[];
}

/** Plans and applies in one step, for plain objects. */
export function convertManifestsToV1beta1(
  documents: readonly unknown[],
  options: ConvertOptions = {},
): ConvertedManifests {
  const plan = planV1beta1Conversion(documents, options);
  return {
    objects: [
      ...documents.map((doc, i) => applyManifestEdits(doc, plan.documents[i]?.edits ?? [])),
      ...plan.added,
    ],
    notes: [...plan.documents.flatMap((d) => d.notes), ...plan.addedNotes],
    problems: plan.documents.flatMap((d) => d.problems),
  };
}
