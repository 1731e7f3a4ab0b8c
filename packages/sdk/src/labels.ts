/**
 * Corral's label vocabulary, for every provider. Owner and task id are first-class options
 * (`ProviderCreateOptions.owner`/`.taskId`) and fields (`SandboxInfo.owner`/`.taskId`); a provider
 * stores them as these labels (claim labels on Kubernetes, the record on this machine) so that
 * `list({ labels })` selects by them, and reports them back out of `SandboxInfo.labels`.
 *
 * Domain: `corral.dev/`. Upstream's keys (`agents.x-k8s.io/…`) stay upstream's; ours are kept
 * apart so a cluster admin can tell who set what and select Corral's sandboxes alone.
 */
import { hostname } from 'node:os';
import { compact } from './compact.js';
import { InvalidArgumentError } from './errors.js';

export const CORRAL_LABELS = {
  /** Who created the sandbox: an orchestrator's owner id, or `<hostname>-<pid>`. */
  owner: 'corral.dev/owner',
  /** The Corral task the sandbox serves, when the caller gives one. */
  taskId: 'corral.dev/task-id',
} as const;

const CORRAL_KEYS: ReadonlySet<string> = new Set(Object.values(CORRAL_LABELS));

/**
 * Whether callers may not set this label themselves: Corral's owner and task id (set from the
 * `owner`/`taskId` options) and upstream agent-sandbox's `agents.x-k8s.io/` keys.
 */
export function isReservedLabel(key: string): boolean {
  return CORRAL_KEYS.has(key) || key.startsWith('agents.x-k8s.io/');
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Makes any string a valid label value: invalid characters become `-`, leading and trailing
 * non-alphanumerics are dropped, and the result is cut to 63 characters.
 */
export function toLabelValue(value: string): string {
  let out = value.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 63);
  out = out.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  return out;
}

/** Throws unless `value` is a valid label value (callers' own labels are not rewritten). */
export function checkLabelValue(key: string, value: string): void {
  if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new InvalidArgumentError(
      `Label ${key}=${JSON.stringify(value)} has an invalid value. Label values are at most 63 ` +
        'characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit.',
    );
  }
}

/** Throws unless `key` is a valid label key (`[prefix/]name`). */
export function checkLabelKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefixOk = prefix === undefined || (prefix.length <= 253 && LABEL_PREFIX.test(prefix));
  if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
    throw new InvalidArgumentError(
      `Label key ${JSON.stringify(key)} is invalid. Use an optional DNS prefix and "/", then at ` +
        'most 63 letters, digits, "-", "_" or "." starting and ending with a letter or digit.',
    );
  }
}

/** Throws unless `value` is a non-empty label value: owner ids and task ids identify something. */
export function checkIdentifier(what: string, value: string): void {
  if (typeof value !== 'string' || value === '' || !LABEL_VALUE.test(value) || value.length > 63) {
    throw new InvalidArgumentError(
      `${what} ${JSON.stringify(value)} is not usable as a label value: use 1-63 letters, digits, ` +
        '"-", "_" or ".", starting and ending with a letter or digit (e.g. "task-42").',
    );
  }
}

/**
 * The labels a provider stores for a create: the caller's own (checked; reserved prefixes
 * refused) plus Corral's owner and task id.
 */
export function sandboxLabels(options: {
  labels?: Record<string, string> | undefined;
  owner?: string | undefined;
  taskId?: string | undefined;
}): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.labels ?? {})) {
    checkLabelKey(key);
    checkLabelValue(key, value);
    if (isReservedLabel(key)) {
      throw new InvalidArgumentError(
        `Label ${key} is reserved: ${[...CORRAL_KEYS].join(' and ')} come from the owner and ` +
          'taskId options, and agents.x-k8s.io/ keys belong to upstream. Pass owner/taskId, or choose another key.',
      );
    }
    labels[key] = value;
  }
  if (options.owner !== undefined) {
    checkIdentifier('owner', options.owner);
    labels[CORRAL_LABELS.owner] = options.owner;
  }
  if (options.taskId !== undefined) {
    checkIdentifier('taskId', options.taskId);
    labels[CORRAL_LABELS.taskId] = options.taskId;
  }
  return labels;
}

/**
 * Splits stored labels into what `SandboxInfo` reports: the caller's labels (reserved prefixes
 * dropped) and the first-class owner and task id.
 */
export function labelsToInfo(stored: Record<string, string>): {
  labels: Record<string, string>;
  owner?: string;
  taskId?: string;
} {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!isReservedLabel(key)) labels[key] = value;
  }
  const owner = stored[CORRAL_LABELS.owner];
  const taskId = stored[CORRAL_LABELS.taskId];
  return compact({
    labels,
    owner,
    taskId,
  });
}

/** `<hostname>-<pid>` made label-safe: the default owner of what this process creates. */
export function defaultOwner(): string {
  return toLabelValue(`${hostname()}-${process.pid}`) || `pid-${process.pid}`;
}
