import { stringify } from 'yaml';
import type { CliContext } from '../context.js';
import { formatTable } from '../output/table.js';
import type { OutputFormat } from './flags.js';

interface Named {
  kind?: string | undefined;
  apiVersion?: string | undefined;
  metadata?: { name?: string | undefined } | undefined;
}

/** kubectl's `-o name`: `<kind>.<group>/<name>`, lower-case kind. */
export function qualifiedName(object: Named): string {
  const group = object.apiVersion?.includes('/') === true ? object.apiVersion.split('/')[0] : '';
  const kind = (object.kind ?? 'object').toLowerCase();
  return `${kind}${group ? `.${group}` : ''}/${object.metadata?.name ?? ''}`;
}

export interface TableSpec<T> {
  headers: string[];
  row: (object: T) => string[];
  /** Printed on stderr instead of an empty table. */
  empty: string;
}

/**
 * Prints objects as kubectl does for `-o`: a table, one JSON document (an object, or a `List`
 * when `single` is false), YAML, or `kind.group/name` lines.
 */
export function printObjects<T extends Named>(
  ctx: CliContext,
  format: OutputFormat,
  objects: readonly T[],
  table: TableSpec<T>,
  options: { single: boolean },
): void {
  const document = options.single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
  switch (format) {
    case 'json':
      ctx.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      return;
    case 'yaml':
      ctx.stdout.write(stringify(document));
      return;
    case 'name':
      for (const object of objects) ctx.stdout.write(`${qualifiedName(object)}\n`);
      return;
    case 'table':
      if (objects.length === 0) ctx.stderr.write(`${table.empty}\n`);
      else ctx.stdout.write(`${formatTable(table.headers, objects.map(table.row))}\n`);
  }
}

/** The one line a write prints in table mode (`sandboxwarmpool.extensions.agents.x-k8s.io/x created`). */
export function printAction(
  ctx: CliContext,
  format: OutputFormat,
  object: Named,
  action: string,
): void {
  if (format === 'table') ctx.stdout.write(`${qualifiedName(object)} ${action}\n`);
  else
    printObjects(
      ctx,
      format,
      [object],
      { headers: [], row: () => [], empty: '' },
      { single: true },
    );
}
