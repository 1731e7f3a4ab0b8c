import type { z } from 'zod';
import { AgentSandboxError } from '../errors/base.js';

/** One bad field: a Kubernetes-style path (`spec.containers[0].name`) and what is wrong with it. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * An object failed one of our schemas. The message names every bad field, Kubernetes style:
 * `SandboxClaim "x" is invalid: spec.warmPoolRef.name: Required; ...`.
 */
export class SchemaValidationError extends AgentSandboxError {
  declare readonly code: 'SCHEMA_INVALID';
  declare readonly retryable: false;
  readonly kind: string;
  readonly objectName: string | undefined;
  readonly issues: readonly SchemaIssue[];

  constructor(kind: string, objectName: string | undefined, issues: readonly SchemaIssue[]) {
    const subject = objectName === undefined ? kind : `${kind} "${objectName}"`;
    super(
      'SCHEMA_INVALID',
      `${subject} is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { retryable: false },
    );
    this.kind = kind;
    this.objectName = objectName;
    this.issues = issues;
  }
}

/** `['spec', 'containers', 0, 'name']` → `spec.containers[0].name`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) {
      out += out === '' ? segment : `.${segment}`;
    } else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === '' ? '(root)' : out;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  date: 'a date',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}`;
  return typeof value;
}

function got(issue: { input?: unknown }): string {
  return 'input' in issue ? ` (got ${describeValue(issue.input)})` : '';
}

function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A short, human message for one Zod issue (the path is reported separately). */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'Required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}${got(issue)}`;
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      if (values.length === 1) return `must be ${JSON.stringify(issue.values[0])}${got(issue)}`;
      return `must be one of ${values.join(', ')}${got(issue)}`;
    }
    case 'too_small': {
      const min = issue.minimum;
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `must have at least ${plural(min, 'item')}`;
      }
      if (issue.origin === 'string') {
        return min === 1
          ? 'must not be empty'
          : `must be at least ${plural(min, 'character')} long`;
      }
      return `must be greater than ${issue.inclusive === false ? '' : 'or equal to '}${min}${got(issue)}`;
    }
    case 'too_big': {
      const max = issue.maximum;
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `must have at most ${plural(max, 'item')}`;
      }
      if (issue.origin === 'string') return `must be at most ${plural(max, 'character')} long`;
      return `must be less than ${issue.inclusive === false ? '' : 'or equal to '}${max}${got(issue)}`;
    }
    case 'invalid_format':
      if (issue.format === 'datetime') {
        return `must be an RFC 3339 date-time such as "2026-01-02T15:04:05Z"${got(issue)}`;
      }
      return `${issue.message}${got(issue)}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/** Flattens Zod issues (union branches included) into path/message pairs, without duplicates. */
export function issuesFromZod(error: z.core.$ZodError, pathPrefix = ''): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  const visit = (issues: readonly z.core.$ZodIssue[], base: readonly PropertyKey[]): void => {
    for (const issue of issues) {
      const path = [...base, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        for (const branch of issue.errors) visit(branch, path);
        continue;
      }
      const entry = { path: formatPath(path, pathPrefix), message: describeIssue(issue) };
      const key = `${entry.path}\u0000${entry.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(entry);
      }
    }
  };
  visit(error.issues, []);
  return out;
}
