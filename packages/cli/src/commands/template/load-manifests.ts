import { readFile } from 'node:fs/promises';
import { SchemaValidationError, parseResource } from '@corral/agent-sandbox';
import { InvalidArgumentError } from '@corral/sdk';
import { parseAllDocuments } from 'yaml';

export interface Manifest {
  /** The object exactly as written (what is sent: never the schema-parsed copy). */
  object: Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  };
  /** `file.yaml` or `file.yaml#2` for the second document. */
  source: string;
}

/**
 * Reads YAML (or JSON) documents from a file or stdin (`-`), and validates each with the
 * agent-sandbox schemas before anything is sent. Every bad field of every document is reported
 * at once.
 */
export async function loadTemplateManifests(
  path: string,
  stdin: AsyncIterable<Uint8Array | string>,
): Promise<Manifest[]> {
  const label = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    text = path === '-' ? await readAll(stdin) : await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(
      `Cannot read ${label}: ${error instanceof Error ? error.message : String(error)}. Pass -f with a YAML file.`,
    );
  }
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) {
    throw new InvalidArgumentError(`${label} is empty; it needs a SandboxTemplate.`);
  }
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  for (const [index, doc] of documents.entries()) {
    const source = documents.length > 1 ? `${label}#${index + 1}` : label;
    if (doc.errors.length > 0) {
      problems.push(`${source}: not valid YAML: ${doc.errors[0]!.message}`);
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const kind = (value as { kind?: unknown }).kind;
    if (kind !== 'SandboxTemplate') {
      problems.push(
        `${source}: kind ${JSON.stringify(kind ?? null)} is not a SandboxTemplate (corral template apply only applies templates; use \`corral pool create\` or kubectl for other kinds).`,
      );
      continue;
    }
    try {
      parseResource(value);
    } catch (error) {
      if (!(error instanceof SchemaValidationError)) throw error;
      const name = error.objectName === undefined ? '' : ` "${error.objectName}"`;
      problems.push(
        `${source}: ${error.kind}${name} is invalid:\n${error.issues.map((i) => `    ${i.path}: ${i.message}`).join('\n')}`,
      );
      continue;
    }
    manifests.push({ object: value as Manifest['object'], source });
  }
  if (problems.length > 0) {
    throw new InvalidArgumentError(
      `Nothing was applied; fix these first:\n  ${problems.join('\n  ')}`,
    );
  }
  if (manifests.length === 0) {
    throw new InvalidArgumentError(`${label} has no documents; it needs a SandboxTemplate.`);
  }
  return manifests;
}

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  let text = '';
  for await (const chunk of stream)
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}
