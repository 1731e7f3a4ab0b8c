import { readFile } from 'node:fs/promises';
import { planV1beta1Conversion } from '@corral/agent-sandbox';
import type { ConversionSource, ManifestEdit } from '@corral/agent-sandbox';
import { InvalidArgumentError } from '@corral/sdk';
import { Document, isMap, parseAllDocuments } from 'yaml';
import type { CliContext } from '../../context.js';

export interface TemplateConvertFlags {
  filename?: string;
  from?: string;
  output?: string;
}

const SOURCES: readonly ConversionSource[] = ['v1alpha1', 'v0.1.0'];

/**
 * `corral template convert -f old.yaml`: prints the manifests rewritten for agent-sandbox
 * `v1beta1`, keeping comments, key order and documents of other kinds. Notes on changed meaning
 * go to stderr; if any document cannot be expressed in v1beta1, nothing is printed and every
 * problem is listed. Works offline: no cluster is contacted.
 */
export async function templateConvertCommand(
  flags: TemplateConvertFlags,
  ctx: CliContext,
): Promise<number> {
  if (flags.filename === undefined) {
    throw new InvalidArgumentError(
      'Give the manifests to convert with -f old.yaml (or -f - for stdin).',
    );
  }
  const from = flags.from ?? 'v1alpha1';
  if (!(SOURCES as readonly string[]).includes(from)) {
    throw new InvalidArgumentError(
      `--from ${from} is not a release this tool knows; use v1alpha1 (agent-sandbox v0.3–v0.5) or v0.1.0.`,
    );
  }
  const format = flags.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') {
    throw new InvalidArgumentError(`-o ${format} is not supported; use -o yaml or -o json.`);
  }
  const label = flags.filename === '-' ? 'stdin' : flags.filename;
  const text = await readSource(flags.filename, label, ctx);
  const documents = parseAllDocuments(text);
  const docs = Array.isArray(documents) ? documents : [];
  const sourceOf = (i: number): string => (docs.length > 1 ? `${label}#${i + 1}` : label);
  const syntax = docs.flatMap((doc, i) =>
    doc.errors.length > 0 ? [`${sourceOf(i)}: not valid YAML: ${doc.errors[0]!.message}`] : [],
  );
  if (syntax.length > 0) throw nothingWritten(syntax);
  const values = docs.map((doc) => doc.toJS() as unknown);
  if (values.every((v) => v === null || v === undefined)) {
    throw new InvalidArgumentError(`${label} has no documents to convert.`);
  }
  const plan = planV1beta1Conversion(values, { from: from as ConversionSource });
  const problems = plan.documents.flatMap((d, i) => d.problems.map((p) => `${sourceOf(i)}: ${p}`));
  if (problems.length > 0) throw nothingWritten(problems);
  docs.forEach((doc, i) => applyToDocument(doc, plan.documents[i]?.edits ?? []));
  const notes = [
    ...plan.documents.flatMap((d, i) => d.notes.map((n) => `${sourceOf(i)}: ${n}`)),
    ...plan.addedNotes,
  ];
  if (format === 'json') {
    const objects = [...docs.map((d) => d.toJS() as unknown), ...plan.added].filter(
      (v) => v !== null && v !== undefined,
    );
    const out =
      objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const parts = [
      ...docs.map((d) => d.toString()),
      ...plan.added.map((object) => new Document(object).toString()),
    ];
    // Later documents print their own `---`; one separator between documents is enough.
    const bodies = parts.map((p) => p.replace(/^---\n/, '').replace(/\n*$/, '\n'));
    ctx.stdout.write(bodies.join('---\n'));
  }
  for (const note of notes) ctx.stderr.write(`note: ${note}\n`);
  return 0;
}

async function readSource(path: string, label: string, ctx: CliContext): Promise<string> {
  try {
    if (path !== '-') return await readFile(path, 'utf8');
    let text = '';
    for await (const chunk of ctx.stdin)
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return text;
  } catch (error) {
    throw new InvalidArgumentError(
      `Cannot read ${label}: ${error instanceof Error ? error.message : String(error)}. Pass -f with a YAML file.`,
    );
  }
}

function nothingWritten(problems: readonly string[]): InvalidArgumentError {
  return new InvalidArgumentError(
    `Nothing was converted; v1beta1 cannot express these:\n  ${problems.join('\n  ')}`,
  );
}

/** Applies edits to the YAML document in place, so comments on untouched keys survive. */
function applyToDocument(doc: Document, edits: readonly ManifestEdit[]): void {
  for (const edit of edits) {
    if (edit.op === 'delete') {
      doc.deleteIn(edit.path);
      continue;
    }
    const parent = doc.getIn(edit.path.slice(0, -1), true);
    if (edit.path.length > 1 && !isMap(parent)) {
      doc.setIn(edit.path.slice(0, -1), doc.createNode({}));
    }
    doc.setIn(edit.path, doc.createNode(edit.value));
  }
}
