/**
 * `meta.k8s.io/v1 Table` rendering for `kubectl get`: Name, the CRD's printer columns, Age.
 * Printer-column JSONPath supports the forms CRDs use: `.a.b`, `.a[0].b`, `.a[?(@.k=='v')].b`.
 */
import type { ServedVersion } from '../resources/types.js';
import type { KubeObject } from '../store/types.js';

export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

function evalJsonPath(object: unknown, path: string): unknown {
  const tokens =
    path.match(
      /\.[A-Za-z0-9_-]+|\[\?\(@\.[A-Za-z0-9_.-]+\s*==\s*['"][^'"]*['"]\)\]|\[\d+\]|\[\*\]/g,
    ) ?? [];
  let values: unknown[] = [object];
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const v of values) {
      if (token.startsWith('.')) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v))
          next.push((v as Record<string, unknown>)[token.slice(1)]);
      } else if (token === '[*]') {
        if (Array.isArray(v)) next.push(...(v as unknown[]));
      } else if (token.startsWith('[?')) {
        const m = /^\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*['"]([^'"]*)['"]\)\]$/.exec(token)!;
        if (Array.isArray(v)) {
          for (const item of v as unknown[])
            if (evalJsonPath(item, `.${m[1]!}`) === m[2]) next.push(item);
        }
      } else if (Array.isArray(v)) {
        next.push((v as unknown[])[Number(token.slice(1, -1))]);
      }
    }
    values = next.filter((x) => x !== undefined);
  }
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

function age(timestamp: string | undefined, nowMs: number): string {
  if (timestamp === undefined) return '<unknown>';
  const s = Math.max(0, Math.floor((nowMs - Date.parse(timestamp)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function renderTable(
  objects: readonly KubeObject[],
  version: ServedVersion | undefined,
  listMeta: Record<string, unknown>,
  nowMs: number,
): object {
  const columns = (version?.printerColumns ?? []).filter(
    (c) => c.jsonPath !== '.metadata.creationTimestamp',
  );
  const columnDefinitions = [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'Name must be unique within a namespace.',
      priority: 0,
    },
    ...columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp', priority: 0 },
  ];
  const rows = objects.map((o) => ({
    cells: [
      o.metadata.name,
      ...columns.map((c) => {
        const v = evalJsonPath(o, c.jsonPath);
        if (v === undefined) return null;
        if (c.type === 'date' && typeof v === 'string') return age(v, nowMs);
        return typeof v === 'object' ? JSON.stringify(v) : v;
      }),
      age(o.metadata.creationTimestamp, nowMs),
    ],
    object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
  }));
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions,
    rows,
  };
}
