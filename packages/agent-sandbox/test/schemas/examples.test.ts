import { describe, expect, it } from 'vitest';
import { SCHEMAS, V0_1_0_SCHEMAS, parseResource } from '@corral/agent-sandbox';
import { NEEDS_REFERENCE, REFERENCE_PRESENT, loadExamples } from './reference.js';

const KINDS = new Set(['Sandbox', 'SandboxTemplate', 'SandboxClaim', 'SandboxWarmPool']);
const GROUPS = new Set(['agents.x-k8s.io', 'extensions.agents.x-k8s.io']);

function isAgentSandbox(doc: Record<string, unknown>): boolean {
  const group = String(doc.apiVersion).split('/')[0] ?? '';
  return GROUPS.has(group) && KINDS.has(String(doc.kind));
}

describe('upstream examples parse with the schema of their apiVersion', () => {
  it.skipIf(!REFERENCE_PRESENT)(`main-2fd412d5 examples ${NEEDS_REFERENCE}`, () => {
    const docs = loadExamples('main-2fd412d5').filter((e) => isAgentSandbox(e.doc));
    // 2 Sandboxes, 5 claims, 11 templates, 9 pools across both folders; most live in main.
    expect(docs.length).toBeGreaterThanOrEqual(20);
    for (const { file, index, doc } of docs) {
      const parsed = (() => {
        try {
          return parseResource(doc);
        } catch (error) {
          throw new Error(`${file}#${index}: ${(error as Error).message}`);
        }
      })();
      expect(parsed.kind, file).toBe(doc.kind);
      // Parsing keeps everything that was there (loose objects) — compare the spec subtree.
      expect(parsed.spec, file).toMatchObject(doc.spec as object);
    }
  });

  it.skipIf(!REFERENCE_PRESENT)(`v0.1.0 examples ${NEEDS_REFERENCE}`, () => {
    const docs = loadExamples('v0.1.0').filter((e) => isAgentSandbox(e.doc));
    expect(docs.length).toBeGreaterThanOrEqual(4);
    for (const { file, doc } of docs) {
      expect(String(doc.apiVersion), file).toMatch(/\/v1alpha1$/);
      const kind = doc.kind as keyof (typeof V0_1_0_SCHEMAS)['v1alpha1'];
      const old = V0_1_0_SCHEMAS.v1alpha1[kind].safeParse(doc);
      expect(old.success, `${file}: ${JSON.stringify(old.error?.issues)}`).toBe(true);
      // Current v1alpha1 schemas still accept what v0.1.0 wrote.
      const current = SCHEMAS.v1alpha1[kind].safeParse(doc);
      expect(current.success, `${file}: ${JSON.stringify(current.error?.issues)}`).toBe(true);
    }
  });

  it.skipIf(!REFERENCE_PRESENT)(`non-agent-sandbox kinds are skipped ${NEEDS_REFERENCE}`, () => {
    const others = loadExamples('main-2fd412d5').filter((e) => !isAgentSandbox(e.doc));
    expect(others.map((e) => e.doc.kind)).toContain('Deployment');
  });
});
